"""Images: the text fields of their metadata are scanned (EXIF, Windows XP tags in UTF-16LE, UserComment,
JPEG comments, PNG tEXt/zTXt/iTXt, GIF comments, XMP packets); pixels are never decoded (no OCR). Text
files in UTF-8, UTF-16 (with or without BOM) and GB18030 are read."""
from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from checks import extract
from tests.checks_secrecy.test_extract_office import MARK, PUBLIC, findings, rules

XMP = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt>'
       '<rdf:li xml:lang="x-default">{}</rdf:li></rdf:Alt></dc:title></rdf:Description></rdf:RDF></x:xmpmeta>')


def jpeg(exif: dict[int, object] | None = None, exif_ifd: dict[int, object] | None = None, **save: object) -> bytes:
    data = Image.Exif()
    for tag, value in (exif or {}).items():
        data[tag] = value
    for tag, value in (exif_ifd or {}).items():
        data.get_ifd(0x8769)[tag] = value
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(out, "JPEG", exif=data, **save)
    return out.getvalue()


def with_app1(data: bytes, payload: bytes) -> bytes:
    """A JPEG with one more APP1 segment (XMP) right after SOI."""
    return data[:2] + b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload + data[2:]


def png(build: Callable[[PngImagePlugin.PngInfo], None]) -> bytes:
    info = PngImagePlugin.PngInfo()
    build(info)
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def gif(comment: str) -> bytes:
    out = io.BytesIO()
    Image.new("P", (16, 16)).save(out, "GIF", comment=comment.encode())
    return out.getvalue()


def xp(text: str) -> bytes:
    return text.encode("utf-16-le") + b"\x00\x00"


IMAGE_PLACES: dict[str, tuple[str, Callable[[str], bytes]]] = {
    "EXIF ImageDescription": ("jpg", lambda t: jpeg({0x010E: t.encode()})),
    "EXIF Artist": ("jpg", lambda t: jpeg({0x013B: t.encode()})),
    "EXIF Copyright": ("jpg", lambda t: jpeg({0x8298: t.encode()})),
    "EXIF XPTitle": ("jpg", lambda t: jpeg({0x9C9B: xp(t)})),
    "EXIF XPComment": ("jpg", lambda t: jpeg({0x9C9C: xp(t)})),
    "EXIF XPKeywords": ("jpg", lambda t: jpeg({0x9C9E: xp(t)})),
    "EXIF XPSubject": ("jpg", lambda t: jpeg({0x9C9F: xp(t)})),
    "EXIF XPAuthor": ("jpg", lambda t: jpeg({0x9C9D: xp(t)})),
    "EXIF UserComment": ("jpg", lambda t: jpeg(exif_ifd={0x9286: b"UNICODE\x00" + t.encode("utf-16-le")})),
    "JPEG comment": ("jpg", lambda t: jpeg(comment=t.encode())),
    "JPEG XMP": ("jpg", lambda t: with_app1(jpeg(), b"http://ns.adobe.com/xap/1.0/\x00" + XMP.format(t).encode())),
    "PNG tEXt": ("png", lambda t: png(lambda i: i.add_text("Title", t))),
    "PNG zTXt": ("png", lambda t: png(lambda i: i.add_text("Comment", t, zip=True))),
    "PNG iTXt": ("png", lambda t: png(lambda i: i.add_itxt("Description", t, lang="zh-CN", tkey="说明"))),
    "PNG compressed iTXt": ("png", lambda t: png(lambda i: i.add_itxt("Description", t, zip=True))),
    "PNG XMP": ("png", lambda t: png(lambda i: i.add_itxt("XML:com.adobe.xmp", XMP.format(t)))),
    "PNG EXIF": ("png", lambda t: _png_exif(t)),
    "GIF comment": ("gif", lambda t: gif(t)),
}


def _png_exif(text: str) -> bytes:
    exif = Image.Exif()
    exif[0x9C9B] = xp(text)
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, "PNG", exif=exif)
    return out.getvalue()


@pytest.mark.parametrize("place", IMAGE_PLACES)
def test_image_metadata_marking_is_found(tmp_path: Path, place: str) -> None:
    ext, build = IMAGE_PLACES[place]
    assert rules(tmp_path, f"tu.{ext}", build(MARK)) == {"SEC-MARKING"}


@pytest.mark.parametrize("place", IMAGE_PLACES)
def test_image_metadata_public_text_passes(tmp_path: Path, place: str) -> None:
    ext, build = IMAGE_PLACES[place]
    assert findings(tmp_path, f"tu.{ext}", build(PUBLIC)) == []


def test_picture_inside_a_word_document_has_its_metadata_read(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_picture(io.BytesIO(IMAGE_PLACES["PNG tEXt"][1](MARK)))
    out = io.BytesIO()
    d.save(out)
    found = findings(tmp_path, "a.docx", out.getvalue())
    assert [f.rule for f in found] == ["SEC-MARKING"]
    assert "图片（word/media/image1.png）的PNG 文本（Title）" in found[0].message


def test_image_pixels_are_not_decoded(tmp_path: Path) -> None:
    """A huge canvas with small data: only the metadata is read (Pillow would refuse it as a bomb)."""
    data = bytearray(png(lambda i: i.add_text("Title", "防汛")))
    data[16:24] = (60000).to_bytes(4, "big") * 2  # IHDR width and height
    path = tmp_path / "big.png"
    path.write_bytes(bytes(data))
    assert [c.text for c in extract.chunks(path)] == ["防汛"]


ENCODINGS = {"utf-8": "utf-8", "utf-8 with BOM": "utf-8-sig", "utf-16 with BOM": "utf-16",
             "utf-16le without BOM": "utf-16-le", "utf-16be without BOM": "utf-16-be", "gb18030": "gb18030"}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_text_file_encodings(tmp_path: Path, encoding: str) -> None:
    text = "序号,物资\n1,编织袋\n{}\n"
    found = findings(tmp_path, "a.csv", text.format(MARK).encode(ENCODINGS[encoding]))
    assert [(f.rule, f.line, f.column) for f in found] == [("SEC-MARKING", 3, 1)]
    assert findings(tmp_path, "b.csv", text.format(PUBLIC).encode(ENCODINGS[encoding])) == []


def test_text_that_is_no_known_encoding_is_an_error(tmp_path: Path) -> None:
    found = findings(tmp_path, "a.txt", b"\x81\x30\xff\xfe\x80" * 10)
    assert [(f.rule, f.severity) for f in found] == [("SEC-ATTACHMENT-UNREADABLE", "error")]


def test_very_long_line_is_read_in_pieces_with_the_right_column(tmp_path: Path) -> None:
    line = "防汛。" * 40_000 + MARK
    found = findings(tmp_path, "a.txt", f"标题\n{line}\n".encode())
    assert [(f.rule, f.line, f.column) for f in found] == [("SEC-MARKING", 2, 120_001)]
