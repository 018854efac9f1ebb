"""One MkDocs build as the plugin sees it: the options resolved (on_config), the proposals
loaded, scored and rendered into MkDocs files (on_files), and the generated pages' HTML
finished (the page events). The plugin makes one of these per build and delegates to it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from scoring.model.decisions import DecisionRegister, read_register
from scoring.model.obligations import ComplianceContext
from scoring.proposals.loading import load_proposals
from scoring.proposals.proposal import Intake
from scoring.proposals.publication import RedactionCache, publish
from scoring.rubric import Rubric, RubricError, load_rubric
from scoring.site.generated_site import EXTRA_CSS, EXTRA_JAVASCRIPT, fill_home
from scoring.site.markup import collapse_indentation
from scoring.site.pages import (
    GeneratedPage,
    SiteBuilder,
    SiteOptions,
    asset_files,
    fill_html_blocks,
)
from scoring.site.pages.builder import SiteBuildError, build_pages
from scoring.site.rebuild.pagefiles import PAGES_FOLDER, PageFolder, ProposalPages
from scoring.site.rebuild.session import KeptBetweenBuilds
from scoring.site.settings import SettingsError, SiteSettings
from scoring.sources.problems import terminal_safe

from .checks import check_tags, focused, unpublish

log = get_plugin_logger("sweetspot")

# Under serve, an unchanged proposal keeps its published object (page caches key on it).
_REDACTED: RedactionCache = {}


class PluginSite:
    """The settings and paths of one build, and (after ``add_pages``) what it generated."""

    def __init__(
        self,
        settings: SiteSettings,
        config: MkDocsConfig,
        rubric: Rubric,
        rubric_path: Path | None,
        kept: KeptBetweenBuilds,
        *,
        serving: bool,
    ) -> None:
        self.settings = settings
        self.site_root = Path(config.config_file_path or ".").resolve().parent
        self.proposals_dir = self.resolve(settings.proposals_dir)
        self.rubric = rubric
        self.rubric_path = rubric_path
        self.templates = (
            (self.resolve(settings.custom_templates),) if settings.custom_templates else ()
        )
        self.cache_dir = self.resolve(settings.cache_dir) if settings.cache else None
        self.kept = kept
        self.serving = serving
        self.decisions: DecisionRegister | None = None
        self.builder: SiteBuilder | None = None  # set by add_pages
        self.generated_pages: set[str] = set()
        self.html_blocks: dict[str, Mapping[str, str]] = {}  # page path → deferred HTML
        self.compliance: ComplianceContext | None = None  # the regimes and build date

    def resolve(self, value: str) -> Path:
        return (self.site_root / value).resolve()

    # -- on_config -------------------------------------------------------------------------
    @classmethod
    def configure(
        cls,
        options: Mapping[str, Any],
        config: MkDocsConfig,
        kept: KeptBetweenBuilds,
        *,
        serving: bool,
    ) -> PluginSite:
        """Check the options against the files they name and wire in the CSS and scripts."""
        settings = SiteSettings.from_options(options).from_environment(os.environ)
        base = Path(config.config_file_path or ".").resolve().parent
        proposals_dir = (base / settings.proposals_dir).resolve()
        if proposals_dir != Path(os.path.normpath(base / settings.proposals_dir)):
            # A pull request could replace the folder with a link to any folder on the
            # build machine; see SECURITY.md.
            raise PluginError(
                f"sweetspot: proposals_dir '{settings.proposals_dir}' is or "
                "passes through a symlink; symlinks are not accepted"
            )
        if not proposals_dir.is_dir():
            raise PluginError(
                f"sweetspot: proposals_dir '{settings.proposals_dir}' "
                f"is not a folder ({proposals_dir})"
            )
        rubric_path = (base / settings.rubric).resolve() if settings.rubric else None
        if rubric_path is not None and not rubric_path.is_file():
            raise PluginError(f"sweetspot: rubric file '{settings.rubric}' not found")
        try:
            rubric = settings.quadrants_of(load_rubric(rubric_path))
            compliance = settings.compliance(rubric, base)
        except RubricError as error:
            raise PluginError("sweetspot: the rubric is invalid:\n" + str(error)) from None
        except SettingsError as error:
            raise PluginError(f"sweetspot: {error}") from None
        site = cls(settings, config, kept.same_rubric(rubric), rubric_path, kept, serving=serving)
        site.compliance = compliance
        if site.cache_dir is not None and site.cache_dir.is_relative_to(
            Path(config.docs_dir).resolve()
        ):
            # MkDocs would publish the cache as site files, and serve would rebuild forever.
            raise PluginError(
                f"sweetspot: cache_dir '{settings.cache_dir}' is inside "
                "docs_dir; put it beside mkdocs.yml (the default is "
                ".cache/plugin/sweetspot)"
            )
        for css in EXTRA_CSS:
            if css not in config.extra_css:
                config.extra_css.append(css)
        scripts = [str(s) for s in config.extra_javascript]
        for js in EXTRA_JAVASCRIPT:
            if js not in scripts:
                config.extra_javascript.append(js)
        return site

    # -- on_files --------------------------------------------------------------------------
    def add_pages(self, files: Files, config: MkDocsConfig) -> Files:
        """Load, score and render the proposals; add every generated page and asset."""
        kept = self.kept
        # Under serve, the on-disk store serves the first build; after it, the in-memory
        # cache holds every file, and reading and saving the store's index only costs time.
        store_dir = None if self.serving and kept.load_cache else self.cache_dir
        intake = load_proposals(
            [self.proposals_dir],
            self.rubric,
            kept.load_cache,
            root=self.site_root,
            store_dir=store_dir,
        )
        if self.serving:
            intake = focused(intake, self.settings.focus)
        if intake.invalid and self.settings.strict:
            for problem in intake.problems:
                log.warning("Invalid proposal: %s", problem.as_text())
            raise PluginError(
                f"sweetspot: {len(intake.invalid)} invalid proposal file(s); see the warnings above"
            )
        kind, visibility = self.settings.publication_rules()
        # Redacted before anything reads it: no page, table, download or index of a public
        # build sees a withheld row or field (scoring/proposals/publication.py).
        publication = publish(intake, kind, visibility, _REDACTED)
        found, intake = intake, publication.intake
        check_tags(intake, config)
        docs_dir = Path(config.docs_dir).resolve()
        source_links, edit_paths = {}, {}
        # Valid proposals are regular files found below proposals_dir without following a
        # symlink, and proposals_dir is reached through none (on_config): joining is
        # resolving, without a system call per path component.
        sources = {
            proposal.id: Path(os.path.normpath(self.site_root / proposal.file))
            for proposal in intake.proposals
        }
        for proposal_id, source in sources.items():
            edit_paths[proposal_id] = os.path.relpath(source, docs_dir).replace(os.sep, "/")
            if source.is_relative_to(docs_dir):
                source_links[proposal_id] = edit_paths[proposal_id]
        if publication.public:  # the YAML holds everything: no link, no copy, no edit link
            source_links, edit_paths = {}, {}
        options = SiteOptions(
            output_dir=self.settings.output_dir,
            use_directory_urls=config.use_directory_urls,
            template_dirs=self.templates,
            source_links=source_links,
            cache_dir=self.cache_dir,
            source_root=self.site_root,
            currency=self.settings.currency,
            exchange_rates=self.settings.rates(),
            compliance=self.compliance,
            publication=publication,
            history=self.settings.history,
            history_since=self.settings.history_start(),
            history_late=not self.serving,
            proposals_dir=self.proposals_dir,
            rubric_path=self.rubric_path,
            scenarios=self.settings.budget_scenarios(self.rubric),
        )
        kept.page_folder = self.page_folder()
        self.decisions = self.read_decisions(found, publication.public)
        self.builder, pages = self.render(intake, options)
        # The public register leaves invalid files out of its pages, not out of the log:
        # --strict still stops on them.
        self.log_problems(
            Intake(intake.proposals, [*publication.unpublished_invalid, *intake.invalid])
        )
        unpublish(
            files,
            config,
            self.proposals_dir,
            set()
            if publication.public
            else {sources[p.id] for p in intake.proposals if p.id in sources},
        )
        # Pages kept in memory keep their deferred HTML here; pages in the page folder have
        # it in a file beside them (pagefiles.py), read only if MkDocs rebuilds the page.
        self.html_blocks = {
            page.path: page.html_blocks
            for page in pages
            if page.html_blocks and kept.page_folder is None
        }
        for page in pages:
            if files.get_file_from_path(page.path) is not None:
                raise PluginError(
                    f"sweetspot: '{terminal_safe(page.path)}' exists in docs_dir "
                    "and would be overwritten by a generated page; move it or "
                    "set output_dir"
                )
            inclusion = InclusionLevel.NOT_IN_NAV if not page.in_nav else InclusionLevel.UNDEFINED
            generated = self.generated(config, page, inclusion)
            self.generated_pages.add(page.path)
            if page.proposal_id is not None:
                generated.edit_uri = edit_paths.get(page.proposal_id)
            files.append(generated)
        # An invalid proposal keeps its URL: a page listing its problems (see pages.py).
        for page in self.builder.invalid_pages(self.source_line if self.serving else None):
            if files.get_file_from_path(page.path) is None:
                files.append(self.generated(config, page, InclusionLevel.NOT_IN_NAV))
        if kept.page_folder is not None:
            kept.page_folder.prune()  # pages of deleted or renamed proposals
        home = files.get_file_from_path(self.settings.home_page)
        if home is not None:
            # The home page's summary comes from the proposals, not from its file: a dirty
            # build must not skip it for an unchanged file.
            home.is_modified = lambda: True  # type: ignore[method-assign]
        for relative, path in asset_files():
            target = f"assets/{relative}"
            if files.get_file_from_path(target) is None:
                files.append(File.generated(config, target, abs_src_path=str(path)))
        return files

    def read_decisions(self, found: Intake, public: bool) -> DecisionRegister | None:
        """The decision files (#29) at the build date, checked against every proposal
        found (a withheld one still has its decisions); their problems are warnings. A
        public build drops the names of who asked and who decided."""
        register = read_register(
            self.site_root / self.settings.decisions_dir,  # a symlinked folder is refused
            self.rubric,
            found,
            self.settings.today(),
            self.settings.deciders,
            root=self.site_root,
            public=public,
        )
        for problem in register.problems if register is not None else ():
            log.warning("Invalid decision: %s", problem.as_text())
        return register

    @staticmethod
    def log_problems(intake: Intake) -> None:
        for problem in intake.problems:  # after rendering, which may add problems
            if problem.severity == "info":  # a style hint never fails --strict
                log.info("Proposal style hint: %s", problem.as_text())
                continue
            label = "Invalid proposal" if problem.severity == "error" else "Proposal"
            log.warning("%s: %s", label, problem.as_text())
        for hint in intake.hints:
            log.info("Proposal style hint: %s", hint.as_text())

    def page_folder(self) -> PageFolder | None:
        """The folder for generated pages: under the cache folder, when the cache is on,
        can be written and is reached through no symlink (a pull request could commit
        `.cache` as a link to any folder on the build machine). Otherwise pages stay in
        memory, as MkDocs' generated files, and `--dirty` rebuilds them all."""
        if self.cache_dir is None:
            return None
        folder = self.cache_dir / PAGES_FOLDER
        if folder != Path(
            os.path.normpath(self.site_root / self.settings.cache_dir / PAGES_FOLDER)
        ):
            log.warning(
                "cache_dir '%s' is or passes through a symlink; generated pages are kept in memory",
                terminal_safe(self.settings.cache_dir),
            )
            return None
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            log.info("generated pages kept in memory: %s", error)
            return None
        if folder.is_symlink() or folder.resolve() != folder:
            return None
        if self.kept.page_folder is not None and self.kept.page_folder.folder == folder:
            return self.kept.page_folder  # it knows what it held after the last build
        return PageFolder(folder)

    def generated(
        self, config: MkDocsConfig, page: GeneratedPage, inclusion: InclusionLevel
    ) -> File:
        """A generated File backed by its file in the page folder (see page_folder), or
        by its text when there is none."""
        folder = self.kept.page_folder
        if folder is None:
            return File.generated(config, page.path, content=page.content, inclusion=inclusion)
        store = self.builder.on_disk if self.builder is not None else None
        path = (store.on_disk.get(page.path) if store is not None else None) or folder.write_page(
            page
        )
        return File.generated(config, page.path, abs_src_path=str(path), inclusion=inclusion)

    def source_line(self, file: str, line: int) -> str | None:
        """One line of a proposal file (names are relative to the site root); only files
        inside the proposals folder, and nothing that cannot be read as text."""
        path = (self.site_root / file).resolve()
        if not path.is_relative_to(self.proposals_dir) or not path.is_file():
            return None
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return None
        return lines[line - 1] if 0 < line <= len(lines) else None

    def render(
        self, intake: Intake, options: SiteOptions
    ) -> tuple[SiteBuilder, list[GeneratedPage]]:
        """Score and render every page (a proposal whose page fails becomes an intake
        problem naming its file, see ``build_pages``)."""
        folder = self.kept.page_folder
        try:
            builder, pages, scored = build_pages(
                intake,
                self.rubric,
                options,
                previous=self.kept.scored if self.serving else None,
                memo=self.kept.memo if self.serving else None,
                on_disk=ProposalPages(folder) if folder is not None else None,
                decisions=self.decisions,
            )
        except SiteBuildError as error:
            raise PluginError(f"sweetspot: {error}") from None
        self.kept.scored = scored if self.serving else None
        return builder, pages

    # -- page events -----------------------------------------------------------------------
    def page_markdown(self, markdown: str, src: str) -> str:
        if self.builder is not None and src == self.settings.home_page:
            # The same filling as `sweetspot build-docs`: the 'pages are missing' notice
            # goes, the summary replaces its marker.
            return fill_home(markdown, self.builder, src)
        return markdown

    def drop_markdown(self, page: Page) -> None:
        # MkDocs keeps every page's Markdown to the end of the build, and it is not read
        # again once rendered: at 5,000 proposals that is about 200 MB of generated text.
        # (Empty, not None: a page's title is None while its Markdown is; ours come from
        # their front matter.)
        if page.file.src_uri in self.generated_pages:
            page.markdown = ""

    def fill_blocks(self, page: Page) -> None:
        # Generated pages' large HTML skipped Markdown (pages.py); it joins the page here,
        # once the search plugin has read the page: the blocks hold scores, tables and
        # breakdowns, which are not what readers search for (the sections they sit in also
        # carry Material's data-search-exclude), and parsing them was most of the search
        # plugin's time.
        src = page.file.src_uri
        blocks = self.html_blocks.pop(src, None)
        if blocks is None and self.kept.page_folder is not None and src in self.generated_pages:
            blocks = self.kept.page_folder.html_blocks(src)
        if blocks and page.content is not None:
            page.content = fill_html_blocks(page.content, blocks)
        if self.builder is not None and page.content is not None and src in self.generated_pages:
            page.content = self.builder.fill_late_blocks(src, page.content)

    def post_page(self, output: str, page: Page) -> str:
        # Likewise the HTML of the content: written out, indexed for search (in
        # on_page_context, before this), and its links already checked.
        if page.file.src_uri in self.generated_pages:
            page.content = None
            if self.settings.compact_html:
                return collapse_indentation(output)
        return output

    def finish(self, *, failed: bool = False) -> None:
        """The end of a build (or of a failed one): nothing left running."""
        if self.builder is not None:
            self.builder.close(failed=failed)

    def watched(self, config: MkDocsConfig) -> list[Path]:
        """What `mkdocs serve` must watch besides docs_dir, which it watches already."""
        paths = (
            []
            if self.proposals_dir.is_relative_to(Path(config.docs_dir).resolve())
            else [self.proposals_dir]
        )
        if self.rubric_path is not None:
            paths.append(self.rubric_path)
        decisions = self.site_root / self.settings.decisions_dir
        if decisions.is_dir():
            paths.append(decisions)
        return paths + list(self.templates)


__all__ = ["PluginSite"]
