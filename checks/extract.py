"""The published text of an attachment, piece by piece, read the way its application reads it.

Everything a reader of the file can get at counts, visible or not:
- Office Open XML packages (.docx/.xlsx/.pptx and zip-based .wps/.et/.dps): the parts are found by
  following the package relationships (`_rels/.rels`, each part's `_rels/*.rels`, `[Content_Types].xml`),
  never by fixed part names. Word: paragraphs, tables, text boxes, picture descriptions, field codes and
  results, tracked changes, ruby, form fields and content controls, numbering text, headers, footers,
  footnotes, endnotes, comments, glossary, `altChunk` parts (HTML, text, MHT, nested documents).
  Excel: every cell (shared strings, inline strings, cached formula results, formulas), sheet names
  (hidden too), defined names, literal text of number formats, data-validation prompts, errors and list
  items, comments, headers and footers, drawings, charts. PowerPoint: slides, layouts, masters, notes.
  Charts, SmartArt, embedded packages and the metadata of embedded pictures wherever they hang.
  Core, app and custom document properties. XML parts no relationship reaches are read too.
- PDF: page text, annotations, bookmarks, document information and XMP metadata, form field values,
  default values, labels and options, XFA data, embedded files (read by their own type).
- Images: EXIF text fields (ImageDescription, Artist, Copyright, UserComment, XPTitle/XPComment/
  XPKeywords/XPSubject/XPAuthor), JPEG comments and IPTC, PNG tEXt/zTXt/iTXt, GIF comments, XMP
  packets. Pixels are never decoded: text drawn in an image is not read (no OCR).
- .ofd: the text of every XML part; text files: UTF-8, UTF-16/32 with BOM, UTF-16 without BOM, GB18030;
  HTML: the text and the alt/title attributes.

Resources are bounded (`Limits`): zip members are inflated as streams and the limits count the bytes
actually produced, every XML part is parsed once as a stream by a parser that refuses DTDs and never
resolves entities or reaches the network, nesting and time are limited, PDF streams and pages too.
A file that cannot be read completely raises Unreadable (TooBig beyond a limit) or NotScanned.
"""
from __future__ import annotations

import codecs
import contextlib
import dataclasses
import email
import email.policy
import html.parser
import io
import logging
import posixpath
import re
import struct
import tempfile
import time
import zipfile
import zlib
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote

MB = 1024 * 1024
TEXT_TYPES = {"txt", "csv", "tsv", "md", "xml", "json", "log"}
HTML_TYPES = {"html", "htm", "xhtml"}
OFFICE_TYPES = {"docx", "xlsx", "pptx", "wps", "et", "dps", "docm", "xlsm", "pptm", "dotx", "xltx", "potx"}
READ_BLOCK = 64 * 1024
PIECE = 32 * 1024  # characters of text handed to the scanner at a time (a longer text is cut at lines)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_ENTRIES = 100_000  # relationships of one part, content types, sheets of a workbook: kept in memory


@dataclasses.dataclass(frozen=True)
class Chunk:
    where: str  # 页眉（word/header1.xml）第 1 段, 工作表“名单”单元格 B3, 第 2 页, 文档属性 title ...
    text: str
    line: int = 1  # where the text starts: paragraph, row, line of the page ...
    column: int = 1


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one attachment may cost. Beyond any of these the file is TooBig, never half-read."""

    file_bytes: int = 128 * MB  # the attachment itself
    member_bytes: int = 64 * MB  # bytes produced inflating one zip member
    total_bytes: int = 256 * MB  # bytes produced inflating, all members and nested files together
    members: int = 10_000  # entries of one zip
    ratio: int = 100  # inflated / compressed bytes of a member, checked once it has produced ratio_after bytes
    ratio_after: int = 4 * MB
    embedded_bytes: int = 32 * MB  # a file inside a file (nested package, PDF attachment, picture), read whole
    depth: int = 3  # files inside files: the attachment counts as 1
    relation_depth: int = 32  # a chain of package relationships
    pdf_pages: int = 5_000
    pdf_objects: int = 1_000_000
    pdf_stream_bytes: int = 32 * MB  # one decoded PDF stream
    seconds: float = 180.0  # processor time for the whole file (a busy machine does not make a file fail)


LIMITS = Limits()


class Unreadable(Exception):
    """The file cannot be read (corrupt, encrypted, not what its name says); the message says why."""


class TooBig(Unreadable):
    """Reading the file would pass one of the Limits; the message says which."""


class NotScanned(Exception):
    """A format whose text cannot be read here (Office 97-2003 binaries, unknown binary formats)."""


def chunks(path: Path, limits: Limits | None = None) -> list[Chunk]:
    """Every piece of text in the file at `path`; raise Unreadable (TooBig) or NotScanned."""
    return list(iter_chunks(path, limits))


def iter_chunks(path: Path, limits: Limits | None = None) -> Iterator[Chunk]:
    """The pieces of text one by one, so that memory stays bounded whatever the file holds."""
    limits = limits or LIMITS
    budget = _Budget(limits)
    try:
        size = path.stat().st_size
        if size > limits.file_bytes:
            raise TooBig(f"文件有 {_mb(size)}，超过可检查的上限 {_mb(limits.file_bytes)}")
        with path.open("rb") as fh:
            yield from _file(fh, path.name, budget, 1)
    except (Unreadable, NotScanned):
        raise
    except MemoryError:
        raise TooBig("读取时内存不足") from None
    except RecursionError:
        raise TooBig("文件结构嵌套过深") from None
    except OSError as exc:
        raise Unreadable(f"无法读取文件（{exc.strerror or type(exc).__name__}）") from None
    except Exception as exc:  # noqa: BLE001 - malformed input may make any parser raise anything
        raise Unreadable(f"文件结构异常，无法完整读取（{type(exc).__name__}）") from None


def batches(pieces: Iterable[Chunk], size: int = PIECE) -> Iterator[list[Chunk]]:
    """The chunks in groups of about `size` characters, a longer chunk cut at line ends (or, for a very
    long line, at `size` characters) with its line and column kept right."""
    batch: list[Chunk] = []
    total = 0
    for chunk in pieces:
        for piece in _cut(chunk, size):
            batch.append(piece)
            total += len(piece.text) + 1
            if total >= size:
                yield batch
                batch, total = [], 0
    if batch:
        yield batch


def _cut(chunk: Chunk, size: int) -> Iterator[Chunk]:
    text = chunk.text
    if len(text) <= size:
        yield chunk
        return
    start, line, column = 0, chunk.line, chunk.column
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            nl = text.rfind("\n", start, end)
            end = nl + 1 if nl > start else end
        piece = text[start:end]
        yield dataclasses.replace(chunk, text=piece, line=line, column=column)
        lines = piece.count("\n")
        line += lines
        column = 1 if piece.endswith("\n") else (column + len(piece) if not lines else len(piece) - piece.rfind("\n"))
        start = end


def _mb(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n} 字节"


class _Budget:
    """The limits of one attachment and what has been spent of them."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.inflated = 0
        self.deadline = time.process_time() + limits.seconds

    def spend(self, n: int) -> None:
        self.inflated += n
        if self.inflated > self.limits.total_bytes:
            raise TooBig(f"解压出的内容超过 {_mb(self.limits.total_bytes)}（疑似压缩炸弹）")
        self.tick()

    def tick(self) -> None:
        if time.process_time() > self.deadline:
            raise TooBig(f"检查用时超过 {self.limits.seconds:.0f} 秒（处理器时间）的上限")


# ---------------------------------------------------------------- what kind of file


def _file(fh: IO[bytes], name: str, budget: _Budget, depth: int) -> Iterator[Chunk]:
    if depth > budget.limits.depth:
        raise TooBig(f"文件套文件超过 {budget.limits.depth} 层（{name}）")
    ext = posixpath.splitext(name)[1].lower().lstrip(".")
    head = fh.read(1024)
    fh.seek(0)
    if head.startswith(b"%PDF") or ext == "pdf" and b"%PDF-" in head:
        yield from _pdf(fh, budget, depth)
    elif head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        yield from _zip(fh, ext, budget, depth)
    elif head.startswith(OLE_MAGIC):
        _ole(fh, ext)
    elif _image_kind(head):
        yield from _image(_read_all(fh, budget.limits.file_bytes, name), budget, "")
    elif ext in OFFICE_TYPES | {"pdf", "ofd", "doc", "xls", "ppt", "jpg", "jpeg", "png", "gif"}:
        raise Unreadable(f"文件内容不是 .{ext} 格式（文件头 {head[:4].hex() or '为空'}）")
    elif head.lstrip().startswith(b"{\\rtf"):
        raise NotScanned("RTF 格式的内容无法自动检查")
    elif ext in HTML_TYPES or re.match(rb"\s*(<!doctype html|<html)", head[:200].lower()):
        yield from _html(_decode_all(_read_all(fh, budget.limits.file_bytes, name)))
    elif head.startswith(b"MIME-Version") or ext in ("mht", "mhtml"):
        yield from _mht(_read_all(fh, budget.limits.file_bytes, name), budget, depth)
    elif ext in TEXT_TYPES or _looks_text(head):
        yield from _text(fh, budget)
    else:
        raise NotScanned(f"无法识别的文件类型（.{ext or '无扩展名'}，文件头 {head[:4].hex()}），其内容无法自动检查")


def _read_all(fh: IO[bytes], limit: int, name: str) -> bytes:
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise TooBig(f"{name} 超过 {_mb(limit)}")
    return data


def _looks_text(head: bytes) -> bool:
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head.startswith(b"\xef\xbb\xbf"):
        return True
    if b"\x00" in head:
        return _utf16_without_bom(head) is not None
    return not re.search(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f\x7f]", head)


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 without a byte order mark: text files in UTF-8 or GB18030 hold no NUL bytes; the side the
    NULs of ASCII characters fall on tells the byte order, and the text must look like text."""
    if b"\x00" not in head:
        return None
    head = head[:len(head) & ~1]
    order = "utf-16-le" if head[1::2].count(0) >= head[0::2].count(0) else "utf-16-be"
    text = head.decode(order, "replace").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return order if text and _plausible(text) >= 0.9 * len(text) else None


def _ole(fh: IO[bytes], ext: str) -> None:
    """An OLE compound file: an encrypted Office Open XML document, or an Office 97-2003 binary."""
    found = _streams_named(fh, ("EncryptedPackage", "WordDocument", "Workbook", "Book", "PowerPoint Document"))
    if "EncryptedPackage" in found:
        raise Unreadable("文件设置了打开密码（加密的 Office 文档），内容无法读取")
    kind = ("Word 97-2003 文档（.doc）或旧版 WPS 文字" if "WordDocument" in found else
            "Excel 97-2003 工作簿（.xls）或旧版 WPS 表格" if {"Workbook", "Book"} & found else
            "PowerPoint 97-2003 演示文稿（.ppt）" if "PowerPoint Document" in found else
            "OLE 复合文档（Office 97-2003 文件或嵌入的对象）")
    raise NotScanned(f"{kind}为二进制格式，其内容无法自动检查")


def _streams_named(fh: IO[bytes], names: tuple[str, ...]) -> set[str]:
    """Which of the names occur as UTF-16 directory entries, read in blocks (bounded memory)."""
    needles = {n: n.encode("utf-16-le") + b"\x00\x00" for n in names}
    keep = max(len(n) for n in needles.values())
    found: set[str] = set()
    tail = b""
    fh.seek(0)
    while block := fh.read(MB):
        data = tail + block
        found |= {n for n, b in needles.items() if b in data}
        tail = data[-keep:]
    return found


# ---------------------------------------------------------------- text, HTML, MHT


def _text(fh: IO[bytes], budget: _Budget) -> Iterator[Chunk]:
    encoding = _encoding(fh, budget)
    fh.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line, column, pending = 1, 1, ""
    while True:
        block = fh.read(MB)
        budget.tick()
        text = pending + decoder.decode(block, final=not block)
        if not block:
            if text:
                yield Chunk("", text, line, column)
            return
        cut = text.rfind("\n") + 1
        if not cut:
            if len(text) < PIECE:
                pending = text
                continue
            cut = len(text)  # a very long line: handed over in pieces, the column kept
        piece = text[:cut]
        yield Chunk("", piece, line, column)
        line += piece.count("\n")
        column = 1 if piece.endswith("\n") else column + len(piece)
        pending = text[cut:]


def _encoding(fh: IO[bytes], budget: _Budget) -> str:
    head = fh.read(4)
    fh.seek(0)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    guess = _utf16_without_bom(fh.read(4096))
    if guess:
        return guess
    for encoding in ("utf-8", "gb18030"):
        fh.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        try:
            while True:
                block = fh.read(MB)
                budget.tick()
                decoder.decode(block, final=not block)
                if not block:
                    return encoding
        except UnicodeDecodeError:
            continue
    raise Unreadable("文本文件的编码既不是 UTF-8、UTF-16 也不是 GB18030")


def _decode_all(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable("文本的编码既不是 UTF-8 也不是 GB18030")


_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "table",
               "section", "article", "blockquote", "pre", "title", "dt", "dd", "caption", "hr"}


class _HtmlText(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        for key, value in attrs:
            if key in ("alt", "title", "aria-label", "content", "placeholder", "value") and value and value.strip():
                self.attrs.append((f"{tag} 的 {key} 属性", value))

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _html(text: str, where: str = "") -> Iterator[Chunk]:
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    body = re.sub(r"\n[ \t\r\f\v]*(?=\n)", "\n", "".join(parser.parts)).strip("\n")
    if body.strip():
        yield Chunk(where, body)
    for label, value in parser.attrs:
        yield Chunk(f"{where}{label}", value)


def _mht(data: bytes, budget: _Budget, depth: int, where: str = "") -> Iterator[Chunk]:
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        kind = part.get_content_type()
        charset = part.get_content_charset() or "utf-8"
        if kind in ("text/html", "text/plain"):
            try:
                text = payload.decode(charset)
            except (LookupError, UnicodeDecodeError):
                text = _decode_all(payload)
            yield from _html(text, where) if kind == "text/html" else iter([Chunk(where, text)])
        elif kind.startswith("image/"):
            yield from _image(payload, budget, f"{where}图片的")


# ---------------------------------------------------------------- zip packages


class _Package:
    """A zip file whose members are inflated as bounded streams."""

    def __init__(self, fh: IO[bytes], budget: _Budget) -> None:
        self.budget = budget
        _zip_precheck(fh, budget.limits)
        try:
            self.zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, struct.error) as exc:
            raise Unreadable(f"ZIP 结构损坏（{exc}）") from None
        infos = self.zf.infolist()
        if len(infos) > budget.limits.members:
            raise TooBig(f"压缩包有 {len(infos)} 个成员，超过 {budget.limits.members} 个的上限")
        self.parts: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            key = info.filename.lstrip("/").lower()
            if key in self.parts:
                raise Unreadable(f"压缩包中有重名的成员“{info.filename}”")
            if not info.is_dir():
                self.parts[key] = info
        self.defaults: dict[str, str] = {}
        self.overrides: dict[str, str] = {}

    def has(self, name: str) -> bool:
        return name.lower() in self.parts

    def inflate(self, name: str) -> Iterator[bytes]:
        """The member's bytes in blocks, the limits counted on what is actually produced."""
        info = self.parts[name.lower()]
        limits = self.budget.limits
        produced, limit = 0, limits.member_bytes
        try:
            with self.zf.open(info) as member:
                while block := member.read(READ_BLOCK):
                    produced += len(block)
                    if produced > limit:
                        raise TooBig(f"成员 {info.filename} 解压后超过 {_mb(limit)}"
                                     f"（压缩后 {_mb(info.compress_size)}）")
                    if produced > limits.ratio_after:
                        consumed = info.compress_size - getattr(member, "_compress_left", 0)
                        if produced > limits.ratio * max(consumed, 1):
                            raise TooBig(f"成员 {info.filename} 的压缩比超过 {limits.ratio}:1"
                                         f"（{_mb(consumed)} 解压出 {_mb(produced)} 仍未结束，疑似压缩炸弹）")
                    self.budget.spend(len(block))
                    yield block
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, struct.error) as exc:
            raise Unreadable(f"压缩包成员 {info.filename} 已损坏（{exc}）") from None
        except NotImplementedError as exc:
            raise Unreadable(f"压缩包成员 {info.filename} 用了不支持的压缩方法（{exc}）") from None
        except RuntimeError as exc:  # an encrypted member
            raise Unreadable(f"压缩包成员 {info.filename} 已加密（{exc}）") from None

    def read(self, name: str, limit: int | None = None) -> bytes:
        limit = self.budget.limits.embedded_bytes if limit is None else limit
        out = bytearray()
        for block in self.inflate(name):
            out += block
            if len(out) > limit:
                raise TooBig(f"成员 {name} 超过 {_mb(limit)}")
        return bytes(out)

    def content_type(self, name: str) -> str:
        key = "/" + name.lower()
        if key in self.overrides:
            return self.overrides[key]
        return self.defaults.get(posixpath.splitext(key)[1].lstrip("."), "")

    def xml(self, name: str, target: _Target) -> Iterator[Chunk]:
        """Parse the member as XML through `target`, once, as a stream."""
        yield from _parse_xml(self.inflate(name), target, name, self.budget)

    def rels(self, source: str) -> list[tuple[str, str, str]]:
        """(id, type, target part) of the internal relationships of `source` ("" for the package)."""
        folder, base = posixpath.split(source)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        if not self.has(rels_name):
            return []
        target = _Rels()
        for _ in self.xml(rels_name, target):
            pass
        out = []
        for rid, rtype, ref, mode in target.rels:
            if mode.lower() == "external" or not ref or re.match(r"[a-z][a-z0-9+.-]*:", ref, re.I):
                continue
            ref = unquote(ref.split("#", 1)[0])
            path = ref.lstrip("/") if ref.startswith("/") else posixpath.normpath(posixpath.join(folder, ref))
            if not path.startswith("../") and self.has(path):
                out.append((rid, rtype.rstrip("/").rpartition("/")[2], self.parts[path.lower()].filename))
        return out


def _zip_precheck(fh: IO[bytes], limits: Limits) -> None:
    """The entry count and central directory size from the end record, before zipfile builds an
    object per entry (a zip claiming millions of entries would fill memory first)."""
    fh.seek(0, 2)
    size = fh.tell()
    fh.seek(max(0, size - 65_557))
    tail = fh.read()
    fh.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return
    entries, cd_size = struct.unpack("<6xHI", tail[at + 4:at + 16])
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        loc = tail.rfind(b"PK\x06\x07", 0, at)
        if loc >= 0 and len(tail) >= loc + 20:
            (offset,) = struct.unpack("<Q", tail[loc + 8:loc + 16])
            fh.seek(offset)
            record = fh.read(56)
            fh.seek(0)
            if record.startswith(b"PK\x06\x06") and len(record) >= 48:
                entries, cd_size = struct.unpack("<Q Q", record[32:48])
    if entries > limits.members:
        raise TooBig(f"压缩包有 {entries} 个成员，超过 {limits.members} 个的上限")
    if cd_size > 64 * MB:
        raise TooBig(f"压缩包的目录有 {_mb(cd_size)}，超过上限")


def _zip(fh: IO[bytes], ext: str, budget: _Budget, depth: int) -> Iterator[Chunk]:
    pkg = _Package(fh, budget)
    if pkg.has("[Content_Types].xml"):
        yield from _opc(pkg, ext, depth)
    elif pkg.has("OFD.xml"):
        for name in sorted(n for n in pkg.parts if n.endswith(".xml")):
            yield from pkg.xml(pkg.parts[name].filename, _Generic(pkg.parts[name].filename))
    elif ext in OFFICE_TYPES or ext == "ofd":
        raise Unreadable(f"缺少 .{ext} 文档应有的内容（不是有效的 {ext} 文档）")
    else:
        raise NotScanned("ZIP 压缩包中的文件无法自动检查")


# ---------------------------------------------------------------- streaming XML


class _Doctype(Exception):
    pass


_LOCAL: dict[str, str] = {}


def _local(tag: str) -> str:
    try:
        return _LOCAL[tag]
    except KeyError:
        name = _LOCAL[tag] = tag.rpartition("}")[2]
        return name


class _Target:
    """An lxml parser target: receives the parse events, builds no tree, collects chunks."""

    def __init__(self) -> None:
        self.out: list[Chunk] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass

    def doctype(self, *args: Any) -> None:
        raise _Doctype

    def close(self) -> None:
        return None

    def take(self) -> list[Chunk]:
        out, self.out = self.out, []
        return out

    def emit(self, where: str, text: str, line: int = 1, column: int = 1) -> None:
        if text and not text.isspace():
            self.out.append(Chunk(where, text, line, column))


def _parse_xml(blocks: Iterable[bytes], target: _Target, name: str, budget: _Budget) -> Iterator[Chunk]:
    from lxml import etree

    parser = etree.XMLParser(target=target, resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False, dtd_validation=False, remove_comments=True, remove_pis=True)
    try:
        for block in blocks:
            parser.feed(block)
            budget.tick()
            yield from target.take()
        parser.close()
    except _Doctype:
        raise Unreadable(f"{name} 含 DTD 声明（文档中不应有，可能用于实体炸弹）") from None
    except etree.XMLSyntaxError as exc:
        message = str(exc)
        if "depth" in message.lower() or "huge" in message.lower():
            raise TooBig(f"{name} 的 XML 嵌套过深或单个节点过大（{message}）") from None
        raise Unreadable(f"{name} 不是格式正确的 XML（{message}）") from None
    yield from target.take()


class _Rels(_Target):
    def __init__(self) -> None:
        super().__init__()
        self.rels: list[tuple[str, str, str, str]] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if _local(tag) == "Relationship":
            if len(self.rels) >= MAX_ENTRIES:
                raise TooBig(f"一个部件有超过 {MAX_ENTRIES} 个关系")
            self.rels.append((attrib.get("Id", ""), attrib.get("Type", ""), attrib.get("Target", ""),
                              attrib.get("TargetMode", "")))


class _ContentTypes(_Target):
    def __init__(self, pkg: _Package) -> None:
        super().__init__()
        self.pkg = pkg

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if len(self.pkg.overrides) + len(self.pkg.defaults) >= MAX_ENTRIES:
            raise TooBig(f"[Content_Types].xml 有超过 {MAX_ENTRIES} 项")
        if name == "Default":
            self.pkg.defaults[attrib.get("Extension", "").lower()] = attrib.get("ContentType", "").lower()
        elif name == "Override":
            self.pkg.overrides[attrib.get("PartName", "").lower()] = attrib.get("ContentType", "").lower()


class _Generic(_Target):
    """Every text node of the part (OFD, custom XML, unknown parts); OFD's TextCodes joined per TextObject."""

    def __init__(self, part: str, title: str = "") -> None:
        super().__init__()
        self.label = f"{title}（{part}）" if title else part
        self.buf: list[str] = []
        self.n = 0
        self.joined = 0  # inside an OFD TextObject

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if _local(tag) == "TextObject":
            self.joined += 1
        elif not self.joined:
            self.flush()

    def end(self, tag: str) -> None:
        if _local(tag) == "TextObject":
            self.joined -= 1
        if not self.joined:
            self.flush()

    def data(self, text: str) -> None:
        self.buf.append(text)

    def flush(self) -> None:
        text = "".join(self.buf).strip()
        self.buf = []
        if text:
            self.n += 1
            self.emit(f"{self.label} 第 {self.n} 段", text, self.n)


class _Xmp(_Target):
    """An XMP packet: text of elements and values of attributes (rdf:Description may use either)."""

    SKIP_NS = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/XML/1998/namespace", "adobe:ns:meta/")

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where
        self.stack: list[str] = []
        self.buf: list[str] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.flush()
        self.stack.append(_local(tag))
        for key, value in attrib.items():
            if not key.startswith(tuple("{" + ns for ns in self.SKIP_NS)):
                self.emit(f"{self.where} {_local(key)}", value)

    def end(self, tag: str) -> None:
        self.flush()
        if self.stack:
            self.stack.pop()

    def data(self, text: str) -> None:
        self.buf.append(text)

    def flush(self) -> None:
        text = "".join(self.buf).strip()
        self.buf = []
        if text:
            key = next((n for n in reversed(self.stack) if n not in ("li", "Alt", "Seq", "Bag")), "")
            self.emit(f"{self.where} {key}", text)


def _xmp(data: bytes, where: str, budget: _Budget) -> Iterator[Chunk]:
    start = data.find(b"<")
    if start < 0:
        return
    yield from _parse_xml([data[start:]], _Xmp(where), where, budget)


# ---------------------------------------------------------------- Office Open XML


WORD_PARTS = {"officeDocument": "正文", "header": "页眉", "footer": "页脚", "footnotes": "脚注", "endnotes": "尾注",
              "comments": "批注", "glossaryDocument": "文档部件", "numbering": "编号"}
DRAWING_PARTS = {"drawing": "绘图", "diagramData": "SmartArt", "diagramDrawing": "SmartArt", "slide": "幻灯片",
                 "slideLayout": "幻灯片版式", "slideMaster": "幻灯片母版", "notesSlide": "备注页",
                 "notesMaster": "备注母版", "handoutMaster": "讲义母版", "chartUserShapes": "图表中的形状"}
SKIPPED = {"theme", "fontTable", "settings", "webSettings", "stylesWithEffects", "people", "commentsIds",
           "commentsExtended", "commentsExtensible", "customXmlProps", "printerSettings", "calcChain",
           "vbaProject", "presProps", "viewProps", "tableStyles", "keyMapCustomizations", "sheetMetadata",
           "volatileDependencies", "diagramLayout", "diagramQuickStyle", "diagramColors", "chartStyle",
           "chartColorStyle", "commentAuthors", "font", "digitalSignatureOrigin", "styles",
           "connections", "queryTable", "revisionHeaders", "usernames", "ctrlProp", "slicerCache", "timelineCache"}


class _Walk:
    """One package: every part reached from the package relationships, each read once."""

    def __init__(self, pkg: _Package, depth: int) -> None:
        self.pkg = pkg
        self.depth = depth
        self.seen: set[str] = set()
        self.sheet_label: dict[str, str] = {}  # worksheet part -> 工作表“名称”（隐藏）
        self.strings: _Strings | None = None

    def part(self, part: str, rtype: str, chain: int, sheet: str = "") -> Iterator[Chunk]:
        if part.lower() in self.seen:
            return
        if chain > self.pkg.budget.limits.relation_depth:
            raise TooBig(f"部件间的关系链超过 {self.pkg.budget.limits.relation_depth} 层")
        self.seen.add(part.lower())
        ctype = self.pkg.content_type(part)
        rels = self.pkg.rels(part)
        pkg = self.pkg
        excel, word = ("spreadsheetml" in ctype or "ms-excel" in ctype), ("wordprocessingml" in ctype or "ms-word" in ctype)
        if rtype == "officeDocument" and excel or rtype == "workbook":
            yield from self.workbook(part, rels, chain)
            return
        if rtype in ("worksheet", "chartsheet", "dialogsheet"):
            sheet = self.sheet_label.get(part, f"工作表（{part}）")
            yield from pkg.xml(part, _Sheet(sheet, self.strings))
        elif rtype == "comments" and excel:
            yield from pkg.xml(part, _SheetComments(sheet or "工作表"))
        elif rtype == "threadedComment":
            yield from pkg.xml(part, _Generic(part, f"{sheet}的批注"))
        elif rtype in WORD_PARTS and (word or not ctype and rtype != "officeDocument"):
            yield from pkg.xml(part, _Word(part, WORD_PARTS[rtype]))
        elif rtype in DRAWING_PARTS or rtype == "officeDocument" and ("presentationml" in ctype or "powerpoint" in ctype):
            yield from pkg.xml(part, _Drawing(part, DRAWING_PARTS.get(rtype, "演示文稿")))
        elif rtype == "chart":
            yield from pkg.xml(part, _Chart(part))
        elif rtype == "aFChunk":
            yield from self.nested(part, "嵌入的内容", ctype)
        elif rtype in ("package", "oleObject", "embeddings"):
            yield from self.nested(part, "嵌入的文件", ctype)
        elif rtype == "image" or ctype.startswith("image/"):
            yield from self.picture(part)
        elif rtype in ("core-properties", "extended-properties"):
            yield from pkg.xml(part, _Properties())
        elif rtype == "custom-properties":
            yield from pkg.xml(part, _CustomProperties())
        elif rtype == "sharedStrings":  # reached other than from its workbook: every entry on its own
            strings = _SharedStrings()
            yield from pkg.xml(part, strings)
            yield from strings.strings.unused()
        elif rtype in SKIPPED or rtype == "hyperlink":
            pass
        elif ctype.endswith("xml") or part.lower().endswith(".xml"):
            yield from pkg.xml(part, _Generic(part))
        for _, child_type, child in rels:
            yield from self.part(child, child_type, chain + 1, sheet)

    def workbook(self, part: str, rels: list[tuple[str, str, str]], chain: int) -> Iterator[Chunk]:
        book = _Workbook(part)
        yield from self.pkg.xml(part, book)
        by_id = {rid: (rtype, child) for rid, rtype, child in rels}
        for rid, name, state in book.sheets:
            if rid in by_id:
                hidden = {"hidden": "（隐藏）", "veryHidden": "（深度隐藏）"}.get(state, "")
                self.sheet_label[by_id[rid][1]] = f"工作表“{name}”{hidden}"
        for _, rtype, child in rels:
            if rtype == "sharedStrings" and child.lower() not in self.seen:
                self.seen.add(child.lower())
                target = _SharedStrings()
                yield from self.pkg.xml(child, target)
                self.strings = target.strings
            elif rtype == "styles" and child.lower() not in self.seen:
                self.seen.add(child.lower())
                yield from self.pkg.xml(child, _Styles(child))
        for _, rtype, child in rels:
            yield from self.part(child, rtype, chain + 1)
        if self.strings is not None:
            yield from self.strings.unused()

    def nested(self, part: str, title: str, ctype: str) -> Iterator[Chunk]:
        """A file inside the package, read by its own type; kept in a temporary file beyond 8 MB."""
        with tempfile.SpooledTemporaryFile(max_size=8 * MB) as spool:
            for block in self.pkg.inflate(part):
                spool.write(block)
            spool.seek(0)
            head = spool.read(1024)
            spool.seek(0)
            name = part
            if not head.startswith((b"PK", b"%PDF", OLE_MAGIC)) and ("html" in ctype or b"<html" in head.lower()):
                name += ".html"
            elif "rtf" in ctype:
                name += ".rtf"
            elif "rfc822" in ctype or head.startswith(b"MIME-Version"):
                name += ".mht"
            elif ctype.startswith("text/"):
                name += ".txt"
            prefix = f"{title}（{part}）中的"
            try:
                for chunk in _file(spool, name, self.pkg.budget, self.depth + 1):  # type: ignore[arg-type]
                    yield dataclasses.replace(chunk, where=prefix + chunk.where)
            except TooBig:
                raise
            except Unreadable as exc:
                raise Unreadable(f"{title}（{part}）：{exc}") from None
            except NotScanned as exc:
                raise NotScanned(f"{title}（{part}）：{exc}") from None

    def picture(self, part: str) -> Iterator[Chunk]:
        """The metadata of a picture in the package (read whole, as large as a member may be)."""
        data = self.pkg.read(part, self.pkg.budget.limits.member_bytes)
        if _image_kind(data[:16]):
            yield from _image(data, self.pkg.budget, f"图片（{part}）的")


def _opc(pkg: _Package, ext: str, depth: int) -> Iterator[Chunk]:
    for _ in pkg.xml(pkg.parts["[content_types].xml"].filename, _ContentTypes(pkg)):
        pass
    walk = _Walk(pkg, depth)
    roots = pkg.rels("")
    app = {"docx": "Word 文档", "wps": "WPS 文字文档", "xlsx": "Excel 工作簿", "et": "WPS 表格",
           "pptx": "PowerPoint 演示文稿"}.get(ext, "Office 文档")
    if not any(rtype == "officeDocument" for _, rtype, _ in roots):
        raise Unreadable(f"无法按 {app}打开：_rels/.rels 中没有指向主文档的关系（文档结构不完整）")
    try:
        for _, rtype, part in roots:
            yield from walk.part(part, rtype, 1)
        for key in sorted(pkg.parts):  # parts no relationship reaches: not shown, but published in the file
            name = pkg.parts[key].filename
            if key in walk.seen or key.endswith(".rels") or key == "[content_types].xml":
                continue
            walk.seen.add(key)
            if key.endswith(".xml") or pkg.content_type(name).endswith("xml"):
                yield from pkg.xml(name, _Generic(name, "未被引用的部件"))
            elif pkg.content_type(name).startswith("image/"):
                yield from walk.picture(name)
    except TooBig:
        raise
    except Unreadable as exc:
        raise Unreadable(f"无法按 {app}打开：{exc}") from None


class _Word(_Target):
    """A WordprocessingML part: one chunk per paragraph (nested paragraphs of text boxes apart), with
    deleted text, field codes and ruby text apart, and the attributes a reader sees."""

    TEXT = {"t": 0, "delText": 1, "instrText": 2, "delInstrText": 2}
    ATTRS = {"docPr": ("descr", "title"), "cNvPr": ("descr", "title"), "hyperlink": ("tooltip",),
             "alias": ("val",), "default": ("val",), "statusText": ("val",), "helpText": ("val",),
             "listEntry": ("val",), "listItem": ("displayText",), "shape": ("alt",), "imagedata": ("title",),
             "lvlText": ("val",), "fldSimple": ("instr",)}
    SUFFIX = ("", "修订中删除的文字", "的域代码", "的注音")

    def __init__(self, part: str, title: str) -> None:
        super().__init__()
        self.label = f"{title}（{part}）"
        self.stack: list[tuple[int, list[list[str]]]] = []
        self.n = 0
        self.capture: int | None = None
        self.ruby = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name == "p":
            self.n += 1
            self.stack.append((self.n, [[], [], [], []]))
        elif name in self.TEXT:
            self.capture = 3 if self.ruby and name == "t" else self.TEXT[name]
        elif name in ("tab", "ptab"):
            self._add(0, " ")
        elif name in ("br", "cr"):
            self._add(0, "\n")
        elif name == "rt":
            self.ruby += 1
        elif name == "sym":
            self._add(0, _symbol(attrib))
        if name in self.ATTRS:
            line = self.stack[-1][0] if self.stack else max(self.n, 1)
            for key, value in attrib.items():
                if _local(key) in self.ATTRS[name]:
                    if name == "fldSimple":
                        self._add(2, value)
                    elif name == "lvlText":  # 第%1章: the literal text around the number
                        if re.search(r"[^\W\d_]", re.sub(r"%\d", "", value)):
                            self.emit(f"{self.label}的编号文字", value, line)
                    else:
                        self.emit(f"{self.label}第 {line} 段附近的{_ATTR_TITLE.get(name, '属性')}", value, line)

    def _add(self, kind: int, text: str) -> None:
        if self.stack:
            self.stack[-1][1][kind].append(text)

    def data(self, text: str) -> None:
        if self.capture is not None:
            self._add(self.capture, text)

    def end(self, tag: str) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name in self.TEXT:
            self.capture = None
        elif name == "rt":
            self.ruby -= 1
        elif name == "p" and self.stack:
            n, bufs = self.stack.pop()
            for kind, buf in enumerate(bufs):
                if buf:
                    self.emit(f"{self.label}第 {n} 段{self.SUFFIX[kind]}", "".join(buf), n)


_ATTR_TITLE = {"docPr": "图片或对象说明", "cNvPr": "图片或对象说明", "hyperlink": "链接提示",
               "alias": "内容控件标题", "default": "表单域默认文字", "statusText": "表单域提示",
               "helpText": "表单域帮助", "listEntry": "下拉选项", "listItem": "下拉选项", "shape": "图形说明",
               "imagedata": "图片标题", "lvlText": "编号文字"}
_SYMBOL_STARS = {0xAB, 0xF0AB, 0xB5, 0xF0B5}  # Wingdings ★ and ✪-like stars


def _symbol(attrib: dict[str, str]) -> str:
    char = next((v for k, v in attrib.items() if _local(k) == "char"), "")
    try:
        code = int(char, 16)
    except ValueError:
        return " "
    if code in _SYMBOL_STARS:
        return "★"
    return chr(code) if code < 0xE000 or code > 0xF8FF else " "


class _Drawing(_Target):
    """DrawingML text (slides, shapes, SmartArt): one chunk per a:p, plus picture descriptions."""

    def __init__(self, part: str, title: str) -> None:
        super().__init__()
        self.label = f"{title}（{part}）"
        self.stack: list[list[str]] = []
        self.capture = False
        self.n = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name == "p":
            self.stack.append([])
        elif name == "t":
            self.capture = True
        elif name == "br" and self.stack:
            self.stack[-1].append("\n")
        elif name in ("cNvPr", "docPr"):
            for key in ("descr", "title"):
                self.emit(f"{self.label}的图片或形状说明", attrib.get(key, ""))

    def data(self, text: str) -> None:
        if self.capture and self.stack:
            self.stack[-1].append(text)

    def end(self, tag: str) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name == "t":
            self.capture = False
        elif name == "p" and self.stack:
            self.n += 1
            self.emit(f"{self.label}第 {self.n} 段", "".join(self.stack.pop()), self.n)


class _Chart(_Drawing):
    """A chart: titles and rich text (a:p) and the cached text values (series names, categories)."""

    NUMERIC = {"numCache", "numRef", "numLit", "formatCode"}

    def __init__(self, part: str) -> None:
        super().__init__(part, "图表")
        self.numeric = 0
        self.value: list[str] | None = None

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name in self.NUMERIC:
            self.numeric += 1
        elif name == "v" and not self.numeric:
            self.value = []
        else:
            super().start(tag, attrib)

    def data(self, text: str) -> None:
        if self.value is not None:
            self.value.append(text)
        else:
            super().data(text)

    def end(self, tag: str) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name in self.NUMERIC:
            self.numeric -= 1
        elif name == "v" and self.value is not None:
            self.emit(f"{self.label}的数据标签", "".join(self.value))
            self.value = None
        else:
            super().end(tag)


class _Properties(_Target):
    """docProps/core.xml and app.xml: each element's text, named by the element."""

    def __init__(self) -> None:
        super().__init__()
        self.buf: list[str] = []
        self.stack: list[str] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.flush()
        self.stack.append(_local(tag))

    def data(self, text: str) -> None:
        self.buf.append(text)

    def end(self, tag: str) -> None:
        self.flush()
        self.stack.pop()

    def flush(self) -> None:
        text = "".join(self.buf)
        self.buf = []
        if text.strip() and self.stack:
            key = next((n for n in reversed(self.stack) if n not in ("lpstr", "lpwstr", "variant", "vector")),
                       self.stack[-1])
            self.emit(f"文档属性 {key}", text)


class _CustomProperties(_Properties):
    def start(self, tag: str, attrib: dict[str, str]) -> None:
        super().start(tag, attrib)
        if self.stack[-1] == "property":
            self.stack[-1] = attrib.get("name", "property")
            self.emit("文档属性名称", self.stack[-1])


class _Strings:
    """The shared strings of a workbook, kept compact: one string per 65,536 entries and an offset array."""

    BLOCK = 1 << 16

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.pending: list[str] = []
        self.offsets = array("q", [0])
        self.used = bytearray()

    def add(self, text: str) -> None:
        self.pending.append(text)
        self.offsets.append(self.offsets[-1] + len(text))
        if len(self.pending) == self.BLOCK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.blocks.append("".join(self.pending))
            self.pending = []
        self.used = bytearray(len(self.offsets) - 1)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def get(self, i: int) -> str:
        if not 0 <= i < len(self):
            return ""
        self.used[i] = 1
        block = i >> 16
        base = self.offsets[block << 16]
        return self.blocks[block][self.offsets[i] - base:self.offsets[i + 1] - base]

    def unused(self) -> Iterator[Chunk]:
        for i in range(len(self)):
            if not self.used[i]:
                text = self.get(i)
                if text.strip():
                    yield Chunk(f"共享字符串表第 {i + 1} 项（没有单元格引用）", text, i + 1)


class _SharedStrings(_Target):
    def __init__(self) -> None:
        super().__init__()
        self.strings = _Strings()
        self.buf: list[str] = []
        self.capture = False
        self.phonetic = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name == "si":
            self.buf = []
        elif name == "t" and not self.phonetic:
            self.capture = True
        elif name == "rPh":
            self.phonetic += 1

    def data(self, text: str) -> None:
        if self.capture:
            self.buf.append(text)

    def end(self, tag: str) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name == "t":
            self.capture = False
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "si":
            self.strings.add("".join(self.buf))

    def close(self) -> None:
        self.strings.flush()


class _Workbook(_Target):
    def __init__(self, part: str) -> None:
        super().__init__()
        self.part = part
        self.sheets: list[tuple[str, str, str]] = []
        self.defined: str | None = None
        self.buf: list[str] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name == "sheet":
            if len(self.sheets) >= MAX_ENTRIES:
                raise TooBig(f"工作簿有超过 {MAX_ENTRIES} 个工作表")
            rid = next((v for k, v in attrib.items() if _local(k) == "id"), "")
            title, state = attrib.get("name", ""), attrib.get("state", "visible")
            self.sheets.append((rid, title, state))
            hidden = {"hidden": "（隐藏）", "veryHidden": "（深度隐藏）"}.get(state, "")
            self.emit(f"工作表“{title}”{hidden}的名称", title)
        elif name == "definedName":
            self.defined = attrib.get("name", "")
            self.emit("工作簿中定义的名称", self.defined)
            self.buf = []

    def data(self, text: str) -> None:
        if self.defined is not None:
            self.buf.append(text)

    def end(self, tag: str) -> None:
        if _local(tag) == "definedName" and self.defined is not None:
            self.emit(f"工作簿中定义的名称“{self.defined}”的内容", "".join(self.buf))
            self.defined = None


def _format_text(code: str) -> str:
    """The literal text an Excel number format shows, a digit placeholder run shown as 1."""
    out: list[str] = []
    i = 0
    while i < len(code):
        ch = code[i]
        if ch == '"':
            j = code.find('"', i + 1)
            j = len(code) if j < 0 else j
            out.append(code[i + 1:j])
            i = j + 1
        elif ch == "\\":
            out.append(code[i + 1:i + 2])
            i += 2
        elif ch == "_":
            out.append(" ")
            i += 2
        elif ch == "*":
            i += 2
        elif ch == "[":
            j = code.find("]", i)
            i = len(code) if j < 0 else j + 1
        elif ch == ";":
            out.append("\n")
            i += 1
        elif ch in "0#?":
            while i < len(code) and code[i] in "0#?,.":
                i += 1
            out.append("1")
        elif ch == "@":
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class _Styles(_Target):
    def __init__(self, part: str) -> None:
        super().__init__()
        self.part = part

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if _local(tag) == "numFmt":
            code = attrib.get("formatCode", "")
            if re.search(r'"|\\|[^\x00-\x7f]', code):
                self.emit(f"数字格式“{code[:40]}”显示的文字（{self.part}）", _format_text(code))


_CELL = re.compile(r"([A-Za-z]{1,3})(\d{1,7})")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _column_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


class _Sheet(_Target):
    """A worksheet: the text of every cell, formulas, headers and footers, data validation, hyperlink texts."""

    HEADERS = {"oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter"}
    VALIDATION = (("promptTitle", "提示标题"), ("prompt", "输入提示"), ("errorTitle", "出错标题"), ("error", "出错信息"))

    def __init__(self, label: str, strings: _Strings | None) -> None:
        super().__init__()
        self.label = label
        self.strings = strings
        self.row = 0
        self.col = 0
        self.kind = "n"
        self.buf: list[str] | None = None
        self.values: dict[str, list[str]] = {}
        self.phonetic = 0
        self.formula1 = False
        self.ref = ""

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name == "c":  # the common case first: a cell, its value, its formula
            self.ref = attrib.get("r", "")
            self.col += 1
            self.kind = attrib.get("t", "n")
            self.values = {}
        elif name == "v" or name == "t":
            if not self.phonetic:
                self.buf = self.values.setdefault(name, [])
        elif name == "f":
            if not self.formula1:  # inside <x14:formula1><xm:f>: the list of an extended validation
                self.buf = self.values.setdefault(name, [])
        elif name == "row":
            r = attrib.get("r", "")
            self.row = int(r) if r.isdigit() else self.row + 1
            self.col = 0
        elif name in self.HEADERS or name == "formula1":
            self.buf = self.values.setdefault(name, [])
            self.formula1 = name == "formula1"
        elif name == "rPh":
            self.phonetic += 1
        elif name == "dataValidation":
            for key, title in self.VALIDATION:
                self.emit(f"{self.label}数据验证的{title}（{attrib.get('sqref', '')}）", attrib.get(key, ""))
        elif name == "hyperlink":
            for key in ("display", "tooltip"):
                self.emit(f"{self.label}超链接 {attrib.get('ref', '')} 的文字", attrib.get(key, ""))

    def data(self, text: str) -> None:
        if self.buf is not None:
            self.buf.append(text)

    def end(self, tag: str) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name == "c":
            if self.kind != "n" or "f" in self.values:
                self.cell()
        elif name == "v" or name == "t":
            self.buf = None
        elif name == "f":
            if not self.formula1:
                self.buf = None
        elif name == "rPh":
            self.phonetic -= 1
        elif name in self.HEADERS:
            self.buf, self.formula1 = None, False
            for section in re.split(r"&[LCR]", "".join(self.values.pop(name, []))):
                self.emit(f"{self.label}页眉页脚", _header_text(section))
        elif name == "formula1":
            self.buf, self.formula1 = None, False
            text = "".join(self.values.pop(name, []))
            if text.startswith('"'):
                self.emit(f"{self.label}数据验证的下拉选项", text.strip('"'))

    def cell(self) -> None:
        m = _CELL.fullmatch(self.ref)
        if m:
            self.col, self.row = _column_number(m.group(1)), int(m.group(2))
        ref = m.group(0) if m else f"{_column_letters(self.col)}{self.row}"
        where = f"{self.label}单元格 {ref}"
        values = self.values
        value = "".join(values.get("v", ()))
        if self.kind == "s" and self.strings is not None and value.strip().isdigit():
            self.emit(where, self.strings.get(int(value)), self.row, self.col)
        elif self.kind == "inlineStr":
            self.emit(where, "".join(values.get("t", ())), self.row, self.col)
        elif self.kind == "str":
            self.emit(where, value, self.row, self.col)
        formula = "".join(values.get("f", ()))
        if formula and re.search(r'"|[^\x00-\x7f]', formula):
            self.emit(f"{where} 的公式", formula, self.row, self.col)


def _header_text(section: str) -> str:
    return re.sub(r'&"[^"]*"|&K[0-9A-Fa-f]{6}|&K\d\d[+-]\d{3}|&\d+|&[A-Za-z]', "", section).replace("&&", "&")


class _SheetComments(_Target):
    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label
        self.ref = ""
        self.buf: list[str] | None = None
        self.capture = False
        self.phonetic = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name == "comment":
            self.ref, self.buf = attrib.get("ref", ""), []
        elif name == "t" and not self.phonetic:
            self.capture = True
        elif name == "rPh":
            self.phonetic += 1

    def data(self, text: str) -> None:
        if self.capture and self.buf is not None:
            self.buf.append(text)

    def end(self, tag: str) -> None:
        name = _LOCAL.get(tag) or _local(tag)
        if name == "t":
            self.capture = False
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "comment" and self.buf is not None:
            m = _CELL.fullmatch(self.ref)
            row, col = (int(m.group(2)), _column_number(m.group(1))) if m else (1, 1)
            self.emit(f"{self.label}单元格 {self.ref} 的批注", "".join(self.buf), row, col)
            self.buf = None


# ---------------------------------------------------------------- PDF


def _pdf(fh: IO[bytes], budget: _Budget, depth: int) -> Iterator[Chunk]:
    import pypdf
    from pypdf.errors import LimitReachedError

    limits = budget.limits
    stream = limits.pdf_stream_bytes
    settings: dict[str, Any] = dict(maximum_declared_stream_length=stream, array_based_stream_maximum_output_length=stream,
                    jbig2_maximum_output_length=stream, lzw_maximum_output_length=stream,
                    run_length_maximum_output_length=stream, zlib_maximum_output_length=stream,
                    brotli_maximum_output_length=stream, image_maximum_buffer_size=stream,
                    stream_decoding_work_maximum_length=4 * stream, xfa_decoding_work_maximum_length=stream,
                    page_tree_maximum_entries=limits.pdf_pages * 4 + 100,
                    page_tree_maximum_page_entries=limits.pdf_pages * 4 + 100)
    problems = _PdfProblems()
    log = logging.getLogger("pypdf")
    log.addHandler(problems)
    with pypdf.apply_configuration(**settings):
        try:
            reader = pypdf.PdfReader(fh, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise Unreadable("PDF 已加密（需要密码才能打开），内容无法读取")
            objects = len(reader.xref_objStm) + sum(len(v) for v in reader.xref.values())
            if objects > limits.pdf_objects:
                raise TooBig(f"PDF 有 {objects} 个对象，超过 {limits.pdf_objects} 个的上限")
            pages = len(reader.pages)
            if pages > limits.pdf_pages:
                raise TooBig(f"PDF 有 {pages} 页，超过 {limits.pdf_pages} 页的上限")
            yield from _pdf_chunks(reader, budget, depth, problems)
        except (Unreadable, NotScanned):
            raise
        except LimitReachedError as exc:
            raise TooBig(f"PDF 超过读取上限（{exc}）") from None
        except Exception as exc:  # noqa: BLE001 - a corrupt PDF can make the parser raise anything
            raise Unreadable(f"无法按 PDF 读取（{type(exc).__name__}: {str(exc)[:200]}）") from None
        finally:
            log.removeHandler(problems)


class _PdfProblems(logging.Handler):
    """pypdf's text extraction logs what it could not read and goes on: a limit reached, a form object
    it could not decode. Such a page was not read completely."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "limit" in message.lower() or "Impossible to decode" in message:
            self.seen.append(message[:200])

    def check(self, where: str) -> None:
        if self.seen:
            first = self.seen[0]
            if "limit" in first.lower():
                raise TooBig(f"PDF {where}超过读取上限（{first}）")
            raise Unreadable(f"PDF {where}有无法解码的内容（{first}）")


def _pdf_chunks(reader: Any, budget: _Budget, depth: int, problems: _PdfProblems) -> Iterator[Chunk]:
    from pypdf.errors import LimitReachedError

    for key, value in (reader.metadata or {}).items():
        if isinstance(value, str) and value.strip():
            yield Chunk(f"文档属性 {str(key).lstrip('/')}", value)
    meta = reader.trailer["/Root"].get("/Metadata")
    if meta is not None:
        yield from _xmp(meta.get_object().get_data(), "XMP 元数据", budget)
    for n, page in enumerate(reader.pages, 1):
        budget.tick()
        try:
            page.get_contents()  # raises beyond a limit, where extract_text() would only log it
        except LimitReachedError as exc:
            raise TooBig(f"PDF 第 {n} 页超过读取上限（{exc}）") from None
        text = (page.extract_text() or "").replace("\x00", "")  # some ToUnicode maps give UTF-16 NULs
        problems.check(f"第 {n} 页")
        if text.strip():
            yield Chunk(f"第 {n} 页", text)
        yield from _annotations(page, n, budget, depth)
        if n % 20 == 0:  # decoded content streams are cached by the reader: let them go
            reader.resolved_objects.clear()
    yield from _outline(reader.outline)
    yield from _fields(reader)
    for name, data in (reader.xfa or {}).items():
        yield from _parse_xml([data], _Generic(f"XFA 表单数据 {name}"), "XFA", budget)
    for attachment in reader.attachment_list:
        yield from _embedded(attachment.name, attachment.content, "PDF 附带的文件", budget, depth)


def _annotations(page: Any, n: int, budget: _Budget, depth: int) -> Iterator[Chunk]:
    annots = page.get("/Annots")
    for annot in annots.get_object() if annots is not None else ():
        obj = annot.get_object()
        for key, title in (("/Contents", "内容"), ("/T", "作者"), ("/Subj", "主题"), ("/RC", "内容")):
            value = obj.get(key)
            if isinstance(value, str) and value.strip():
                text = re.sub(r"<[^>]*>", " ", value) if key == "/RC" else value
                yield Chunk(f"第 {n} 页的批注{title}", text)
        spec = obj.get("/FS")
        if obj.get("/Subtype") == "/FileAttachment" and spec is not None:
            spec = spec.get_object()
            data = spec.get("/EF", {}).get("/F")
            name = str(spec.get("/UF") or spec.get("/F") or "附件")
            if data is not None:
                yield from _embedded(name, data.get_object().get_data(), f"第 {n} 页批注附带的文件", budget, depth)


def _embedded(name: str, data: bytes, title: str, budget: _Budget, depth: int) -> Iterator[Chunk]:
    yield Chunk(f"{title}的文件名", name)
    if len(data) > budget.limits.embedded_bytes:
        raise TooBig(f"{title}“{name}”有 {_mb(len(data))}，超过 {_mb(budget.limits.embedded_bytes)}")
    budget.spend(len(data))
    for chunk in _file(io.BytesIO(data), name, budget, depth + 1):
        yield dataclasses.replace(chunk, where=f"{title}“{name}”中的{chunk.where}")


def _outline(items: Any) -> Iterator[Chunk]:
    for item in items or ():
        if isinstance(item, list):
            yield from _outline(item)
        elif getattr(item, "title", None):
            yield Chunk("书签", str(item.title))


def _fields(reader: Any) -> Iterator[Chunk]:
    for name, field in (reader.get_fields() or {}).items():
        for key, title in (("/V", "值"), ("/DV", "默认值"), ("/TU", "说明"), ("/T", "名称")):
            value = field.get(key)
            values = value if isinstance(value, list) else [value]
            for v in values:
                if isinstance(v, str) and not str(v).startswith("/") and v.strip():
                    yield Chunk(f"表单字段“{name}”的{title}", str(v))
        for option in field.get("/Opt") or ():
            option = option.get_object() if hasattr(option, "get_object") else option
            for v in option if isinstance(option, list) else [option]:
                if isinstance(v, str) and v.strip():
                    yield Chunk(f"表单字段“{name}”的选项", str(v))


# ---------------------------------------------------------------- images


def _image_kind(head: bytes) -> str:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(PNG_MAGIC):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    return ""


def _image(data: bytes, budget: _Budget, where: str) -> Iterator[Chunk]:
    """The text fields of the image's metadata; pixels are not decoded."""
    kind = _image_kind(data[:16])
    reader = {"jpeg": _jpeg, "png": _png, "gif": _gif, "webp": _webp, "tiff": _tiff}.get(kind)
    if reader is None:
        return
    try:
        for chunk in reader(data, budget):
            yield dataclasses.replace(chunk, where=f"{where}{chunk.where}")
    except (struct.error, IndexError, ValueError, KeyError, TypeError, SyntaxError) as exc:
        raise Unreadable(f"{where or '图片'}元数据损坏（{type(exc).__name__}）") from None


_XMP_SIG = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_EXT = b"http://ns.adobe.com/xmp/extension/\x00"


def _jpeg(data: bytes, budget: _Budget) -> Iterator[Chunk]:
    i, extended = 2, bytearray()
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        if marker in (0xDA, 0xD9):
            break
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if i + 2 + length > len(data):
            raise Unreadable("JPEG 文件不完整（数据段超出文件末尾）")
        seg = data[i + 4:i + 2 + length]
        if marker == 0xE1 and seg.startswith(b"Exif\x00\x00"):
            yield from _exif(seg[6:], budget)
        elif marker == 0xE1 and seg.startswith(_XMP_SIG):
            yield from _xmp(seg[len(_XMP_SIG):], "XMP 元数据", budget)
        elif marker == 0xE1 and seg.startswith(_XMP_EXT):
            extended += seg[len(_XMP_EXT) + 40:]
        elif marker == 0xFE:
            yield Chunk("JPEG 注释", _text_bytes(seg))
        elif marker == 0xED:
            yield from _iptc(seg)
        i += 2 + length
    if extended:
        yield from _xmp(bytes(extended), "扩展 XMP 元数据", budget)


_EXIF_NAMES = {0x010D: "DocumentName", 0x010E: "ImageDescription", 0x010F: "Make", 0x0110: "Model",
               0x0131: "Software", 0x013B: "Artist", 0x8298: "Copyright", 0x9286: "UserComment",
               0x9C9B: "XPTitle", 0x9C9C: "XPComment", 0x9C9D: "XPAuthor", 0x9C9E: "XPKeywords",
               0x9C9F: "XPSubject", 0xA430: "CameraOwnerName", 0xA420: "ImageUniqueID", 0x011D: "PageName",
               0x02BC: "XMP", 0x83BB: "IPTC"}


def _exif(tiff: bytes, budget: _Budget) -> Iterator[Chunk]:
    from PIL import Image

    exif = Image.Exif()
    exif.load(tiff)
    little = tiff[:2] == b"II"
    ifds = [dict(exif.items())]
    with contextlib.suppress(KeyError, ValueError, TypeError, struct.error):
        ifds.append(dict(exif.get_ifd(0x8769).items()))
    for tags in ifds:
        for tag, value in tags.items():
            name = _EXIF_NAMES.get(tag)
            if name is None and not isinstance(value, str):
                continue
            text = _exif_text(tag, value, little)
            if name == "XMP" and isinstance(value, bytes):
                yield from _xmp(value, "XMP 元数据", budget)
            elif name == "IPTC" and isinstance(value, bytes):
                yield from _iptc_records(value)
            elif text.strip():
                yield Chunk(f"EXIF {name or hex(tag)}", text)


def _exif_text(tag: int, value: Any, little: bool) -> str:
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        value = bytes(v & 0xFF for v in value)
    if isinstance(value, str):  # an ASCII field as Pillow reads it (Latin-1); writers put UTF-8 or GBK in it
        value = value.encode("latin-1") if max(value, default="\x00") <= "\xff" else value.encode("utf-8")
    if not isinstance(value, bytes):
        return ""
    if 0x9C9B <= tag <= 0x9C9F:
        return value.decode("utf-16-le", "replace").replace("\x00", "")
    if tag == 0x9286:
        code, body = value[:8], value[8:]
        if code.startswith(b"UNICODE"):  # the header's byte order by the standard; many writers use LE anyway
            if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
                return body.decode("utf-16", "replace").replace("\x00", "")
            orders = ("utf-16-le", "utf-16-be") if little else ("utf-16-be", "utf-16-le")
            texts = [body.decode(order, "replace").replace("\x00", "") for order in orders]
            return max(texts, key=_plausible)
        if code.startswith(b"JIS"):
            return body.decode("shift_jis", "replace")
        return _text_bytes(body)
    return _text_bytes(value)


def _plausible(text: str) -> int:
    """How many characters are of the kinds documents are written in (to tell a byte order)."""
    return sum(1 for ch in text if " " <= ch <= "~" or "\u3000" <= ch <= "\u303f" or "\u4e00" <= ch <= "\u9fff"
               or "\uff00" <= ch <= "\uffef")


def _text_bytes(data: bytes) -> str:
    data = data.rstrip(b"\x00")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _iptc(seg: bytes) -> Iterator[Chunk]:
    """Photoshop image resources (APP13): the IPTC-IIM record in resource 0x0404."""
    i = seg.find(b"8BIM")
    while i >= 0 and i + 12 <= len(seg):
        (rid,) = struct.unpack(">H", seg[i + 4:i + 6])
        name_len = seg[i + 6]
        j = i + 6 + ((name_len + 2) & ~1)
        (size,) = struct.unpack(">I", seg[j:j + 4])
        body = seg[j + 4:j + 4 + size]
        if rid == 0x0404:
            yield from _iptc_records(body)
        i = seg.find(b"8BIM", j + 4 + size + (size & 1))


_IPTC_NAMES = {5: "标题（ObjectName）", 25: "关键词", 40: "特别说明", 80: "作者", 85: "作者职务", 90: "城市",
               101: "国家", 105: "大标题（Headline）", 110: "来源", 115: "出处", 116: "版权", 120: "说明（Caption）",
               122: "说明作者"}


def _iptc_records(body: bytes) -> Iterator[Chunk]:
    i = 0
    while i + 5 <= len(body) and body[i] == 0x1C:
        record, dataset = body[i + 1], body[i + 2]
        (size,) = struct.unpack(">H", body[i + 3:i + 5])
        value = body[i + 5:i + 5 + size]
        if record == 2 and dataset in _IPTC_NAMES:
            yield Chunk(f"IPTC {_IPTC_NAMES[dataset]}", _text_bytes(value))
        i += 5 + size


def _inflate_text(data: bytes, budget: _Budget) -> bytes:
    limit = budget.limits.embedded_bytes
    d = zlib.decompressobj()
    out = d.decompress(data, limit + 1)
    if len(out) > limit:
        raise TooBig(f"图片中的压缩文本解压后超过 {_mb(limit)}（疑似压缩炸弹）")
    budget.spend(len(out))
    return out


def _png(data: bytes, budget: _Budget) -> Iterator[Chunk]:
    i = 8
    while i + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[i:i + 8])
        if i + 12 + length > len(data):
            raise Unreadable("PNG 文件不完整（数据块超出文件末尾）")
        body = data[i + 8:i + 8 + length]
        i += 12 + length
        if ctype == b"IEND":
            break
        try:
            if ctype == b"tEXt":
                key, _, text = body.partition(b"\x00")
                yield Chunk(f"PNG 文本（{_text_bytes(key)}）", _text_bytes(text))
            elif ctype == b"zTXt":
                key, _, rest = body.partition(b"\x00")
                yield Chunk(f"PNG 文本（{_text_bytes(key)}）", _text_bytes(_inflate_text(rest[1:], budget)))
            elif ctype == b"iTXt":
                yield from _itxt(body, budget)
            elif ctype == b"eXIf":
                yield from _exif(body, budget)
        except zlib.error as exc:
            raise Unreadable(f"PNG 文本块已损坏（{exc}）") from None


def _itxt(body: bytes, budget: _Budget) -> Iterator[Chunk]:
    key, _, rest = body.partition(b"\x00")
    compressed = rest[:1] == b"\x01"
    lang, _, rest = rest[2:].partition(b"\x00")
    translated, _, text = rest.partition(b"\x00")
    raw = _inflate_text(text, budget) if compressed else text
    name = key.decode("latin-1")
    if name == "XML:com.adobe.xmp":
        yield from _xmp(raw, "XMP 元数据", budget)
        return
    if translated.strip():
        yield Chunk(f"PNG 文本（{name}）的译名", translated.decode("utf-8", "replace"))
    yield Chunk(f"PNG 文本（{name}）", raw.decode("utf-8", "replace"))


def _gif(data: bytes, budget: _Budget) -> Iterator[Chunk]:
    def blocks(i: int) -> tuple[bytes, int]:
        out = bytearray()
        while i < len(data) and data[i]:
            out += data[i:i + 1 + data[i]]
            i += 1 + data[i]
        return bytes(out), i + 1

    flags = data[10]
    i = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    while i < len(data):
        block = data[i]
        if block == 0x3B:
            break
        if block == 0x21:
            label = data[i + 1]
            if label == 0xFF:
                ident = data[i + 3:i + 14]
                raw, i = blocks(i + 14)
                if ident == b"XMP DataXMP":
                    yield from _xmp(raw[:raw.rfind(b">") + 1] if b">" in raw else raw, "XMP 元数据", budget)
                continue
            raw, i = blocks(i + 2)
            if label == 0xFE:
                yield Chunk("GIF 注释", _text_bytes(_unblock(raw)))
        elif block == 0x2C:
            flags = data[i + 9]
            i += 10 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0) + 1
            _, i = blocks(i)
        else:
            break


def _unblock(raw: bytes) -> bytes:
    """Sub-block data without the length bytes."""
    out, i = bytearray(), 0
    while i < len(raw):
        out += raw[i + 1:i + 1 + raw[i]]
        i += 1 + raw[i]
    return bytes(out)


def _webp(data: bytes, budget: _Budget) -> Iterator[Chunk]:
    i = 12
    while i + 8 <= len(data):
        ctype, size = data[i:i + 4], struct.unpack("<I", data[i + 4:i + 8])[0]
        body = data[i + 8:i + 8 + size]
        if ctype == b"EXIF":
            yield from _exif(body[6:] if body.startswith(b"Exif\x00\x00") else body, budget)
        elif ctype == b"XMP ":
            yield from _xmp(body, "XMP 元数据", budget)
        i += 8 + size + (size & 1)


def _tiff(data: bytes, budget: _Budget) -> Iterator[Chunk]:
    yield from _exif(data, budget)
