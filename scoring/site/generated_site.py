"""The generated site as a first-class output: a folder that MkDocs, ProperDocs, Zensical and
Backstage TechDocs all build as it is, without the sweetspot plugin.

The plugin and `sweetspot build-docs` share ``build_site`` and ``fill_home``; this module adds
what only a plugin-free build needs: a config derived from the site's own mkdocs.yml (the
sweetspot plugin removed, the CSS and scripts wired in) and a writer that touches only the
files whose content changed, so a generator's live reload sees real edits only.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError

from scoring.model.clock import build_date
from scoring.model.decisions import read_register
from scoring.model.obligations import ComplianceContext
from scoring.model.scorecard import ScoredPortfolio, score_intake
from scoring.portfolio.selection.scenario import Scenario
from scoring.proposals.loading import Intake, is_published_source, load_proposals
from scoring.proposals.publication import Visibility, publish
from scoring.rubric import Rubric, load_rubric
from scoring.site.diskwrite import OutputError, OutputFolder, linked_part
from scoring.site.pages import SiteBuilder, SiteOptions, asset_files, build_site
from scoring.site.settings import OPTION_NAMES, SettingsError, SiteSettings
from scoring.sources.safefile import CONFIG, InputError, read_named

SUMMARY_MARKER = "<!-- sweetspot:summary -->"
# A home page may hold a notice between these markers for builds that skipped the plugin
# (Zensical and MkDocs 2 drop unknown plugins without a word); every Sweetspot build strips it.
FALLBACK_START = "<!-- sweetspot:fallback -->"
FALLBACK_END = "<!-- /sweetspot:fallback -->"
_FALLBACK = re.compile(
    re.escape(FALLBACK_START) + r".*?" + re.escape(FALLBACK_END) + r"\n?", re.DOTALL
)

ASSET_DIR = "assets/sweetspot"
EXTRA_CSS = (f"{ASSET_DIR}/sweetspot.css",)
EXTRA_JAVASCRIPT = (f"{ASSET_DIR}/sweetspot.js",)


@dataclass(frozen=True)
class OutputOwner:
    """A command that writes an output folder, and the marker file it leaves there: it only
    ever writes into a folder that is new, empty or holds its marker."""

    command: str
    marker: str


BUILD_DOCS = OutputOwner("build-docs", ".sweetspot-build-docs")
RENDER = OutputOwner("render", ".sweetspot-render")
OWNER_FILE = BUILD_DOCS.marker  # the name tests and older callers know
PLUGIN_NAMES = ("sweetspot",)
PLUGIN_OPTIONS = OPTION_NAMES  # the plugin's own list (settings.py): every option is accepted

# What a site needs when it has no mkdocs.yml of its own: Material, no fonts fetched, and the
# Markdown extensions the generated pages use.
DEFAULT_CONFIG: dict[str, Any] = {
    "site_name": "Sweetspot portfolio",
    "theme": {
        "name": "material",
        "font": False,
        "features": ["navigation.indexes", "navigation.sections"],
    },
    "plugins": ["search"],
    "markdown_extensions": [
        "admonition",
        "attr_list",
        "md_in_html",
        "tables",
        {"toc": {"permalink": True}},
        "pymdownx.details",
        "pymdownx.superfences",
        {"pymdownx.tasklist": {"custom_checkbox": True}},
    ],
}


class SiteSourceError(Exception):
    """A config or folder build-docs cannot use; the message says which and why."""


def strip_fallback(markdown: str) -> str:
    """The page without its 'proposal pages are missing' notice."""
    return _FALLBACK.sub("", markdown) if FALLBACK_START in markdown else markdown


def fill_home(markdown: str, builder: SiteBuilder, page: str) -> str:
    """The home page as every Sweetspot build shows it: fallback notice gone, the summary in
    place of its marker (or, without a marker, the intake-problems banner on top)."""
    markdown = strip_fallback(markdown)
    if SUMMARY_MARKER in markdown:
        return markdown.replace(SUMMARY_MARKER, builder.home_summary(page))
    banner = builder.banner(page)
    return banner + "\n" + markdown if banner else markdown


# -- reading a site's mkdocs.yml without MkDocs ------------------------------------------------


@dataclass(frozen=True)
class Tagged:
    """A YAML value with a tag we do not interpret (!ENV, !!python/name:...): kept as is."""

    tag: str
    value: Any


class _Loader(yaml.SafeLoader):
    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        # An alias can repeat a node without end (a "billion laughs" config): refused.
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(
                None,
                None,
                f"aliases (*{event.anchor}) are not allowed; write the value out in full",
                event.start_mark,
            )
        return super().compose_node(parent, index)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # the config read back (by --watch, or anyone) must not need aliases


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Tagged:
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        return Tagged(tag, loader.construct_scalar(node))
    if isinstance(node, yaml.SequenceNode):
        return Tagged(tag, loader.construct_sequence(node, deep=True))
    return Tagged(tag, loader.construct_mapping(node, deep=True))  # type: ignore[arg-type]


def _represent_tagged(dumper: yaml.SafeDumper, data: Tagged) -> yaml.Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    return dumper.represent_scalar(data.tag, str(data.value))


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # Multi-line settings (not_in_nav, exclude_docs) read best as literal blocks.
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Loader.add_multi_constructor("!", _construct_tagged)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _construct_tagged)
_Dumper.add_representer(Tagged, _represent_tagged)
_Dumper.add_representer(str, _represent_str)


def read_config(path: Path) -> dict[str, Any]:
    """A site's mkdocs.yml, read as any file named on the command line is (a regular file,
    no symlink, capped) and parsed without aliases."""
    try:
        text = read_named(path, CONFIG).decode("utf-8")
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader
    except InputError as error:
        raise SiteSourceError(str(error)) from None
    except UnicodeDecodeError:
        raise SiteSourceError(f"{path}: not UTF-8 text") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise SiteSourceError(f"{where}: not valid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise SiteSourceError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise SiteSourceError(f"{path}: expected a mapping of settings")
    if "INHERIT" in data:
        raise SiteSourceError(
            f"{path}: INHERIT is not supported here; merge the parent "
            "config in or pass --config the combined file"
        )
    return data


def dump_config(config: Mapping[str, Any]) -> str:
    return yaml.dump(dict(config), Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def _plugin_entries(plugins: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(plugins, dict):
        yield from plugins.items()
    elif isinstance(plugins, list):
        for item in plugins:
            if isinstance(item, str):
                yield item, None
            elif isinstance(item, dict) and len(item) == 1:
                yield next(iter(item.items()))


def sweetspot_options(config: Mapping[str, Any], where: str) -> dict[str, Any] | None:
    """The sweetspot plugin's options in a config, or None when it has no such plugin."""
    for name, options in _plugin_entries(config.get("plugins")):
        if name in PLUGIN_NAMES:
            options = options or {}
            if not isinstance(options, dict):
                raise SiteSourceError(f"{where}: plugins: sweetspot: expected a mapping")
            unknown = sorted(set(options) - PLUGIN_OPTIONS)
            if unknown:
                raise SiteSourceError(
                    f"{where}: plugins: sweetspot: unknown option(s) {', '.join(unknown)}"
                )
            return dict(options)
    return None


def _without_sweetspot(plugins: Any) -> Any:
    if isinstance(plugins, dict):
        return {k: v for k, v in plugins.items() if k not in PLUGIN_NAMES}
    if isinstance(plugins, list):
        return [
            item
            for item in plugins
            if not (
                item in PLUGIN_NAMES
                or (isinstance(item, dict) and next(iter(item), None) in PLUGIN_NAMES)
            )
        ]
    return plugins


def _plugin_names(plugins: Any) -> list[str]:
    return [name for name, _ in _plugin_entries(plugins)]


# -- the settings of one build ----------------------------------------------------------------


@dataclass(frozen=True)
class SiteSource:
    """Everything one generated-site build reads, resolved to absolute paths."""

    config: dict[str, Any]  # the site's mkdocs.yml (or the default), as read
    config_dir: Path  # paths in the config are relative to this folder
    proposals_dir: Path
    content_dir: Path | None  # hand-written pages copied as they are
    rubric: Rubric
    rubric_path: Path | None = None
    output_dir: str = ""
    template_dirs: tuple[Path, ...] = ()
    home_page: str = "index.md"
    watched: tuple[Path, ...] = field(default=())  # what a watching build polls
    currency: str = "EUR"  # the site's totals (SiteSettings.currency)
    exchange_rates: dict[str, float] = field(default_factory=dict)
    decisions_dir: Path | None = None  # decision files (#29); None or missing: none
    deciders: tuple[str, ...] = ()
    today: date | None = None  # the build date (SiteSettings.today)
    compliance: ComplianceContext | None = None  # the enabled regimes and build date
    publication: str = "internal"  # or public (SiteSettings.publication)
    visibility: Visibility = field(default_factory=Visibility)
    history: bool = False  # SiteSettings.history
    history_since: date | None = None
    scenarios: tuple[Scenario, ...] = ()  # budget scenarios (issue 31)


def resolve_source(
    config_file: Path | None,
    *,
    proposals: Path | None = None,
    content: Path | None = None,
    rubric_file: Path | None = None,
    publication: str | None = None,
) -> SiteSource:
    """Read a site's mkdocs.yml (or none) and the sweetspot plugin's options in it, as the
    plugin would; command-line folders override the config's."""
    if config_file is not None:
        config = read_config(config_file)
        base = config_file.resolve().parent
        where = str(config_file)
        options = sweetspot_options(config, where) or {}
        if options.get("enabled") is False:
            raise SiteSourceError(f"{where}: the sweetspot plugin is disabled (enabled: false)")
        docs_dir = (base / str(config.get("docs_dir", "docs"))).resolve()
    else:
        config, base, where, options, docs_dir = dict(DEFAULT_CONFIG), Path.cwd(), "", {}, None
    proposals_dir = (
        proposals.resolve()
        if proposals is not None
        else (base / str(options.get("proposals_dir", "content/proposals"))).resolve()
    )
    content_dir = content.resolve() if content is not None else docs_dir
    for label, folder in (("proposals", proposals_dir), ("content", content_dir)):
        if folder is not None and not folder.is_dir():
            raise SiteSourceError(f"no such folder: {folder} ({label})")
    rubric_path = (
        rubric_file.resolve()
        if rubric_file is not None
        else (base / str(options["rubric"]) if options.get("rubric") else None)
    )
    if rubric_path is not None and not rubric_path.is_file():
        raise SiteSourceError(f"rubric file not found: {rubric_path}")
    rubric = load_rubric(rubric_path)
    try:
        if publication is not None:  # --publication overrides the config's option
            options = {**options, "publication": publication}
        settings = SiteSettings.from_options(options)
        if publication is None:  # no --publication: SWEETSPOT_PUBLICATION, as the plugin
            settings = settings.from_environment(os.environ)
        rubric = settings.quadrants_of(rubric)
        compliance = settings.compliance(rubric, base)
        kind, visibility = settings.publication_rules()
    except SettingsError as error:
        raise SiteSourceError(f"{where}: sweetspot: {error}") from None
    templates = (
        ((base / str(options["custom_templates"])).resolve(),)
        if options.get("custom_templates")
        else ()
    )
    output_dir = str(options.get("output_dir", "")).strip("/")
    home_page = str(options.get("home_page", "index.md"))
    for name, value in (("output_dir", output_dir), ("home_page", home_page)):
        if value and (os.path.isabs(value) or ".." in Path(value).parts):
            raise SiteSourceError(
                f"{where}: sweetspot: {name} must be a path inside the site, not {value!r}"
            )
    watched = [proposals_dir, *templates]
    if content_dir is not None:
        watched.append(content_dir)
    if rubric_path is not None:
        watched.append(rubric_path)
    if (base / settings.decisions_dir).is_dir():
        watched.append(base / settings.decisions_dir)
    if config_file is not None:
        watched.append(config_file.resolve())
    return SiteSource(
        config=config,
        config_dir=base,
        proposals_dir=proposals_dir,
        content_dir=content_dir,
        rubric=rubric,
        rubric_path=rubric_path,
        output_dir=output_dir,
        template_dirs=templates,
        home_page=home_page,
        watched=tuple(watched),
        currency=settings.currency,
        exchange_rates=settings.rates(),
        # Not resolved: read_register refuses a folder that is a symlink.
        decisions_dir=base / settings.decisions_dir,
        deciders=settings.deciders,
        today=settings.today(),
        compliance=compliance,
        publication=kind,
        visibility=visibility,
        history=settings.history,
        history_since=settings.history_start(),
        scenarios=settings.budget_scenarios(rubric),
    )


# -- the generated config -----------------------------------------------------------------------


def generated_config(
    source: SiteSource,
    out: Path,
    *,
    docs_dir: str = "docs",
    techdocs: bool = False,
    not_in_nav: list[str] | None = None,
) -> dict[str, Any]:
    """The site's own config for a plugin-free build in ``out``: the same theme, navigation
    and extensions, docs_dir pointing at the generated pages, the sweetspot plugin removed
    and its CSS and scripts listed instead."""
    config = dict(source.config)
    config["docs_dir"] = docs_dir
    config.pop("site_dir", None)  # builds go to <out>/site
    plugins = _without_sweetspot(config.get("plugins", ["search"]))
    if techdocs:
        # techdocs-core brings its own search and sets the theme (Material) itself.
        names = [n for n in _plugin_names(plugins) if n not in ("search", "techdocs-core")]
        plugins = [
            "techdocs-core",
            *[
                item
                for item in plugins
                if (item if isinstance(item, str) else next(iter(item))) in names
            ],
        ]
    config["plugins"] = plugins
    relative = _relocate(source.config_dir, out)
    theme = config.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        config["theme"] = {**theme, "custom_dir": relative(theme["custom_dir"])}
    for key in ("hooks", "watch"):
        if isinstance(config.get(key), list):
            config[key] = [relative(p) for p in config[key]]
    if not_in_nav:
        # Proposal pages stay out of the navigation, as the plugin keeps them.
        given = str(config.get("not_in_nav") or "").splitlines()
        config["not_in_nav"] = "\n".join(given + [p for p in not_in_nav if p not in given]) + "\n"
    css = [str(c) for c in config.get("extra_css") or []]
    config["extra_css"] = css + [c for c in EXTRA_CSS if c not in css]
    scripts = list(config.get("extra_javascript") or [])
    script_paths = {s if isinstance(s, str) else str(s.get("path")) for s in scripts}
    config["extra_javascript"] = scripts + [j for j in EXTRA_JAVASCRIPT if j not in script_paths]
    return config


def _relocate(config_dir: Path, out: Path) -> Any:
    def relative(path: Any) -> Any:
        if not isinstance(path, str) or os.path.isabs(path):
            return path
        return Path(os.path.relpath(config_dir / path, out.resolve())).as_posix()

    return relative


# -- building the pages --------------------------------------------------------------------------


@dataclass
class GeneratedSite:
    """Every file of the site's docs folder, by path relative to it."""

    files: dict[str, bytes]
    intake: Intake
    portfolio: ScoredPortfolio
    generated: list[str]  # the generated pages and downloads (not copies, not assets)
    not_in_nav: list[str] = field(default_factory=list)  # pages the plugin keeps out of nav


def generate(source: SiteSource) -> GeneratedSite:
    """Load, score and render; collect the docs folder's files in memory."""
    loaded = load_proposals([source.proposals_dir], source.rubric, root=Path.cwd())
    # Redacted before anything reads it, as the plugin does (scoring/proposals/publication.py).
    publication = publish(loaded, source.publication, source.visibility)
    intake = publication.intake
    files: dict[str, bytes] = {}
    source_links: dict[str, str] = {}
    content = source.content_dir
    if content is not None:
        inside = content.resolve()
        valid = {(Path.cwd() / proposal.file).resolve() for proposal in intake.proposals}
        if publication.public:  # the YAML holds everything: never copied, never linked
            valid = set()
        for path in sorted(content.rglob("*")):
            name = path.relative_to(content)
            if published_copy(path, inside / name, source.proposals_dir, valid):
                files[name.as_posix()] = path.read_bytes()
        for proposal in intake.proposals if not publication.public else ():
            file = (Path.cwd() / proposal.file).resolve()
            if file.is_relative_to(inside):
                source_links[proposal.id] = file.relative_to(inside).as_posix()
    register = None
    if source.decisions_dir is not None:
        register = read_register(
            source.decisions_dir,
            source.rubric,
            loaded,  # every proposal found: a withheld one still has its decisions
            source.today or build_date(),
            source.deciders,
            root=Path.cwd(),
            public=publication.public,
        )
    portfolio = score_intake(intake, source.rubric, source.compliance, register)
    builder = build_site(
        portfolio,
        SiteOptions(
            output_dir=source.output_dir,
            template_dirs=source.template_dirs,
            source_links=source_links,
            currency=source.currency,
            exchange_rates=source.exchange_rates,
            compliance=source.compliance,
            publication=publication,
            history=source.history,
            history_since=source.history_since,
            proposals_dir=source.proposals_dir,
            rubric_path=source.rubric_path,
            scenarios=source.scenarios,
        ),
    )
    generated, hidden = [], []
    for page in builder.all_pages():
        if not page.in_nav:
            hidden.append(page.path)
        if page.path in files:
            raise SiteSourceError(
                f"'{page.path}' exists in {content} and would be overwritten "
                "by a generated page; move it or set output_dir"
            )
        inlined = page.inlined()
        content_bytes = inlined if isinstance(inlined, bytes) else inlined.encode("utf-8")
        files[page.path] = content_bytes
        generated.append(page.path)
    for relative, path in asset_files():
        files.setdefault(f"assets/{relative}", path.read_bytes())
    home = source.home_page
    if home in files:
        text = files[home].decode("utf-8")
        files[home] = fill_home(text, builder, home).encode("utf-8")
    else:
        files[home] = (
            "---\ntitle: Portfolio summary\n---\n\n# Portfolio summary\n\n"
            + builder.home_summary(home)
        ).encode("utf-8")
    # One pattern per folder rather than a line per proposal: the config stays the same when
    # proposals come and go, so a serving generator does not restart for it.
    patterns = sorted(
        {f"/{path.rsplit('/', 1)[0]}/*.md" if "/" in path else f"/{path}" for path in hidden}
    )
    # The report (problems printed, exit status) covers the files a public build leaves out.
    reported = Intake(intake.proposals, [*publication.unpublished_invalid, *intake.invalid])
    return GeneratedSite(files, reported, portfolio, generated, patterns)


def published_copy(path: Path, real: Path, proposals_dir: Path, valid: set[Path]) -> bool:
    """Whether a file of the content folder is copied into the site, as the plugin would
    publish it: a regular file reached without a symlink anywhere below the content folder
    (``real`` is where it is when no link is on the way), and, from the proposals folder,
    only a valid proposal or the editor schema; never an invalid proposal, a page, HTML, an
    image or anything else a pull request put there."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False
    if not stat.S_ISREG(mode) or path.resolve() != real:
        return False
    if real.is_relative_to(proposals_dir):
        return is_published_source(real, valid)
    return True


def sync_tree(
    folder: OutputFolder, under: str, files: Mapping[str, bytes], *, delete: bool = True
) -> list[str]:
    """Make ``under`` in ``folder`` hold ``files`` (and nothing else when ``delete``),
    writing only those whose bytes changed, so a generator's live reload rebuilds only for
    real edits. Returns what changed, by path relative to ``under``."""
    prefix = f"{under}/" if under else ""
    changed = [
        relative
        for relative, data in sorted(files.items())
        if folder.write(prefix + relative, data)
    ]
    if delete:
        changed += folder.prune(under, set(files))
    return changed


def check_output_folder(out: Path, source: SiteSource, owner: OutputOwner = BUILD_DOCS) -> None:
    """Refuse a folder the command would damage: one that holds the sources or lies inside
    them, one that is not a folder, is or sits behind a symlink, or has files the command
    did not write, and one with a symlink anywhere inside (nothing is ever written through
    one, and a link found there was put there by someone else)."""
    try:
        mode = os.lstat(out).st_mode
    except FileNotFoundError:
        mode = 0
    except OSError as error:
        raise SiteSourceError(
            f"--out {out}: cannot use the folder: {error.strerror or error}"
        ) from None
    linked = linked_part(out, Path.cwd())
    if linked is not None:
        raise SiteSourceError(
            f"--out {out}: {linked} is a symlink; `sweetspot "
            f"{owner.command}` writes only into a real folder (a link could "
            "point anywhere): name the folder itself"
        )
    if mode and not stat.S_ISDIR(mode):
        raise SiteSourceError(f"--out {out} is a file, not a folder; name a new folder")
    target = out.resolve()
    folders = [("proposals", source.proposals_dir), ("content", source.content_dir)]
    if owner == BUILD_DOCS:
        folders.append(("config", source.config_dir))
    for label, folder in folders:
        if folder is not None and (folder == target or folder.is_relative_to(target)):
            raise SiteSourceError(
                f"--out {out} holds the {label} folder; choose a new or empty folder of its own"
            )
        if folder is not None and label != "config" and target.is_relative_to(folder):
            raise SiteSourceError(
                f"--out {out} is inside the {label} folder {folder}; choose a folder outside it"
            )
    if not mode:
        return
    with _opened(out) as opened:
        entries = list(opened.entries())
        marker = next((entry for relative, entry in entries if relative == owner.marker), None)
        # A linked marker claims the folder: the symlink refusal below names it.
        if entries and not (
            marker is not None and (marker.is_symlink() or marker.is_file(follow_symlinks=False))
        ):
            raise SiteSourceError(
                f"--out {out} is not empty and was not written by `sweetspot "
                f"{owner.command}` (it has no {owner.marker} file), so its files could be "
                "yours; choose a new or empty folder"
            )
        link = next((relative for relative, entry in entries if entry.is_symlink()), None)
        if link is not None:
            raise SiteSourceError(
                f"--out {out}: {link} is a symlink; `sweetspot {owner.command}` never writes "
                "or deletes through a link (it could point outside the folder) and never "
                "makes one: delete it and run again"
            )


@contextmanager
def _opened(out: Path) -> Iterator[OutputFolder]:
    """The output folder, open; an OutputError or OSError inside is a SiteSourceError."""
    try:
        with OutputFolder(out) as folder:
            yield folder
    except OutputError as error:
        raise SiteSourceError(f"--out {out}: {error}") from None
    except OSError as error:
        raise SiteSourceError(f"--out {out}: {error.strerror or error}") from None


@contextmanager
def open_output(out: Path, owner: OutputOwner) -> Iterator[OutputFolder]:
    """The output folder, made if missing and marked as the owner's. Call
    ``check_output_folder`` first."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SiteSourceError(
            f"--out {out}: cannot make the folder: {error.strerror or error}"
        ) from None
    with _opened(out) as folder:
        folder.write(
            owner.marker,
            f"Written by `sweetspot {owner.command}`, which writes into "
            "this folder again on every run.\n".encode(),
        )
        yield folder


def write_project(
    source: SiteSource, out: Path, *, techdocs: bool = False
) -> tuple[GeneratedSite, list[str]]:
    """Write ``out/docs`` and ``out/mkdocs.yml``; return the site and what changed."""
    check_output_folder(out, source, BUILD_DOCS)
    site = generate(source)
    config = dump_config(
        generated_config(source, out, techdocs=techdocs, not_in_nav=site.not_in_nav)
    )
    with open_output(out, BUILD_DOCS) as folder:
        changed = sync_tree(folder, "docs", site.files)
        changed += sync_tree(folder, "", {"mkdocs.yml": config.encode("utf-8")}, delete=False)
    return site, changed


def snapshot(paths: tuple[Path, ...]) -> dict[str, tuple[int, int]]:
    """Modification time and size of every file under ``paths``: what a watch compares."""
    seen: dict[str, tuple[int, int]] = {}
    for root in paths:
        candidates = (
            [root] if root.is_file() else (sorted(root.rglob("*")) if root.is_dir() else [])
        )
        for path in candidates:
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.is_file():
                seen[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return seen


__all__ = [
    "BUILD_DOCS",
    "EXTRA_CSS",
    "EXTRA_JAVASCRIPT",
    "FALLBACK_END",
    "FALLBACK_START",
    "RENDER",
    "SUMMARY_MARKER",
    "GeneratedSite",
    "OutputOwner",
    "SiteSource",
    "SiteSourceError",
    "check_output_folder",
    "fill_home",
    "generate",
    "generated_config",
    "open_output",
    "resolve_source",
    "snapshot",
    "strip_fallback",
    "sync_tree",
    "write_project",
]
