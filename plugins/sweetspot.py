"""The `sweetspot` MkDocs plugin: a thin layer that hands proposals to the engine and adds the
pages it renders. All loading, scoring and rendering lives in `scoring`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from scoring.model.scorecard import ScoredPortfolio, rescore, score_intake
from scoring.proposals.loading import LoadCache, is_published_source, load_proposals
from scoring.proposals.proposal import Intake, InvalidFile, Proposal
from scoring.rubric import QUADRANTS, Rubric, RubricError, load_rubric
from scoring.site.generated_site import fill_home
from scoring.site.markup import collapse_indentation
from scoring.site.pagefiles import PAGES_FOLDER, FileBackedBuilder, PageFolder, RenderMemo
from scoring.site.pages import (
    GeneratedPage,
    SiteBuilder,
    SiteOptions,
    asset_files,
    build_site,
    fill_html_blocks,
)
from scoring.site.rebuildmemo import MemoryBytecodeCache, RebuildMemo
from scoring.sources.problems import Problem, terminal_safe

from .config import SweetspotConfig

log = get_plugin_logger("sweetspot")
SUMMARY_MARKER = "<!-- sweetspot:summary -->"
ASSET_DIR = "assets/sweetspot"


class SweetspotPlugin(BasePlugin[SweetspotConfig]):
    def __init__(self) -> None:
        self.cache: LoadCache = {}  # survives `mkdocs serve` rebuilds (see on_startup)
        self.builder: SiteBuilder | None = None
        self.rubric: Rubric | None = None
        self.html_blocks: dict[str, Mapping[str, str]] = {}  # page path → deferred HTML
        # Generated pages live as files under the cache folder, rewritten only when they
        # change, so `mkdocs serve --dirty` rebuilds just those (see pagefiles.py).
        self.page_folder: PageFolder | None = None
        self.memo = RenderMemo()  # what each proposal page was rendered from, across rebuilds
        self.scored: ScoredPortfolio | None = None  # the last build's, under serve (rescore)
        self.rebuild_memo = RebuildMemo()  # parts made from unchanged cards, under serve
        self.theme_code = MemoryBytecodeCache()  # the theme's compiled templates, under serve

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining on_startup is what makes MkDocs keep this instance (and its cache) across
        # `mkdocs serve` rebuilds. The command decides whether invalid proposals' pages may
        # quote their source lines (only under serve, never in a published build).
        self.command = command
        self.dirty = dirty

    def _resolve(self, config: MkDocsConfig, value: str) -> Path:
        base = Path(config.config_file_path or ".").resolve().parent
        return (base / value).resolve()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        self.proposals_dir = self._resolve(config, self.config.proposals_dir)
        base = Path(config.config_file_path or ".").resolve().parent
        if self.proposals_dir != Path(os.path.normpath(base / self.config.proposals_dir)):
            # A pull request could replace the folder with a link to any folder on the
            # build machine; see SECURITY.md.
            raise PluginError(f"sweetspot: proposals_dir '{self.config.proposals_dir}' is or "
                              "passes through a symlink; symlinks are not accepted")
        if not self.proposals_dir.is_dir():
            raise PluginError(f"sweetspot: proposals_dir '{self.config.proposals_dir}' "
                              f"is not a folder ({self.proposals_dir})")
        rubric_path = self._resolve(config, self.config.rubric) if self.config.rubric else None
        if rubric_path is not None and not rubric_path.is_file():
            raise PluginError(f"sweetspot: rubric file '{self.config.rubric}' not found")
        try:
            rubric = load_rubric(rubric_path)
        except RubricError as error:
            raise PluginError("sweetspot: the rubric is invalid:\n" + str(error)) from None
        for name, top in (("impact_threshold", 100), ("risk_threshold", 100),
                          ("balance_tolerance", 1)):
            value = self.config[name]
            if value is not None and not 0 <= value <= top:
                raise PluginError(f"sweetspot: {name} must be between 0 and {top}, not {value}")
        rubric = rubric.with_quadrants(
            impact_threshold=self.config.impact_threshold,
            risk_threshold=self.config.risk_threshold,
            target_mix=self._target_mix(rubric),
            tolerance=self.config.balance_tolerance,
        )
        # The same object while it is unchanged: what a serve rebuild keeps is checked by
        # identity (load cache, rescore, render memos).
        if self.rubric is None or rubric != self.rubric:
            self.rubric = rubric
        self.rubric_path = rubric_path
        self.templates = (self._resolve(config, self.config.custom_templates),) \
            if self.config.custom_templates else ()
        self.cache_dir = self._resolve(config, self.config.cache_dir) \
            if self.config.cache else None
        if self.cache_dir is not None and \
                self.cache_dir.is_relative_to(Path(config.docs_dir).resolve()):
            # MkDocs would publish the cache as site files, and serve would rebuild forever.
            raise PluginError(f"sweetspot: cache_dir '{self.config.cache_dir}' is inside "
                              "docs_dir; put it beside mkdocs.yml (the default is "
                              ".cache/plugin/sweetspot)")
        for css in (f"{ASSET_DIR}/sweetspot.css",):
            if css not in config.extra_css:
                config.extra_css.append(css)
        scripts = [str(s) for s in config.extra_javascript]
        for js in (f"{ASSET_DIR}/sweetspot.js",):
            if js not in scripts:
                config.extra_javascript.append(js)
        return config

    def _target_mix(self, rubric: Rubric) -> dict[str, float] | None:
        """A partial mix overrides only the quadrants it names; unknown names are errors."""
        given = self.config.target_mix
        if given is None:
            return None
        unknown = sorted(set(given) - set(QUADRANTS))
        if unknown:
            raise PluginError(f"sweetspot: target_mix: unknown quadrant(s) {', '.join(unknown)}; "
                              f"use {', '.join(QUADRANTS)}")
        for name, share in given.items():
            if isinstance(share, bool) or not isinstance(share, (int, float)) \
                    or not 0 <= share <= 1:
                raise PluginError(f"sweetspot: target_mix: {name} must be a share between 0 "
                                  f"and 1, not {share!r}")
        return {**rubric.target_mix, **{k: float(v) for k, v in given.items()}}

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled or self.rubric is None:
            return files
        site_root = Path(config.config_file_path or ".").resolve().parent
        # Under serve, the on-disk store serves the first build; after it, the in-memory
        # cache holds every file, and reading and saving the store's index only costs time.
        serving = getattr(self, "command", None) == "serve"
        store_dir = None if serving and self.cache else self.cache_dir
        intake = self._focused(load_proposals([self.proposals_dir], self.rubric, self.cache,
                                              root=site_root, store_dir=store_dir))
        if intake.invalid and self.config.strict:
            for problem in intake.problems:
                log.warning("Invalid proposal: %s", problem.as_text())
            raise PluginError(f"sweetspot: {len(intake.invalid)} invalid proposal file(s); "
                              "see the warnings above")
        self._check_tags(intake, config)
        docs_dir = Path(config.docs_dir).resolve()
        source_links, edit_paths = {}, {}
        # Valid proposals are regular files found below proposals_dir without following a
        # symlink, and proposals_dir is reached through none (on_config): joining is
        # resolving, without a system call per path component.
        sources = {proposal.id: Path(os.path.normpath(site_root / proposal.file))
                   for proposal in intake.proposals}
        for proposal_id, source in sources.items():
            edit_paths[proposal_id] = os.path.relpath(source, docs_dir).replace(os.sep, "/")
            if source.is_relative_to(docs_dir):
                source_links[proposal_id] = edit_paths[proposal_id]
        options = SiteOptions(
            output_dir=self.config.output_dir,
            use_directory_urls=config.use_directory_urls,
            template_dirs=self.templates,
            source_links=source_links,
            cache_dir=self.cache_dir,
            source_root=site_root,
        )
        self.page_folder = self._page_folder(site_root)
        self.builder, pages = self._render(intake, options)
        self.generated_pages: set[str] = set()
        for problem in intake.problems:  # after rendering, which may add problems
            if problem.severity == "info":  # a style hint never fails --strict
                log.info("Proposal style hint: %s", problem.as_text())
                continue
            label = "Invalid proposal" if problem.severity == "error" else "Proposal"
            log.warning("%s: %s", label, problem.as_text())
        for hint in intake.hints:
            log.info("Proposal style hint: %s", hint.as_text())
        self._unpublish(files, config, {sources[p.id] for p in intake.proposals
                                        if p.id in sources})
        # Pages kept in memory keep their deferred HTML here; pages in the page folder have
        # it in a file beside them (pagefiles.py), read only if MkDocs rebuilds the page.
        self.html_blocks = {page.path: page.html_blocks for page in pages
                            if page.html_blocks and self.page_folder is None}
        for page in pages:
            if files.get_file_from_path(page.path) is not None:
                raise PluginError(f"sweetspot: '{terminal_safe(page.path)}' exists in docs_dir "
                                  "and would be overwritten by a generated page; move it or "
                                  "set output_dir")
            inclusion = InclusionLevel.NOT_IN_NAV if not page.in_nav else \
                InclusionLevel.UNDEFINED
            generated = self._generated(config, page, inclusion)
            self.generated_pages.add(page.path)
            if page.proposal_id is not None:
                generated.edit_uri = edit_paths.get(page.proposal_id)
            files.append(generated)
        # An invalid proposal keeps its URL: a page listing its problems (see pages.py).
        for page in self.builder.invalid_pages(self._source_line(site_root) if serving
                                               else None):
            if files.get_file_from_path(page.path) is None:
                files.append(self._generated(config, page, InclusionLevel.NOT_IN_NAV))
        if self.page_folder is not None:
            self.memo.retain(set(self.page_folder.written))
            self.page_folder.prune()  # pages of deleted or renamed proposals
        home = files.get_file_from_path(self.config.home_page)
        if home is not None:
            # The home page's summary comes from the proposals, not from its file: a dirty
            # build must not skip it for an unchanged file.
            home.is_modified = lambda: True  # type: ignore[method-assign]
        for relative, path in asset_files():
            target = f"assets/{relative}"
            if files.get_file_from_path(target) is None:
                files.append(File.generated(config, target, abs_src_path=str(path)))
        return files

    def _focused(self, intake: Intake) -> Intake:
        """Under serve, with a focus (option or SWEETSPOT_FOCUS), only the matching
        proposals: a large portfolio's author sees a small site rebuilt in a moment."""
        given = os.environ.get("SWEETSPOT_FOCUS")
        patterns = [p.strip() for p in given.split(",")] if given is not None \
            else [str(p) for p in self.config.focus]
        patterns = [p for p in patterns if p]
        if not patterns or getattr(self, "command", None) != "serve":
            return intake
        kept = Intake(proposals=[p for p in intake.proposals
                                 if any(fnmatchcase(p.id, pattern) for pattern in patterns)],
                      invalid=[b for b in intake.invalid
                               if any(fnmatchcase(b.id, pattern) for pattern in patterns)])
        log.warning("sweetspot: focus %s: serving %d of %d proposals (the portfolio pages "
                    "show these only); unset SWEETSPOT_FOCUS or the focus option for all",
                    terminal_safe(", ".join(patterns)), len(kept.proposals),
                    len(intake.proposals))
        return kept

    def _page_folder(self, site_root: Path) -> PageFolder | None:
        """The folder for generated pages: under the cache folder, when the cache is on,
        can be written and is reached through no symlink (a pull request could commit
        `.cache` as a link to any folder on the build machine). Otherwise pages stay in
        memory, as MkDocs' generated files, and `--dirty` rebuilds them all."""
        if self.cache_dir is None:
            return None
        folder = self.cache_dir / PAGES_FOLDER
        if folder != Path(os.path.normpath(site_root / self.config.cache_dir / PAGES_FOLDER)):
            log.warning("sweetspot: cache_dir '%s' is or passes through a symlink; generated "
                        "pages are kept in memory", terminal_safe(self.config.cache_dir))
            return None
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            log.info("sweetspot: generated pages kept in memory: %s", error)
            return None
        if folder.is_symlink() or folder.resolve() != folder:
            return None
        if self.page_folder is not None and self.page_folder.folder == folder:
            return self.page_folder  # it knows what it held after the last build
        return PageFolder(folder)

    def _generated(self, config: MkDocsConfig, page: GeneratedPage,
                   inclusion: InclusionLevel) -> File:
        """A generated File backed by its file in the page folder (see _page_folder), or
        by its text when there is none."""
        if self.page_folder is None:
            return File.generated(config, page.path, content=page.content,
                                  inclusion=inclusion)
        on_disk = getattr(self.builder, "on_disk", {}).get(page.path)
        path = on_disk or self.page_folder.write_page(page)
        return File.generated(config, page.path, abs_src_path=str(path), inclusion=inclusion)

    def _source_line(self, site_root: Path) -> Any:
        """Read one line of a proposal file (names are relative to the site root); only
        files inside the proposals folder, and nothing that cannot be read as text."""
        def read(file: str, line: int) -> str | None:
            path = (site_root / file).resolve()
            if not path.is_relative_to(self.proposals_dir) or not path.is_file():
                return None
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                return None
            return lines[line - 1] if 0 < line <= len(lines) else None
        return read

    def _render(self, intake: Intake,
                options: SiteOptions) -> tuple[SiteBuilder, list[GeneratedPage]]:
        """Score and render every page. A proposal whose page raises (a case the schema
        lets through and the code does not expect) becomes an intake problem naming its
        file, and the rest are rendered again: no traceback, no stale `mkdocs serve`."""
        assert self.rubric is not None
        serving = getattr(self, "command", None) == "serve"
        while True:
            try:
                scored = rescore(intake, self.rubric, self.scored if serving else None)
                builder = self._builder(scored, options)
                pages = builder.all_pages()
                self.scored = scored if serving else None
                return builder, pages
            except Exception as error:
                broken = self._broken(intake, options)
                if not broken:
                    raise PluginError(f"sweetspot: the site could not be built "
                                      f"({type(error).__name__}: "
                                      f"{terminal_safe(str(error))[:300]})") from None
            for proposal, failure in broken:
                intake.proposals.remove(proposal)
                intake.invalid.append(InvalidFile(proposal.file, proposal.id, (Problem(
                    proposal.file, 0, 0, "", f"its page could not be built "
                    f"({type(failure).__name__}: {str(failure)[:200]}); it is left out of the "
                    "site. Please report this with the file", "build-error"),)))

    def _builder(self, portfolio: ScoredPortfolio, options: SiteOptions) -> SiteBuilder:
        memo = self.rebuild_memo if getattr(self, "command", None) == "serve" else None
        if self.page_folder is None:
            return build_site(portfolio, options, memo)
        return FileBackedBuilder(portfolio, options, self.page_folder, self.memo, memo)

    def _broken(self, intake: Intake,
                options: SiteOptions) -> list[tuple[Proposal, Exception]]:
        """The proposals whose own scoring or page fails, each tried alone."""
        assert self.rubric is not None
        broken = []
        for proposal in intake.proposals:
            try:
                alone = score_intake(Intake(proposals=[proposal]), self.rubric)
                build_site(alone, options).proposal_page(alone.cards[0])
            except Exception as error:
                broken.append((proposal, error))
        return broken

    def _unpublish(self, files: Files, config: MkDocsConfig, valid: set[Path]) -> None:
        """Keep out of the site anything reached through a symlink (it could be any file on
        the build machine) and, in the proposals folder, everything but valid proposals and
        the editor schema: invalid files, pages, HTML, images, unreadable or odd entries."""
        docs_dir = os.path.abspath(config.docs_dir)
        docs_real_text = str(Path(docs_dir).resolve())
        proposals_prefix = str(self.proposals_dir) + os.sep
        linked: dict[str, bool] = {}

        def through_link(folder: str) -> bool:
            if folder == docs_dir or not folder.startswith(docs_dir + os.sep):
                return False
            if folder not in linked:
                linked[folder] = os.path.islink(folder) or \
                    through_link(os.path.dirname(folder))
            return linked[folder]

        for file in list(files):
            if file.abs_src_path is None:
                continue
            path = os.path.abspath(file.abs_src_path)
            if os.path.islink(path) or through_link(os.path.dirname(path)):
                log.warning("sweetspot: not published: '%s' is a symlink or inside a "
                            "symlinked folder; commit the file itself",
                            terminal_safe(file.src_uri))
                files.remove(file)
                continue
            # No symlink below docs_dir (checked above): the real path is found by joining.
            real = os.path.join(docs_real_text, os.path.relpath(path, docs_dir))
            if real.startswith(proposals_prefix) and not is_published_source(Path(real), valid):
                log.info("sweetspot: not published from the proposals folder: '%s' (only "
                         "valid proposals and the editor schema are)",
                         terminal_safe(file.src_uri))
                files.remove(file)

    def _check_tags(self, intake: Any, config: MkDocsConfig) -> None:
        """Check tags against Material's allow-list first: its own error path crashes on
        generated pages, and ours names the proposal file."""
        tags_plugin = config.plugins.get("material/tags") or config.plugins.get("tags")
        allowed = getattr(getattr(tags_plugin, "config", None), "tags_allowed", None)
        if not allowed:
            return
        # Material 9.6+ holds Tag objects there (whose == refuses a string); older, strings.
        names = {str(getattr(tag, "name", tag)) for tag in allowed}
        for proposal in intake.proposals:
            unknown = [t for t in proposal.tags if t not in names]
            if unknown:
                first = list(proposal.tags).index(unknown[0])  # the line of the first one
                line = proposal.line_of.get(f"tags.{first}", proposal.line_of.get("tags", 0))
                raise PluginError(f"{proposal.file}:{line}: tags: {', '.join(unknown)} not in "
                                  f"the tags plugin's tags_allowed list")

    def on_nav(self, nav: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        # A dirty build skips reading unchanged pages, and a page's title comes from its
        # text: the pages it does rebuild would show "None" in the navigation for every
        # skipped one. Reading the few pages in the navigation keeps their titles.
        if getattr(self, "dirty", False):
            for page in nav.pages:
                if page.markdown is None and not page.file.is_modified():
                    page.read_source(config)
        return nav

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        # MkDocs makes the theme's Jinja environment anew for every build; under serve its
        # templates need not be compiled again for each (Jinja checks their sources).
        if getattr(self, "command", None) == "serve" and env.bytecode_cache is None:
            env.bytecode_cache = self.theme_code
        return env

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig,
                         files: Files) -> str | None:
        if self.builder is None:
            return markdown
        src = page.file.src_uri
        if src == self.config.home_page:
            # The same filling as `sweetspot build-docs`: the 'pages are missing' notice
            # goes, the summary replaces its marker.
            return fill_home(markdown, self.builder, src)
        return markdown

    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig,
                        files: Files) -> str | None:
        # MkDocs keeps every page's Markdown to the end of the build, and it is not read
        # again once rendered: at 5,000 proposals that is about 200 MB of generated text.
        # (Empty, not None: a page's title is None while its Markdown is; ours come from
        # their front matter.)
        if page.file.src_uri in getattr(self, "generated_pages", ()):
            page.markdown = ""
        return html

    @event_priority(-100)  # after every other plugin's, the search plugin's above all
    def on_page_context(self, context: Any, /, *, page: Page, config: MkDocsConfig,
                        nav: Any) -> Any:
        # Generated pages' large HTML skipped Markdown (pages.py); it joins the page here,
        # once the search plugin has read the page: the blocks hold scores, tables and
        # breakdowns, which are not what readers search for (the sections they sit in also
        # carry Material's data-search-exclude), and parsing them was most of the search
        # plugin's time.
        blocks = self.html_blocks.pop(page.file.src_uri, None)
        if blocks is None and self.page_folder is not None \
                and page.file.src_uri in getattr(self, "generated_pages", ()):
            blocks = self.page_folder.html_blocks(page.file.src_uri)
        if blocks and page.content is not None:
            page.content = fill_html_blocks(page.content, blocks)
        return context

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        # Likewise the HTML of the content: written out, indexed for search (in
        # on_page_context, before this), and its links already checked.
        if page.file.src_uri in getattr(self, "generated_pages", ()):
            page.content = None
            if self.config.compact_html:
                return collapse_indentation(output)
        return output

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        if not self.config.enabled:
            return server
        # Files inside docs_dir are watched by MkDocs already.
        if not self.proposals_dir.is_relative_to(Path(config.docs_dir).resolve()):
            server.watch(str(self.proposals_dir))
        if self.rubric_path is not None:
            server.watch(str(self.rubric_path))
        for folder in self.templates:
            server.watch(str(folder))
        return server
