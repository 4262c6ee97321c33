"""Attachments: real files of every kind, renamed executables and archives, GPS in photos."""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from checks import attachments

from .conftest import item_text, rules_of

ITEM = "content/news/2026-06-03-item.md"


def image(fmt: str, gps: bool = False) -> bytes:
    img = Image.new("RGB", (16, 16), "red")
    exif = Image.Exif()
    exif[0x010F] = "Camera"
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: (30.0, 15.0, 10.0), 3: "E", 4: (120.0, 10.0, 5.0)})
    out = io.BytesIO()
    img.save(out, fmt, **({"exif": exif} if fmt in ("JPEG", "PNG") else {}))
    return out.getvalue()


def container(*members: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in members:
            zf.writestr(name, "<xml/>")
    return out.getvalue()


PDF = image("PDF")
DOCX = container("[Content_Types].xml", "word/document.xml")
XLSX = container("[Content_Types].xml", "xl/workbook.xml")
OFD = container("OFD.xml", "Doc_0/Document.xml")
OLE = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 52 + b"\x40\0\0\0" + b"PE\0\0" + b"\0" * 200
ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 100
RAR = b"Rar!\x1a\x07\x01\x00" + b"\0" * 40
GZIP = b"\x1f\x8b\x08\x00" + b"\0" * 40

CASES = [
    # (files under content/news/files/, attachments entries, expected)
    ({"a.pdf": PDF}, ["files/a.pdf"], []),
    ({"a.docx": DOCX, "b.xlsx": XLSX, "c.ofd": OFD}, ["files/a.docx", "files/b.xlsx", "files/c.ofd"], []),
    ({"a.doc": OLE, "b.xls": OLE, "c.wps": OLE, "d.et": DOCX}, ["files/a.doc", "files/b.xls", "files/c.wps", "files/d.et"],
     []),
    ({"a.jpg": image("JPEG"), "b.png": image("PNG"), "c.gif": image("GIF"), "d.jpeg": image("JPEG")},
     ["files/a.jpg", "files/b.png", "files/c.gif", "files/d.jpeg"], []),
    ({"a.txt": "说明".encode(), "b.csv": "单位,数量\n青山县,12\n".encode("gb18030")}, ["files/a.txt", "files/b.csv"], []),
    ({"a.pdf": PDF}, [{"file": "files/a.pdf", "title": "附件1：检查表"}], []),
    ({"a.pdf": PDF}, ["content/news/files/a.pdf"], []),
    # refused by extension
    ({"a.zip": container("x.txt")}, ["files/a.zip"], ["ATT-ARCHIVE"]),
    ({"a.rar": RAR}, ["files/a.rar"], ["ATT-ARCHIVE"]),
    ({"a.exe": EXE}, ["files/a.exe"], ["ATT-EXECUTABLE"]),
    ({"a.bat": b"@echo off\r\n"}, ["files/a.bat"], ["ATT-EXECUTABLE"]),
    ({"a.docm": DOCX}, ["files/a.docm"], ["ATT-EXECUTABLE"]),
    ({"a.pptx": DOCX}, ["files/a.pptx"], ["ATT-TYPE"]),
    ({"README": b"text"}, ["files/README"], ["ATT-TYPE"]),
    # refused by content: renamed executables and archives
    ({"report.pdf": EXE}, ["files/report.pdf"], ["ATT-EXECUTABLE"]),
    ({"notes.txt": EXE}, ["files/notes.txt"], ["ATT-EXECUTABLE"]),
    ({"photo.png": ELF}, ["files/photo.png"], ["ATT-EXECUTABLE"]),
    ({"a.pdf": RAR}, ["files/a.pdf"], ["ATT-ARCHIVE"]),
    ({"a.jpg": GZIP}, ["files/a.jpg"], ["ATT-ARCHIVE"]),
    ({"a.docx": container("setup.exe", "readme.txt")}, ["files/a.docx"], ["ATT-ARCHIVE"]),
    ({"a.docx": container("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin")}, ["files/a.docx"],
     ["ATT-EXECUTABLE"]),
    ({"a.pdf": image("PNG")}, ["files/a.pdf"], ["ATT-MISMATCH"]),
    ({"a.txt": b"abc\0def"}, ["files/a.txt"], ["ATT-MISMATCH"]),
    ({"a.docx": b"PK\x03\x04broken"}, ["files/a.docx"], ["ATT-MISMATCH"]),
    ({"a.pdf": b""}, ["files/a.pdf"], ["ATT-EMPTY"]),
    ({"a.txt": "MZ 开头的普通文本".encode()}, ["files/a.txt"], []),
    # GPS in photos
    ({"a.jpg": image("JPEG", gps=True)}, ["files/a.jpg"], ["ATT-GPS"]),
    ({"a.png": image("PNG", gps=True)}, ["files/a.png"], ["ATT-GPS"]),
    # where the file is
    ({}, ["files/missing.pdf"], ["ATT-MISSING"]),
    ({"a.pdf": PDF}, ["files/A.pdf"], ["ATT-MISSING", "ATT-UNREFERENCED"]),
    ({"bomb.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 8 + b"IHDR" + bytes.fromhex("0000ffff0000ffff") + b"\x08\x02\0\0\0"},
     ["files/bomb.png"], ["ATT-MISMATCH"]),
]


def write_files(root: Path, files: dict[str, bytes], column: str = "news") -> None:
    folder = root / "content" / column / "files"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


@pytest.mark.parametrize("ref", ["../../../etc/passwd", "files/../../../roster.yml", "/etc/passwd",
                                 "../disaster/files/a.pdf"])
def test_a_file_outside_the_columns_files_is_refused(run_checks, tmp_portal, ref):
    # named in attachments: the model refuses the path itself; linked from the body: the published
    # view resolves it and the attachments check refuses it
    by_name = run_checks({ITEM: item_text("news", attachments=[ref])}, attachments)
    assert rules_of(by_name) == ["FM-ATTACHMENT-NAME"]
    by_link = run_checks({ITEM: item_text("news", body=f"详见[附件]({ref})。")}, attachments)
    assert rules_of(by_link, "ATT-") == (["ATT-OUTSIDE"] if not ref.startswith("/") else [])


def test_a_name_too_long_for_the_file_system(run_checks, tmp_portal):
    name = "files/" + "长" * 300 + ".pdf"
    assert rules_of(run_checks({ITEM: item_text("news", attachments=[name])}, attachments)) == ["FM-ATTACHMENT-NAME"]
    linked = run_checks({ITEM: item_text("news", body=f"详见[附件]({name})。")}, attachments)
    assert rules_of(linked) == ["ATT-MISSING"]


@pytest.mark.parametrize(("files", "refs", "expected"), CASES)
def test_attachments(run_checks, tmp_portal, files, refs, expected):
    write_files(tmp_portal, files)
    findings = run_checks({ITEM: item_text("news", attachments=refs)}, attachments)
    assert rules_of(findings, "ATT-") == expected, [f.format() for f in findings]
    assert all(f.category == "attachment" for f in findings)


def test_size_limit(run_checks, tmp_portal):
    write_files(tmp_portal, {"big.jpg": image("JPEG") + b"\0" * (5 * 1024 * 1024)})
    (f,) = run_checks({ITEM: item_text("news", attachments=["files/big.jpg"])}, attachments)
    assert f.rule == "ATT-SIZE" and "最大 5 MB" in f.message


def test_symlink_out_of_files_is_refused(run_checks, tmp_portal):
    write_files(tmp_portal, {})
    os.symlink(tmp_portal / "roster.yml", tmp_portal / "content/news/files/roster.txt")
    findings = run_checks({ITEM: item_text("news", attachments=["files/roster.txt"])}, attachments)
    # the model refuses any symlink under content/, the attachments check the reference to it
    assert sorted(rules_of(findings)) == ["ATT-SYMLINK", "FILE-SYMLINK"]


def test_images_in_the_body_are_checked_too(run_checks, tmp_portal):
    write_files(tmp_portal, {"scene.jpg": image("JPEG", gps=True), "plan.pdf": PDF})
    body = "演练现场：\n\n![演练现场](files/scene.jpg)\n\n预案全文见[附件](files/plan.pdf)。"
    (f,) = run_checks({ITEM: item_text("news", body=body)}, attachments)
    line = (tmp_portal / ITEM).read_text(encoding="utf-8").splitlines()[f.line - 1]
    assert f.rule == "ATT-GPS" and line == "![演练现场](files/scene.jpg)" and f.column == len("![演练现场](") + 1
    assert "exiftool" in f.message


def test_finding_points_at_the_attachment_line(run_checks, tmp_portal):
    write_files(tmp_portal, {"a.exe": EXE})
    (f,) = run_checks({ITEM: item_text("news", attachments=["files/a.exe"])}, attachments)
    line = (tmp_portal / ITEM).read_text(encoding="utf-8").splitlines()[f.line - 1]
    assert line.startswith("attachments:") and line[f.column - 1:].startswith("files/a.exe")


def test_unreferenced_files_are_warned_about(run_checks, tmp_portal):
    write_files(tmp_portal, {"used.pdf": PDF, "linked.pdf": PDF, "stray.pdf": PDF})
    items = {ITEM: item_text("news", attachments=["files/used.pdf"]),
             "content/news/2026-06-04-other.md": item_text("news", body="见[附件](files/linked.pdf)。")}
    findings = run_checks(items, attachments)
    assert [(f.path, f.rule, f.severity) for f in findings] == [
        ("content/news/files/stray.pdf", "ATT-UNREFERENCED", "warning")]


def test_partial_run_does_not_guess_what_other_items_reference(run_checks, tmp_portal):
    write_files(tmp_portal, {"used.pdf": PDF, "linked.pdf": PDF})
    items = {ITEM: item_text("news", attachments=["files/used.pdf"]),
             "content/news/2026-06-04-other.md": item_text("news", body="见[附件](files/linked.pdf)。")}
    assert run_checks(items, attachments, paths=[str(tmp_portal / ITEM)]) == []


def test_types_and_sizes_are_data():
    cfg = attachments.settings()
    assert {"pdf", "doc", "docx", "xls", "xlsx", "ofd", "wps", "et", "jpg", "jpeg", "png", "gif", "txt", "csv"} == set(
        cfg.types)
    assert {"zip", "rar", "7z", "tar", "gz"} <= {e for e, k in cfg.refused.items() if k == "archive"}
    assert all(float(t["max_mb"]) > 0 for t in cfg.types.values())
