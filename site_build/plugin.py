"""The MkDocs plugin `portal`: a thin adapter between MkDocs + Material and site_build.pages.

MkDocs renders the navigation pages (home, the first index page of each column, search) with
the theme, and the plugin turns each rendering into a shell (site_build.shell). The other pages
(items, further index pages) use shells that the plugin renders once per column and depth with the
same theme environment and navigation, then fills with string joining. Everything the portal
shows comes from site_build.pages; nothing here decides what a page contains.
"""
from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as MkPage

from checks import runner
from portal import model
from portal.errors import ERROR, Finding

from . import pages, render, search, shell

log = logging.getLogger("mkdocs.plugins.portal")

THEME_ASSETS = ("assets/javascripts/", "assets/stylesheets/", "assets/images/")  # Material's, unused by our pages
PLACEHOLDER = "portal-shell-placeholder"  # the slug of the pretend page a shell is rendered for


class PortalConfig(base.Config):
    root = c.Optional(c.Type(str))
    """门户仓库目录（含 columns.yml、roster.yml、content/）；默认为 mkdocs.yml 所在目录。"""


@dataclasses.dataclass
class FullBuild:
    """What a full build produced, for the incremental builds after it."""

    plan: pages.Plan
    shells: dict[str, shell.Shell]
    own: set[str]
    written: list[str]


class PortalPlugin(BasePlugin[PortalConfig]):
    def __init__(self) -> None:
        super().__init__()
        self.portal: model.Portal | None = None  # set by site_build.build (already checked)
        self.serving = False
        self.plan: pages.Plan | None = None
        self.by_url: dict[str, pages.Page] = {}
        self.own: set[str] = set()
        self.shells: dict[str, shell.Shell] = {}
        self.nav: Navigation | None = None
        self.env: Any = None
        self.files: Files | None = None
        self.result: FullBuild | None = None
        self.items: Any = None  # site_build.parallel.Items: item pages rendered and written by worker processes

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def root(self, config: MkDocsConfig) -> Path:
        if self.config.root:
            return Path(self.config.root).resolve()
        own = Path(config.config_file_path or "mkdocs.yml").resolve()
        if own.parent == Path(__file__).parent:  # the packaged default: `portal serve` says where the portal is
            return Path(os.environ.get("PORTAL_ROOT", ".")).resolve()
        return own.parent

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.own, self.shells, self.result = set(), {}, None  # `mkdocs serve` keeps the plugin between builds
        portal = self.portal or self._load(self.root(config))
        self.plan = self.items.plan if self.items is not None else pages.full_plan(portal)
        self.by_url = {p.url: p for p in self.plan.lists}
        site = portal.config.site
        config.site_name = site.name
        config.nav = [{title: f"{url}index.md"} for title, url in self.plan.nav()]
        config.extra["portal"] = theme_values(self.plan.site)
        # our sitemap.xml lists the item pages too; the theme's would list the navigation only
        config.theme.static_templates.discard("sitemap.xml")
        return config

    def _load(self, root: Path) -> model.Portal:
        portal, findings = model.load_or_findings(root)
        if portal is not None:
            findings = runner.run(portal)
        errors = [f for f in findings if f.severity == ERROR]
        if portal is None or (errors and not self.serving):
            raise PluginError(describe(errors or findings))
        if errors:  # a preview shows what would be published: items that fail a check are left out
            log.warning(describe(errors) + "\n预览中不显示以上稿件。")
            bad = {f.path for f in errors}
            portal.articles = [a for a in portal.articles if a.path not in bad]
        return portal

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        root = self.root(config)
        for name in ("content", "columns.yml", "roster.yml"):
            if (root / name).exists():
                server.watch(str(root / name))
        return server

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        docs = Path(config.docs_dir).resolve()
        for f in list(files):  # the theme's scripts, styles and images: no page of ours loads them
            if f.src_uri.startswith(THEME_ASSETS) and f.abs_src_path and docs not in Path(f.abs_src_path).resolve().parents:
                files.remove(f)
        for url in self.by_url:
            if url in {u for _, u in self._nav()}:
                files.append(File.generated(config, f"{url}index.md", content=""))
                self.own.add(url)
        return files

    def _nav(self) -> list[tuple[str, str]]:
        assert self.plan is not None
        return self.plan.nav()

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation:
        self.nav = nav
        return nav

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        self.env, self.files = env, files
        return env

    def on_page_context(self, context: Any, /, *, page: MkPage, config: MkDocsConfig, nav: Navigation) -> Any:
        if page.url in self.by_url:
            _mark(page)
        return context

    def on_post_page(self, output: str, /, *, page: MkPage, config: MkDocsConfig) -> str:
        ours = self.by_url.get(page.url)
        if ours is None:
            return output
        key = shell.key(ours, self.own)
        self.shells[key] = shell.split(output)
        return shell.fill(self.shells[key], ours).decode("utf-8")

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        assert self.plan is not None
        plan = self.plan
        # every column's item shell, even with no item yet: an incremental build may add its first one
        places = [pages.Page(f"{c}/{PLACEHOLDER}.html", pages.ITEM, c, 1, "", "", (), (), "") for c in plan.site.config.columns]
        for page in plan.lists + plan.items + (self.items.places() if self.items is not None else []) + places:
            key = shell.key(page, self.own)
            if key not in self.shells:
                self.shells[key] = self.render_shell(config, page)
        if self.items is not None:  # the workers write the item pages while this process writes the rest
            self.items.start(Path(config.site_dir), self.shells, self.own)
        out = render.Output(Path(config.site_dir))
        try:
            render.write_pages(out, [p for p in plan.lists if p.url not in self.own] + plan.items, self.shells, self.own)
            render.write_files(out, plan.files)
            render.copy_files(out, self.root(config), plan.entries)
            ordered = search.publication_order(plan.entries)
            by_url = {p.url: p for p in plan.items}
            text = self.items.text if self.items is not None else lambda e: render.page_words(by_url[e.url])
            render.write_files(out, search.build(ordered, text, render.column_titles(plan)))
        finally:  # the workers' pages are in the directory before anything else happens to it
            if self.items is not None:
                out.written += self.items.finish()
        self.result = FullBuild(plan, self.shells, self.own, out.written)

    def render_shell(self, config: MkDocsConfig, page: pages.Page) -> shell.Shell:
        """Render the theme around a pretend page at the same place (column, depth) as `page`."""
        from mkdocs.commands.build import get_context  # the same context MkDocs gives its own pages

        assert self.nav is not None and self.files is not None
        folder = "/".join(([page.column] if page.column else []) + [PLACEHOLDER] * (page.depth - 1 if page.column else page.depth))
        url = f"{folder}/{PLACEHOLDER}.html" if folder else f"{PLACEHOLDER}.html"
        file = File.generated(config, f"{url[:-5]}.md", content="")
        file.url = url  # a page in the folder, like the items (MkDocs would give it a folder of its own)
        mk = MkPage(None, file, config)
        _mark(mk)
        column = next((p for p in self.nav.pages if p.url == f"{page.column}/"), None)
        if column is not None:
            column.active = True  # the column is highlighted in the navigation
        try:
            context = get_context(self.nav, self.files, config, mk)
            output = self.env.get_template("main.html").render(context)
        finally:
            if column is not None:
                column.active = False
        if PLACEHOLDER in output:
            raise PluginError(f"主题在页面中输出了页面自身的地址（{url}），无法复用为其他页面的外壳")
        return shell.split(output)


def theme_values(site: pages.Site) -> dict[str, Any]:
    """What the theme's templates show of the site: columns.yml's `site`, the navigation groups, the logo."""
    values = dataclasses.asdict(site.config.site)
    values["groups"] = [{"title": title, "ids": [c.id for c in columns],
                         "columns": [{"id": c.id, "title": c.title, "url": f"{c.id}/"} for c in columns]}
                        for title, columns in site.groups()]
    values["logo"] = pages.LOGO
    values["police_code"] = "".join(ch for ch in site.config.site.police_record if ch.isdigit())
    return values


def _mark(page: MkPage) -> None:
    page.canonical_url = None  # site_build.pages writes the canonical link (MkDocs' names the pretend page)
    page.meta = {"title": shell.TITLE, "portal_html_title": shell.HTML_TITLE, "portal_head": shell.HEAD,
                 "hide": ["toc"]}
    page.content = shell.CONTENT


def describe(findings: list[Finding]) -> str:
    lines = [f.format() for f in findings]
    return "\n".join(["检查未通过，未构建网站：", *lines, f"共 {len(findings)} 个问题。请修改后重新构建（portal check 可单独检查）。"])
