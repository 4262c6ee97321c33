"""Attachments: files under content/<column>/files/, of allowed types and sizes only.

What an item publishes (portal/view.py: its `attachments`, and every file its page links or embeds,
whatever the syntax) must be a regular file inside its own column's files/ folder, never a symlink. Types and sizes are data (checks/rules/attachments.yml).
The type is judged by the extension AND by the content's signature, so a renamed .exe or .zip is
refused; docx/xlsx/ofd are zip containers and must hold their format's members. Images with GPS
coordinates in their EXIF data are refused: a photo of a reserve depot would publish where it is.
Files in files/ that no item references are never published (the build copies only what pages link);
they are warned about once the whole column has been loaded (a one-file pre-commit run cannot know
what the other items reference).
"""
from __future__ import annotations

import dataclasses
import functools
import sys
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from portal import view
from portal.errors import ERROR, Finding
from portal.model import CONTENT, FILES_DIR, Article, Portal

from . import rulefile
from .runner import hook_main
from .unlinked import columns, unreferenced

CATEGORY = "attachment"
RULES = "attachments"
GPS_IFD = 0x8825
GPS_POSITION_TAGS = (2, 4)  # GPSLatitude, GPSLongitude


@dataclasses.dataclass(frozen=True)
class Signature:
    name: str
    kind: str
    title: str
    magic: bytes
    offset: int = 0
    binary: bool = False

    def matches(self, head: bytes) -> bool:
        if head[self.offset:self.offset + len(self.magic)] != self.magic:
            return False
        return not self.binary or b"\0" in head[:1024]


@dataclasses.dataclass(frozen=True)
class Settings:
    types: dict[str, dict[str, Any]]
    refused: dict[str, str]  # extension -> archive / executable
    signatures: tuple[Signature, ...]
    macro_members: tuple[str, ...]


@functools.cache
def settings() -> Settings:
    data = rulefile.settings(RULES)
    refused = {ext: kind for kind, exts in data["refused"].items() for ext in exts}
    sigs = tuple(Signature(s["name"], s["kind"], s["title"], bytes.fromhex(str(s["hex"])), int(s.get("offset", 0)),
                           bool(s.get("binary", False))) for s in data["signatures"])
    return Settings(dict(data["types"]), refused, sigs, tuple(data.get("macro_members", ())))


def detect(head: bytes) -> Signature | None:
    """The signature the first bytes of a file carry, if any."""
    return next((s for s in settings().signatures if s.matches(head)), None)


def is_text(data: bytes) -> bool:
    if b"\0" in data:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def inspect(path: Path) -> list[tuple[str, str]]:
    """Problems of one attachment file, as (rule id, message); [] if it may be published."""
    cfg = settings()
    ext = path.suffix.lower().lstrip(".")
    allowed = "、".join(cfg.types)
    if ext in cfg.refused:
        what = "压缩包" if cfg.refused[ext] == "archive" else "可执行程序或脚本"
        rule = "ATT-ARCHIVE" if cfg.refused[ext] == "archive" else "ATT-EXECUTABLE"
        return [(rule, f"不得发布{what}（.{ext}）。请把其中的文件解压后逐个作为附件上传（允许的类型：{allowed}）")]
    if ext not in cfg.types:
        return [("ATT-TYPE", f"不允许的附件类型“.{ext or '（无扩展名）'}”。允许的类型：{allowed}")]
    kind = cfg.types[ext]
    size = path.stat().st_size
    if size == 0:
        return [("ATT-EMPTY", "附件是空文件（0 字节）。请重新导出或上传完整的文件")]
    if size > float(kind["max_mb"]) * 1024 * 1024:
        return [("ATT-SIZE", f".{ext} 附件最大 {kind['max_mb']} MB，该文件 {size / 1024 / 1024:.1f} MB。"
                             "请压缩图片、拆分文件，或改为链接到原发布网站")]
    with path.open("rb") as fh:
        head = fh.read(4096)
    return _content(path, ext, kind, head)


def _content(path: Path, ext: str, kind: dict[str, Any], head: bytes) -> list[tuple[str, str]]:
    sig = detect(head)
    expected = list(kind["magic"])
    if sig is None and "text" in expected:
        if is_text(path.read_bytes()):
            return []
        return [("ATT-MISMATCH", f"扩展名为 .{ext}，但内容不是文本（含二进制数据）。请确认文件类型后重新导出")]
    if sig is not None and sig.name in expected:
        if sig.name == "zip":
            return _container(path, ext, kind)
        if sig.kind == "image":
            return _gps(path)
        return []
    if sig is not None and sig.kind in ("archive", "executable"):
        what = "压缩包" if sig.kind == "archive" else "可执行程序"
        rule = "ATT-ARCHIVE" if sig.kind == "archive" else "ATT-EXECUTABLE"
        return [(rule, f"扩展名为 .{ext}，但文件内容是{sig.title}（改了扩展名的{what}）。不得发布压缩包和可执行程序")]
    actual = sig.title if sig is not None else "无法识别的格式"
    return [("ATT-MISMATCH", f"扩展名为 .{ext}，但文件内容是{actual}。请用正确的扩展名，或重新导出为 .{ext}")]


def _container(path: Path, ext: str, kind: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return [("ATT-MISMATCH", f".{ext} 文件已损坏（无法按 {ext} 格式读取）。请重新导出")]
    macros = [m for m in settings().macro_members if m in names]
    if macros:
        return [("ATT-EXECUTABLE", f".{ext} 文件中含宏代码（{macros[0]}），实为启用宏的文档。请另存为不含宏的 .{ext}")]
    members = kind.get("members") or []
    if members and not any(m in names for m in members):
        return [("ATT-ARCHIVE", f"扩展名为 .{ext}，但文件内容是普通 ZIP 压缩包而不是 {ext} 文档。不得发布压缩包")]
    return []


def _gps(path: Path) -> list[tuple[str, str]]:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DecompressionBombWarning: the pixels are never decoded here
            with Image.open(path) as img:
                gps = img.getexif().get_ifd(GPS_IFD)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return [("ATT-MISMATCH", "图片已损坏或无法识别，不能打开。请重新导出")]
    if any(tag in gps for tag in GPS_POSITION_TAGS):
        return [("ATT-GPS", "图片的 EXIF 信息中含 GPS 定位（拍摄地点的经纬度），发布后会公开拍摄位置。"
                            "请去除位置信息后重新上传（如 `exiftool -gps:all= 文件名`，或用图片软件另存并去掉位置信息）")]
    return []


@dataclasses.dataclass(frozen=True)
class Reference:
    raw: str  # as written
    rel: str  # normalised, repository-relative
    line: int
    column: int


def references(article: Article) -> list[Reference]:
    """Every file the item publishes (portal/view.py): its `attachments`, then every file its page links
    or embeds, whatever the link syntax."""
    return [Reference(f.raw, f.rel, f.line, f.column) for f in view.of(article).files]


def check(portal: Portal, article: Article) -> Iterable[Finding]:
    seen: set[str] = set()
    index = _portal_index(portal)
    for ref in index.items[article.path] if article.path in index.items else references(article):
        if ref.rel in seen:
            continue
        seen.add(ref.rel)
        for rule, message in _reference(portal.root, article.column, ref):
            yield Finding(article.path, ref.line, ref.column, rule, CATEGORY, ERROR,
                          f"附件“{ref.raw}”：{message}", match=ref.rel)


def _reference(root: Path, column: str, ref: Reference) -> list[tuple[str, str]]:
    folder = f"{CONTENT}/{column}/{FILES_DIR}/"
    if not ref.rel.startswith(folder):
        return [("ATT-OUTSIDE", f"附件必须放在本栏目的 {folder} 目录下（不能用 .. 引用目录之外的文件）。"
                                f"请把文件复制到 {folder} 并写成 files/文件名")]
    path = root / ref.rel
    try:
        if any(p.is_symlink() for p in (path, *path.parents) if root in p.parents):
            return [("ATT-SYMLINK", f"{ref.rel} 是符号链接（或位于符号链接的目录中），发布的将是它指向的别处文件。"
                                    f"请把文件本身复制到 {folder}")]
        if not path.is_file():
            return [("ATT-MISSING", f"找不到文件 {ref.rel}。请把附件放到 {folder}，或改正文件名（区分大小写）")]
        return inspect(path)
    except (OSError, ValueError) as exc:  # a name too long, a NUL in it, a file that cannot be read ...
        return [("ATT-MISSING", f"无法读取 {ref.rel}（{exc.strerror if isinstance(exc, OSError) else exc}）。"
                                "请检查文件名和文件权限")]


@dataclasses.dataclass
class _Index:
    """What one portal's items reference: per item, and per column (with the column's first item)."""
    portal: Portal
    items: dict[str, list[Reference]]
    columns: dict[str, tuple[str, set[str]]]


_index: _Index | None = None  # of the portal checked last


def _portal_index(portal: Portal) -> _Index:
    global _index
    if _index is None or _index.portal is not portal:
        items = {a.path: references(a) for a in portal.articles}
        columns: dict[str, tuple[str, set[str]]] = {}
        for a in sorted(portal.articles, key=lambda a: a.path):
            columns.setdefault(a.column, (a.path, set()))[1].update(r.rel for r in items[a.path])
        _index = _Index(portal, items, columns)
    return _index


def check_portal(portal: Portal) -> Iterable[Finding]:
    """Across items: files of a column's files/ that no item of the column references (every item loaded)."""
    index = _portal_index(portal)
    for column in columns(portal.root):
        if _column_loaded(portal, column):
            yield from unreferenced(portal.root, column, index.columns.get(column, ("", set()))[1])


def _column_loaded(portal: Portal, column: str) -> bool:
    """Whether every item of the column was loaded (a full run, or a run given all of them)."""
    loaded = {a.path for a in portal.articles if a.column == column} | {f.path for f in portal.findings}
    for path in (portal.root / CONTENT / column).rglob("*.md"):
        rel = path.relative_to(portal.root)
        if FILES_DIR not in rel.parts[2:3] and rel.as_posix() not in loaded:
            return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    return hook_main([sys.modules[__name__]], argv)  # type: ignore[list-item]


if __name__ == "__main__":
    raise SystemExit(main())
