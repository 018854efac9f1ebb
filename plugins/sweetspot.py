"""The `sweetspot` MkDocs plugin: hooks that hand each build to a PluginSite (plugins/site.py)
and keep, under `mkdocs serve`, what rebuilds reuse. All loading, scoring and rendering lives
in `scoring`."""

from __future__ import annotations

from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from scoring.proposals.loading import LoadCache
from scoring.site.pages import SiteBuilder
from scoring.site.rebuild.session import KeptBetweenBuilds

from .checks import read_nav_titles
from .config import SweetspotConfig
from .navtrim import SectionsNavigation
from .site import PluginSite


class SweetspotPlugin(BasePlugin[SweetspotConfig]):
    def __init__(self) -> None:
        self.command = "build"
        self.dirty = False
        self.kept = KeptBetweenBuilds()  # what serve rebuilds reuse (see on_startup)
        self.site: PluginSite | None = None  # this build's; None while disabled
        self.first_level: tuple[Any, SectionsNavigation] | None = None  # (nav, its first level)

    @property
    def cache(self) -> LoadCache:
        return self.kept.load_cache

    @property
    def builder(self) -> SiteBuilder | None:
        return self.site.builder if self.site is not None else None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining on_startup is what makes MkDocs keep this instance (and what it keeps)
        # across `mkdocs serve` rebuilds. The command decides whether invalid proposals'
        # pages may quote their source lines (only under serve, never in a published build).
        self.command = command
        self.dirty = dirty

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.site = (
            PluginSite.configure(
                dict(self.config), config, self.kept, serving=self.command == "serve"
            )
            if self.config.enabled
            else None
        )
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        return self.site.add_pages(files, config) if self.site is not None else files

    def on_nav(self, nav: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        if self.dirty:
            read_nav_titles(nav, config)
        if self.site is not None and not config.nav:
            prefix = self.site.settings.output_dir.strip("/")
            name_units_section(nav, f"{prefix}/" if prefix else "")
        return nav

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        # MkDocs makes the theme's Jinja environment anew for every build; under serve its
        # templates need not be compiled again for each (Jinja checks their sources).
        if self.command == "serve" and env.bytecode_cache is None:
            env.bytecode_cache = self.kept.theme_code
        return env

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if self.site is None:
            return markdown
        return self.site.page_markdown(markdown, page.file.src_uri)

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if self.site is not None:
            self.site.drop_markdown(page)
        return html

    @event_priority(-100)  # after every other plugin's, the search plugin's above all
    def on_page_context(
        self, context: Any, /, *, page: Page, config: MkDocsConfig, nav: Any
    ) -> Any:
        if self.site is not None:
            self.site.fill_blocks(page)
            if page.file.src_uri in self.site.generated_pages and nav is not None:
                first_level = self.sections_only(nav)
                if page.file.src_uri not in first_level.listed:
                    context["nav"] = first_level
        return context

    def sections_only(self, nav: Any) -> SectionsNavigation:
        # One per build: MkDocs makes the navigation anew for each.
        if self.first_level is None or self.first_level[0] is not nav:
            self.first_level = (nav, SectionsNavigation(nav))
        return self.first_level[1]

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        return self.site.post_page(output, page) if self.site is not None else output

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.site is not None:
            self.site.finish()

    def on_build_error(self, *, error: Exception) -> None:
        if self.site is not None:
            self.site.finish(failed=True)

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        for path in self.site.watched(config) if self.site is not None else ():
            server.watch(str(path))
        return server


def name_units_section(nav: Any, prefix: str) -> None:
    """A site without `nav:` gets MkDocs' own, which names the units folder "Units"; give
    it the name its pages use, so "Organisation units" is in every site's navigation."""
    index = f"{prefix}portfolio/units/index.md"
    pending = list(nav.items)
    while pending:
        item = pending.pop()
        children = getattr(item, "children", None) or []
        if any(getattr(getattr(c, "file", None), "src_uri", None) == index for c in children):
            item.title = "Organisation units"
        pending.extend(children)
