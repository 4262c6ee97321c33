"""Bounded resources: bombs, lies and malformed files end in a clear error finding (file, rule id, what,
how to fix), never a crash, a hang or a traceback. Bombs here are small; the limits are lowered to
prove the logic (bench/bench_attachments.py runs the real sizes)."""
from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pypdf
import pytest

from checks import extract
from portal.errors import Finding
from tests.checks_secrecy.test_extract_office import (
    CT,
    MARK,
    R,
    findings,
    nested_docx,
    para,
    rules,
    word,
)

SMALL = extract.Limits(member_bytes=1_000_000, total_bytes=3_000_000, members=50, embedded_bytes=500_000)


def read(tmp_path: Path, name: str, data: bytes, limits: extract.Limits = SMALL) -> list[extract.Chunk]:
    path = tmp_path / name
    path.write_bytes(data)
    return extract.chunks(path, limits)


def error(found: list[Finding]) -> Finding:
    assert [(f.rule, f.severity) for f in found] == [("SEC-ATTACHMENT-UNREADABLE", "error")], found
    assert "Traceback" not in found[0].message and "accepted.yml" in found[0].message
    return found[0]


def bomb(size: int) -> bytes:
    """A .docx whose document part inflates to `size` bytes of paragraphs (compression ~ 1:300)."""
    body = para("防汛") * (size // 60)
    return word(body)


def test_member_inflating_past_the_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(extract.TooBig, match="解压后超过"):
        read(tmp_path, "a.docx", bomb(2_000_000))


def test_limit_counts_bytes_produced_not_the_declared_size(tmp_path: Path) -> None:
    """The central directory says the part is 100 bytes: the inflated bytes are counted anyway."""
    data = bytearray(bomb(2_000_000))
    at = data.find(b"PK\x01\x02")
    while at >= 0:  # every central directory entry and local header claims 100 bytes
        name_len = struct.unpack("<H", data[at + 28:at + 30])[0]
        if data[at + 46:at + 46 + name_len] == b"word/main-part.xml":
            data[at + 24:at + 28] = struct.pack("<I", 100)
            (local,) = struct.unpack("<I", data[at + 42:at + 46])
            data[local + 22:local + 26] = struct.pack("<I", 100)
        at = data.find(b"PK\x01\x02", at + 4)
    with pytest.raises(extract.Unreadable):
        read(tmp_path, "a.docx", bytes(data))


def test_total_of_all_members_is_limited(tmp_path: Path) -> None:
    """Each part is under the per-part limit; together they pass the total."""
    extra = {f"word/h{i}.xml": ("header", CT + "wordprocessingml.header+xml",
                                f'<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                                f"{para('页眉') * 3_000}</w:hdr>") for i in range(5)}
    with pytest.raises(extract.TooBig, match="解压出的内容超过"):
        read(tmp_path, "a.docx", word(para("正文"), extra), extract.Limits(member_bytes=200_000, total_bytes=500_000))


def test_member_count_is_limited_before_the_directory_is_read(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for i in range(60):
            zf.writestr(f"m{i}.xml", "<a/>")
    with pytest.raises(extract.TooBig, match="60 个成员"):
        read(tmp_path, "a.docx", out.getvalue())


def test_entity_bomb_is_refused(tmp_path: Path) -> None:
    lol = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "秘密秘密秘密秘密"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
           '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           "<w:p><w:r><w:t>&c;</w:t></w:r></w:p></w:body></w:document>")
    data = word(para("正文"), {"word/h.xml": ("header", CT + "wordprocessingml.header+xml", lol)})
    with pytest.raises(extract.Unreadable, match="DTD"):
        read(tmp_path, "a.docx", data)


def test_external_entity_is_never_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(MARK, encoding="utf-8")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           "<w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>")
    data = word(para("正文"), {"word/h.xml": ("footer", CT + "wordprocessingml.footer+xml", xxe)})
    with pytest.raises(extract.Unreadable, match="DTD"):
        read(tmp_path, "a.docx", data)


def test_deep_xml_nesting_is_read_without_recursion(tmp_path: Path) -> None:
    deep = "<w:sdt>" * 5000 + para(MARK) + "</w:sdt>" * 5000
    assert rules(tmp_path, "a.docx", word(deep)) == {"SEC-MARKING"}


def test_documents_nested_too_deep_are_refused(tmp_path: Path) -> None:
    data = nested_docx(MARK)
    for _ in range(3):
        data = word('<w:altChunk r:id="{rid1}"/>', {"word/inner.docx": ("aFChunk", "application/octet-stream", data)})
    with pytest.raises(extract.TooBig, match="文件套文件超过 3 层"):
        read(tmp_path, "a.docx", data)
    assert rules(tmp_path, "b.docx", word('<w:altChunk r:id="{rid1}"/>', {
        "word/inner.docx": ("aFChunk", "application/octet-stream", nested_docx(MARK))})) == {"SEC-MARKING"}


def test_time_is_limited(tmp_path: Path) -> None:
    with pytest.raises(extract.TooBig, match="用时超过"):
        read(tmp_path, "a.docx", word(para("正文")), extract.Limits(seconds=0))


def test_pdf_page_count_is_limited(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter()
    for _ in range(6):
        writer.add_blank_page(width=100, height=100)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(extract.TooBig, match="6 页"):
        read(tmp_path, "a.pdf", out.getvalue(), extract.Limits(pdf_pages=5))


def test_pdf_stream_bomb_is_refused(tmp_path: Path) -> None:
    """A page content stream that inflates past the limit."""
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(width=100, height=100)
    stream = DecodedStreamObject()
    stream.set_data(b"BT (x) Tj ET\n" * 200_000)
    stream = stream.flate_encode()
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(extract.TooBig, match="第 1 页超过读取上限"):
        read(tmp_path, "a.pdf", out.getvalue(), extract.Limits(pdf_stream_bytes=1_000_000))


def test_a_bomb_is_an_error_finding_with_what_and_how_to_fix(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "LIMITS", SMALL)
    found = error(findings(tmp_path, "bomb.docx", bomb(2_000_000)))
    assert found.path == "content/news/files/bomb.docx" and (found.line, found.column) == (1, 1)
    assert "附件超出检查的资源上限" in found.message and "拆分" in found.message


def test_acceptance_is_for_this_content_only(tmp_path: Path) -> None:
    """The fingerprint carries the file's hash: a replaced file needs a new accepted.yml entry."""
    first = findings(tmp_path, "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\0\0")
    second = findings(tmp_path, "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\0\0\0")
    assert [f.rule for f in first] == [f.rule for f in second] == ["SEC-ATTACHMENT-UNSCANNED"]
    assert first[0].fingerprint != second[0].fingerprint
    assert "Word 97-2003" in first[0].message


def test_encrypted_office_document_is_an_error(tmp_path: Path) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le") + b"\0\0"
    assert "打开密码" in error(findings(tmp_path, "mima.docx", data)).message


@pytest.mark.parametrize(("name", "data"), [
    ("cut.docx", None),
    ("garbage.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 20),
    ("no-main.docx", "package"),
    ("bad-part.xlsx", "bad"),
    ("truncated.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00"),
    ("zip-in-disguise.pdf", b"PK\x03\x04" + b"\x00" * 26),
])
def test_malformed_files_are_error_findings(tmp_path: Path, name: str, data: object) -> None:
    if data is None:
        full = word(para(MARK))
        data = full[:len(full) // 2]
    elif data == "package":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("[Content_Types].xml", "<Types/>")
            zf.writestr("word/document.xml", "<w:document/>")
        data = out.getvalue()
    elif data == "bad":
        data = word("<w:p><w:r><w:t>未闭合</w:r></w:p>")
    assert isinstance(data, bytes)
    found = findings(tmp_path, name, data)
    assert [f.severity for f in found] == ["error"] and found[0].rule.startswith("SEC-ATTACHMENT-")
    assert "Traceback" not in found[0].message


def test_relationship_outside_the_package_is_ignored(tmp_path: Path) -> None:
    data = word(para("正文"), {"word/../../../etc/passwd": ("header", CT + "wordprocessingml.header+xml", "<x/>")})
    assert read(tmp_path, "a.docx", data, extract.LIMITS)[0].text == "正文"


def test_unknown_relationship_to_missing_part_is_ignored(tmp_path: Path) -> None:
    """A dangling relationship (Word repairs it silently) does not stop the reading."""
    data = word(para(MARK))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as zf:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "word/_rels/main-part.xml.rels":
                body = body.replace(b"</Relationships>", f'<Relationship Id="x" Type="{R}/header" '
                                    'Target="missing.xml"/></Relationships>'.encode())
            zf.writestr(info, body)
    assert rules(tmp_path, "a.docx", out.getvalue()) == {"SEC-MARKING"}


def test_a_file_full_of_markings_is_listed_up_to_a_bound(tmp_path: Path) -> None:
    found = findings(tmp_path, "a.txt", f"{MARK}\n".encode() * 5000)
    assert len(found) == 101 and all(f.severity == "error" for f in found)
    assert "超过 100 处" in found[-1].message and (found[-1].line, found[-1].column) == (101, 1)


def test_compression_ratio_of_a_bomb_stops_it_early(tmp_path: Path) -> None:
    with pytest.raises(extract.TooBig, match="压缩比超过 100:1"):
        read(tmp_path, "a.docx", bomb(2_000_000), extract.Limits(ratio_after=200_000))


@pytest.mark.parametrize("claimed", [60_000, 50_000_000])
def test_entry_count_claimed_by_the_end_record_is_checked_first(tmp_path: Path, claimed: int) -> None:
    data = bytearray(word(para("正文")))
    at = data.rfind(b"PK\x05\x06")
    if claimed < 0xFFFF:
        data[at + 8:at + 12] = struct.pack("<HH", claimed, claimed)
        raw = bytes(data)
    else:  # Zip64: the end record points to a Zip64 record holding the count
        data[at + 8:at + 12] = b"\xff\xff\xff\xff"
        record = (b"PK\x06\x06" + struct.pack("<QHHII", 44, 45, 45, 0, 0) + struct.pack("<QQQQ", claimed, claimed, 1000, 0))
        locator = b"PK\x06\x07" + struct.pack("<IQI", 0, at, 1)
        raw = bytes(data[:at]) + record + locator + bytes(data[at:])
    with pytest.raises(extract.TooBig, match=f"{claimed} 个成员"):
        read(tmp_path, "a.docx", raw)


def test_a_part_with_too_many_relationships_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "MAX_ENTRIES", 20)
    data = word(para("正文"))
    many = "".join(f'<Relationship Id="r{i}" Type="{R}/footer" Target="main-part.xml"/>' for i in range(25))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as zf:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "word/_rels/main-part.xml.rels":
                body = body.replace(b"</Relationships>", many.encode() + b"</Relationships>")
            zf.writestr(info, body)
    with pytest.raises(extract.TooBig, match="超过 20 个关系"):
        read(tmp_path, "a.docx", out.getvalue(), extract.LIMITS)
