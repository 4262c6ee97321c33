"""An item as the informant's form sees it: fields <-> the item file, its preview and findings, its files.

The preview is the item page exactly as the site renders it (site_build.pages.Site.item) and the findings
are those of checks.run over the same file, in a scratch portal root holding main's policy files, the
item and its uploaded files. Nothing here checks or renders on its own.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
from pathlib import Path
from typing import Any

import yaml

import checks
from checks import attachments as attachment_rules
from portal import clock, model
from portal.config import Config
from portal.errors import ERROR, LEVELS, Finding, PortalError
from site_build.pages import Site

POLICY_FILES = ("columns.yml", "roster.yml", "accepted.yml")
NAME = re.compile(r"^[0-9A-Za-z\u3400-\u9fff][0-9A-Za-z\u3400-\u9fff._()（）\-]{0,99}$")
DOCX = ("docx", "wps")


class UploadError(PortalError):
    pass


@dataclasses.dataclass
class Fields:
    column: str
    title: str = ""
    date: str = ""  # YYYY-MM-DD HH:MM
    scheduled: bool = False  # 定时发布: published when `date` comes (portal schedule), not at the merge
    event_date: str = ""  # YYYY-MM-DD or ''
    source: str = ""
    department: str = ""
    kind: str = ""
    importance: str = "一般"
    authors: tuple[str, ...] = ()
    reviewers: dict[str, str] = dataclasses.field(default_factory=dict)
    summary: str = ""
    tags: tuple[str, ...] = ()
    doc_number: str = ""
    attachments: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (file name, title)
    body: str = ""
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)  # keys the form does not edit (reprint ...)


FORM_KEYS = ("title", "date", "scheduled", "event_date", "source", "department", "type", "author", "importance", "reviewers",
             "summary", "tags", "doc_number", "attachments")


def compose(f: Fields) -> str:
    """The item file for these fields."""
    meta: dict[str, Any] = {"title": f.title, "date": f.date}
    if f.scheduled:
        meta["scheduled"] = True
    if f.event_date:
        meta["event_date"] = f.event_date
    meta |= {"source": f.source, "department": f.department, "type": f.kind, "author": list(f.authors),
             "importance": f.importance, "reviewers": dict(f.reviewers)}
    if f.doc_number:
        meta["doc_number"] = f.doc_number
    if f.summary:
        meta["summary"] = f.summary
    if f.tags:
        meta["tags"] = list(f.tags)
    if f.attachments:
        meta["attachments"] = [{"file": f"{model.FILES_DIR}/{name}", "title": title or name}
                               for name, title in f.attachments]
    meta |= {k: v for k, v in f.extra.items() if k not in meta}
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=None, width=10_000)
    body = f.body.replace("\r\n", "\n").replace("\r", "\n")
    return f"---\n{front}---\n{body.rstrip()}\n"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def decompose(text: str, path: str) -> Fields:
    """The form's fields of an item file (what the form cannot show is kept in `extra`)."""
    column = path.split("/")[1] if path.count("/") >= 2 else ""
    fm, body, _ = model.split_front_matter(text)
    try:
        meta = yaml.safe_load(fm) if fm else {}
    except yaml.YAMLError:
        meta = {}
    if not isinstance(meta, dict):
        meta = {}
    files = []
    for a in meta.get("attachments") or []:
        file = a.get("file", "") if isinstance(a, dict) else str(a)
        title = a.get("title", "") if isinstance(a, dict) else ""
        files.append((Path(str(file)).name, str(title or Path(str(file)).name)))
    authors = meta.get("author") or []
    given = meta.get("reviewers")
    reviewers: dict[Any, Any] = given if isinstance(given, dict) else {}
    return Fields(
        column=column, title=_text(meta.get("title")), date=_text(meta.get("date")),
        event_date=_text(meta.get("event_date"))[:10], source=_text(meta.get("source")),
        department=_text(meta.get("department")), kind=_text(meta.get("type")),
        importance=_text(meta.get("importance")) or "一般",
        authors=tuple(str(a) for a in (authors if isinstance(authors, list) else [authors])),
        reviewers={str(k): _text(v) for k, v in reviewers.items()}, summary=_text(meta.get("summary")),
        tags=tuple(str(t) for t in (meta.get("tags") or []) if t), doc_number=_text(meta.get("doc_number")),
        attachments=files, body=body, scheduled=meta.get("scheduled") is True,
        # a `scheduled` that is not true/false stays as written, so the checks name it
        extra={k: v for k, v in meta.items() if k not in FORM_KEYS or (k == "scheduled" and not isinstance(v, bool))},
    )


def item_path(column: str, date: str, slug: str) -> str:
    day = date[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", date) else clock.now().strftime("%Y-%m-%d")
    return f"{model.CONTENT}/{column}/{day}-{slug}.md"


# ---------------------------------------------------------------- preview and findings


@dataclasses.dataclass
class Shown:
    """A finding as the form shows it: next to a field, or next to a line of the body."""

    line: int
    rule: str
    severity: str
    level: str
    message: str
    field: str  # front-matter key ('' : the body or the file)
    body_line: int  # line within the body (0 : not in the body)
    path: str


@dataclasses.dataclass
class Preview:
    html: str
    title: str
    findings: list[Shown]

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {"html": self.html, "title": self.title, "errors": self.errors,
                "findings": [dataclasses.asdict(f) for f in self.findings]}


def prepare_root(root: Path, policy_root: Path, path: str, text: str, uploads: Path) -> None:
    """A scratch portal: main's policy files, the item, and its uploaded files in its column's files/."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for name in POLICY_FILES:
        if (policy_root / name).is_file():
            shutil.copyfile(policy_root / name, root / name)
    item = root / path
    item.parent.mkdir(parents=True, exist_ok=True)
    item.write_text(text, encoding="utf-8")
    if uploads.is_dir():
        files = item.parent / model.FILES_DIR
        files.mkdir(exist_ok=True)
        for f in uploads.iterdir():
            if f.is_file() and not f.is_symlink():
                _link(f, files / f.name)


def _link(src: Path, dst: Path) -> None:
    try:
        dst.hardlink_to(src)
    except OSError:
        shutil.copyfile(src, dst)


def preview(root: Path, path: str) -> Preview:
    """Check the item in a prepared root and render its page."""
    portal, findings = model.load_or_findings(root, [str(root / path)])
    if portal is not None:
        findings = checks.run(portal)
    article = next((a for a in portal.articles if a.path == path), None) if portal else None
    html, title = "", ""
    if article is not None and article.date is not None and portal is not None:
        try:
            page, _ = Site(portal.config).item(article)
            html, title = inside_page(page.content), article.title
        except (KeyError, ValueError):
            html = ""
    return Preview(html, title, shown(findings, article, path))


def shown(findings: list[Finding], article: model.Article | None, path: str) -> list[Shown]:
    lines: dict[int, str] = {}
    if article is not None:
        for key, line in sorted(article.lines.items(), key=lambda kv: len(kv[0]), reverse=True):
            lines[line] = key.split(".")[0]
    body_start = article.body_line if article is not None else 10**9
    out = []
    for f in findings:
        in_body = f.path == path and article is not None and f.line >= body_start
        out.append(Shown(f.line, f.rule, f.severity, LEVELS.get(f.severity, f.severity), f.message,
                         lines.get(f.line, "") if f.path == path and not in_body else "",
                         f.line - body_start + 1 if in_body else 0, f.path))
    return out


# ---------------------------------------------------------------- rendering what is on a branch


_H1 = re.compile(r"<h1\b([^>]*)>(.*?)</h1>", re.S | re.I)


def inside_page(html: str, level: int = 3) -> str:
    """A published page's HTML shown inside a workbench page: its title keeps its look but is a heading of
    `level`, so the workbench page keeps its one h1 (nothing else of the published markup changes)."""
    return _H1.sub(lambda m: f'<div role="heading" aria-level="{level}" data-h1{m.group(1)}>{m.group(2)}</div>', html)



def render(config: Config, path: str, data: bytes | None) -> tuple[model.Article | None, str]:
    """An item file from git -> (the article, its page HTML as published; '' when it cannot be rendered)."""
    if data is None:
        return None, ""
    article, _ = model.parse_article(config, path, data)
    if article is None or article.date is None:
        return article, ""
    try:
        return article, inside_page(Site(config).item(article)[0].content)
    except (KeyError, ValueError):
        return article, ""


# ---------------------------------------------------------------- uploads


def allowed_types() -> dict[str, dict[str, Any]]:
    return attachment_rules.settings().types


def check_upload(name: str, size: int, limit: int) -> str:
    """A safe file name for an upload, or UploadError saying why it is refused."""
    name = name.strip()
    if not name or "/" in name or "\\" in name or ".." in name or name.startswith(".") or "\0" in name:
        raise UploadError(f"文件名“{name}”不允许：不能含有路径（/、\\、..）或以点开头。请改名后重新上传")
    if not NAME.match(name):
        raise UploadError(f"文件名“{name}”含有不允许的字符：只能用汉字、字母、数字、点、连字符、下划线和括号")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    types = allowed_types()
    if ext not in types:
        raise UploadError(f"不允许上传“.{ext or '（无扩展名）'}”类型的文件“{name}”。允许的类型：{'、'.join(sorted(types))}")
    if size > limit:
        raise UploadError(f"文件“{name}”有 {size / 1048576:.1f} MB，超过上传上限 {limit // 1048576} MB")
    return name


def import_docx(data: bytes, stem: str) -> tuple[str, list[tuple[str, bytes]]]:
    """A Word/WPS document -> (Markdown body, its pictures as (file name, bytes))."""
    import mammoth

    pictures: list[tuple[str, bytes]] = []
    kinds = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}

    def picture(image: Any) -> dict[str, str]:
        ext = kinds.get(image.content_type)
        if ext is None:
            return {}
        name = f"{stem}-tu{len(pictures) + 1}.{ext}"
        with image.open() as stream:
            pictures.append((name, stream.read()))
        return {"src": f"{model.FILES_DIR}/{name}", "alt": image.alt_text or f"图{len(pictures)}"}

    try:
        result = mammoth.convert_to_markdown(io.BytesIO(data), convert_image=mammoth.images.img_element(picture))
    except Exception as exc:  # noqa: BLE001 - any malformed document is the user's file, not our bug
        raise UploadError(f"无法读取该 Word 文档（{type(exc).__name__}）。请用 Word 或 WPS 另存为 .docx 后重新导入") from None
    body = re.sub(r'<a id="[^"]*"></a>', "", result.value)
    body = re.sub(r"\\([()（）!])", r"\1", body)  # mammoth escapes more than Markdown needs
    return body.strip() + "\n", pictures
