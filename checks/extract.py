"""The published text of an attachment, piece by piece, for checks that read what a file says.

Everything a reader of the file can get at counts, visible or not:
- .docx (and zip-based .wps): body, tables, text boxes, headers, footers, footnotes, endnotes,
  comments, tracked changes (inserted and deleted text), core, app and custom document properties;
- .xlsx (and zip-based .et): every cell of every sheet (hidden and very hidden ones too), sheet
  names, cell comments, headers and footers, document properties;
- .pdf: the text of every page, annotations, bookmarks, the document information and XMP metadata;
- .ofd: the text of every XML part; .txt / .csv: the text (UTF-8 or GB18030).
Images carry no text worth scanning here (their GPS data is checks/attachments.py's business).
"""
from __future__ import annotations

import dataclasses
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_UNZIPPED = 200 * 1024 * 1024  # a zip bomb is not a document
TEXT_TYPES = {"txt", "csv", "md", "html", "htm", "xml", "json"}
OLE_TYPES = {"doc", "xls", "ppt", "wps", "et", "dps"}
IMAGE_TYPES = {"jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff", "svg"}
# a document's text properties, as python-docx and openpyxl name them
_WORD_PROPERTIES = ("title", "subject", "author", "keywords", "comments", "category", "last_modified_by",
                    "identifier", "content_status", "language", "version")
_EXCEL_PROPERTIES = ("title", "subject", "creator", "keywords", "description", "category", "lastModifiedBy",
                     "identifier", "contentStatus", "language", "version")
_WORD_PARTS = (  # part name pattern -> what to call it
    (re.compile(r"word/document\d*\.xml$"), "正文"),
    (re.compile(r"word/header\d*\.xml$"), "页眉"),
    (re.compile(r"word/footer\d*\.xml$"), "页脚"),
    (re.compile(r"word/comments\w*\.xml$"), "批注"),
    (re.compile(r"word/footnotes\.xml$"), "脚注"),
    (re.compile(r"word/endnotes\.xml$"), "尾注"),
    (re.compile(r"word/glossary/document\.xml$"), "文档部件"),
)


@dataclasses.dataclass(frozen=True)
class Chunk:
    where: str  # 页眉（word/header1.xml）第 1 段, 工作表“名单”B3, 第 2 页, 文档属性 title ...
    text: str
    line: int = 1  # where the text starts: paragraph, row, line of the page ...
    column: int = 1


class Unreadable(Exception):
    """The file cannot be read (corrupt, encrypted, not what its name says); the message says why."""


class NotScanned(Exception):
    """A format whose text cannot be read here (Office 97-2003 binaries)."""


def chunks(path: Path) -> list[Chunk]:
    """Every piece of text in the file at `path`; raise Unreadable or NotScanned."""
    ext = path.suffix.lower().lstrip(".")
    if ext in IMAGE_TYPES:
        return []
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"%PDF"):
        return list(_pdf(path))
    if head.startswith(b"PK"):
        return _zip(path, ext)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise NotScanned(f".{ext} 是 Office 97-2003 / 旧版 WPS 二进制格式")
    if ext in TEXT_TYPES:
        return [Chunk("", _decode(path.read_bytes()))]
    if ext in ("pdf", "docx", "xlsx", "ofd"):
        raise Unreadable(f"文件内容不是 .{ext} 格式（文件头 {head[:4].hex()}）")
    return []


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable("文本文件既不是 UTF-8 也不是 GB18030 编码")


def _zip(path: Path, ext: str) -> list[Chunk]:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if sum(i.file_size for i in zf.infolist()) > MAX_UNZIPPED:
                raise Unreadable("解压后超过 200 MB")
            if "word/document.xml" in names:
                return _docx(path, zf)
            if "xl/workbook.xml" in names:
                return _xlsx(path, zf)
            if "OFD.xml" in names or ext == "ofd":
                return _xml_parts(zf, sorted(n for n in names if n.lower().endswith(".xml")))
    except zipfile.BadZipFile as exc:
        raise Unreadable(f"ZIP 结构损坏（{exc}）") from None
    if ext in ("docx", "xlsx", "wps", "et"):
        raise Unreadable(f"缺少 .{ext} 文档应有的内容（不是有效的 {ext} 文档）")
    return []


def _xml(zf: zipfile.ZipFile, name: str) -> Any:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(zf.read(name), parser)
    except (etree.XMLSyntaxError, KeyError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise Unreadable(f"{name} 无法解析（{exc}）") from None


def _paragraph_text(p: Any, tags: tuple[str, ...]) -> str:
    """Text of a w:p from the given run-text tags, without nested paragraphs (text boxes)."""
    out = []
    for el in p.iter(*tags, W + "tab", W + "br"):
        if next(el.iterancestors(W + "p"), None) is not p:
            continue
        out.append((el.text or "") if el.tag in tags else " ")
    return "".join(out)


def _docx(path: Path, zf: zipfile.ZipFile) -> list[Chunk]:
    import docx  # python-docx: validates the package and reads the core properties

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001 - a corrupt package can make the reader raise anything
        raise Unreadable(f"无法按 Word 文档打开（{type(exc).__name__}: {exc}）") from None
    out: list[Chunk] = []
    for name in sorted(zf.namelist()):
        title = next((t for pattern, t in _WORD_PARTS if pattern.match(name)), None)
        if title is None:
            continue
        root = _xml(zf, name)
        for n, p in enumerate(root.iter(W + "p"), 1):
            text = _paragraph_text(p, (W + "t",))
            deleted = _paragraph_text(p, (W + "delText",))
            if text.strip():
                out.append(Chunk(f"{title}（{name}）第 {n} 段", text, n))
            if deleted.strip():
                out.append(Chunk(f"{title}（{name}）第 {n} 段修订中删除的文字", deleted, n))
    out += _core_properties(document.core_properties, _WORD_PROPERTIES)
    return out + _property_parts(zf)


def _core_properties(props: object, keys: tuple[str, ...]) -> list[Chunk]:
    """The text properties (title, author ...) of a Word or Excel document, as each library names them."""
    out = []
    for key in keys:
        value = getattr(props, key, None)
        if isinstance(value, str) and value.strip():
            out.append(Chunk(f"文档属性 {key}", value))
    return out


def _property_parts(zf: zipfile.ZipFile) -> list[Chunk]:
    """docProps/app.xml (company, manager ...) and docProps/custom.xml (user-defined properties)."""
    out = []
    for name in ("docProps/app.xml", "docProps/custom.xml"):
        if name not in zf.namelist():
            continue
        for el in _xml(zf, name).iter():
            if isinstance(el.tag, str) and el.text and el.text.strip():
                label = el.getparent().get("name") if el.getparent() is not None else None
                key = label or el.tag.rpartition("}")[2]
                out.append(Chunk(f"文档属性 {key}", el.text))
    return out


def _xml_parts(zf: zipfile.ZipFile, names: list[str]) -> list[Chunk]:
    out = []
    for name in names:
        root = _xml(zf, name)
        texts = [t.strip() for t in root.itertext() if t.strip()]
        for n, text in enumerate(texts, 1):
            out.append(Chunk(f"{name} 第 {n} 段", text, n))
    return out


def _xlsx(path: Path, zf: zipfile.ZipFile) -> list[Chunk]:
    import openpyxl

    try:
        with path.open("rb") as fh:  # a file object: .et and other names are not refused
            wb = openpyxl.load_workbook(fh, data_only=False, keep_links=False, rich_text=False)
    except Exception as exc:  # noqa: BLE001 - a corrupt workbook can make the reader raise anything
        raise Unreadable(f"无法按 Excel 工作簿打开（{type(exc).__name__}: {exc}）") from None
    out: list[Chunk] = []
    for ws in wb.worksheets + list(wb.chartsheets):
        state = {"hidden": "（隐藏）", "veryHidden": "（深度隐藏）"}.get(ws.sheet_state, "")
        sheet = f"工作表“{ws.title}”{state}"
        out.append(Chunk(f"{sheet}的名称", ws.title))
        for hf in ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter"):
            item = getattr(ws, hf, None)
            for part in ("left", "center", "right"):
                text = getattr(getattr(item, part, None), "text", None)
                if text:
                    out.append(Chunk(f"{sheet}页眉页脚", text))
        for row in getattr(ws, "iter_rows", lambda: ())():
            for cell in row:
                if cell.value is not None and not isinstance(cell.value, int | float | bool):
                    out.append(Chunk(f"{sheet}单元格 {cell.coordinate}", str(cell.value), cell.row, cell.column))
                if cell.comment is not None and cell.comment.text:
                    out.append(Chunk(f"{sheet}单元格 {cell.coordinate} 的批注", cell.comment.text, cell.row, cell.column))
    out += _core_properties(wb.properties, _EXCEL_PROPERTIES)
    return out + _property_parts(zf)


def _pdf(path: Path) -> Iterator[Chunk]:
    import pypdf

    try:
        reader = pypdf.PdfReader(str(path), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable("PDF 已加密，无法读取内容")
        chunks = list(_pdf_chunks(reader))
    except Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - a corrupt PDF can make the parser raise anything
        raise Unreadable(f"无法按 PDF 读取（{type(exc).__name__}: {exc}）") from None
    yield from chunks


def _pdf_chunks(reader: Any) -> Iterator[Chunk]:
    for key, value in (reader.metadata or {}).items():
        if isinstance(value, str) and value.strip():
            yield Chunk(f"文档属性 {str(key).lstrip('/')}", value)
    xmp = reader.xmp_metadata
    if xmp is not None:
        raw = xmp.stream.get_data().decode("utf-8", "replace")
        for n, text in enumerate(t.strip() for t in re.split(r"<[^>]*>", raw) if t.strip()):
            yield Chunk("XMP 元数据", text, n + 1)
    for n, page in enumerate(reader.pages, 1):
        text = (page.extract_text() or "").replace("\x00", "")  # some ToUnicode maps give UTF-16 NULs
        if text.strip():
            yield Chunk(f"第 {n} 页", text)
        annots = page.get("/Annots")
        for annot in annots.get_object() if annots is not None else ():
            obj = annot.get_object()
            for key in ("/Contents", "/T", "/Subj"):
                value = obj.get(key)
                if isinstance(value, str) and value.strip():
                    yield Chunk(f"第 {n} 页的批注", value)
    yield from _outline(reader.outline)


def _outline(items: Any) -> Iterator[Chunk]:
    for item in items or ():
        if isinstance(item, list):
            yield from _outline(item)
        elif getattr(item, "title", None):
            yield Chunk("书签", str(item.title))
