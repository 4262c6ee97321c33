"""Adversarial attachments: wall time and peak memory of the secrecy check reading each one.

    .venv/bin/python -m bench.bench_attachments [--out bench/out/attachments] [--only NAME ...]

Each input is generated once into --out (kept for later runs), then checked in a new process that
calls `secrecy.attachment_findings` on it, as `portal check` does for every published file, and
reports the wall and processor time of that call and the process's peak RSS (VmHWM, as
resource.getrusage would without the parent's share); the peak before the call (interpreter, rules
and libraries loaded) is shown apart.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

MB = 1024 * 1024
REPO = Path(__file__).resolve().parent.parent
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         '<Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
         'wordprocessingml.document.main+xml"/>{}</Types>')
ROOT_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="word/document.xml"/></Relationships>')
SENTENCE = "云江市应急管理局召开全市防汛工作部署会，通报今年汛期气象趋势，部署防汛物资储备与值班值守工作（第{}段）。"


def _docx_start(zf: zipfile.ZipFile, extra_types: str = "") -> None:
    zf.writestr("[Content_Types].xml", TYPES.format(extra_types))
    zf.writestr("_rels/.rels", ROOT_RELS)


def _stream_part(zf: zipfile.ZipFile, name: str, head: str, piece: Callable[[int], str], size: int, tail: str) -> None:
    """Write a part of about `size` bytes without holding it in memory."""
    with zf.open(name, "w", force_zip64=True) as out:
        out.write(head.encode())
        written, n = 0, 0
        block: list[str] = []
        while written < size:
            text = piece(n)
            block.append(text)
            written += len(text.encode())
            n += 1
            if len(block) == 10_000:
                out.write("".join(block).encode())
                block = []
        out.write(("".join(block) + tail).encode())


def docx_bomb(path: Path) -> str:
    """The issue's case: one document part of the same paragraph, 190 MB inflated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        _docx_start(zf)
        _stream_part(zf, "word/document.xml", f"<w:document {W}><w:body>",
                     lambda n: "<w:p><w:r><w:t>防汛</w:t></w:r></w:p>", 190 * MB, "</w:body></w:document>")
    return "document.xml 解压后 190 MB（同一段落重复）"


def docx_large(path: Path) -> str:
    """A document part just under the per-part limit, every paragraph different: read to the end."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        _docx_start(zf)
        _stream_part(zf, "word/document.xml", f"<w:document {W}><w:body>",
                     lambda n: f"<w:p><w:r><w:t>{SENTENCE.format(n)}</w:t></w:r></w:p>", 60 * MB,
                     "</w:body></w:document>")
    return "document.xml 解压后 60 MB，段落各不相同（全部读完）"


def docx_many_parts(path: Path) -> str:
    """9,000 parts of 1 MB each (zeros compress 1000:1): the total limit stops it."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        _docx_start(zf)
        zf.writestr("word/document.xml", f"<w:document {W}><w:body><w:p/></w:body></w:document>")
        blob = b"<x>" + b" " * (MB - 7) + b"</x>"
        for i in range(9000):
            zf.writestr(f"word/p{i}.xml", blob)
    return "9,000 个部件各解压为 1 MB（共 9 GB）"


def zip_lying_count(path: Path) -> str:
    """A zip whose end record claims 50 million entries."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        _docx_start(zf)
    data = bytearray(out.getvalue())
    at = data.rfind(b"PK\x05\x06")
    data[at + 8:at + 12] = (0xFFFF).to_bytes(2, "little") * 2
    locator = b"PK\x06\x07" + (0).to_bytes(4, "little") + at.to_bytes(8, "little") + (1).to_bytes(4, "little")
    record = (b"PK\x06\x06" + (44).to_bytes(8, "little") + b"\x2d\x00\x2d\x00" + b"\x00" * 8
              + (50_000_000).to_bytes(8, "little") * 2 + (1 << 30).to_bytes(8, "little") + (0).to_bytes(8, "little"))
    path.write_bytes(bytes(data[:at]) + record + locator + bytes(data[at:]))
    return "目录记录声称有 5,000 万个成员"


def entity_bomb(path: Path) -> str:
    levels = "".join(f'<!ENTITY e{i} "{"".join(f"&e{i - 1};" for _ in range(10))}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e0 "秘密秘密">{levels}]>'
           f"<w:document {W}><w:body><w:p><w:r><w:t>&e9;</w:t></w:r></w:p></w:body></w:document>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        _docx_start(zf)
        zf.writestr("word/document.xml", xml)
    return "实体嵌套 10 层（展开后 10^9 个“秘密秘密”）"


def xlsx_large(path: Path) -> str:
    """300,000 text cells through as many shared strings (45 MB of them inflated): read to the end."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    types = ('<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'spreadsheetml.sheet.main+xml"/>')
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{R}/worksheet" Target="sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{R}/sharedStrings" Target="strings.xml"/></Relationships>')
    cells = 300_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", TYPES.format(types).replace("/word/document.xml", "/none.xml"))
        zf.writestr("_rels/.rels", ROOT_RELS.replace("word/document.xml", "xl/workbook.xml"))
        zf.writestr("xl/workbook.xml", f'<workbook {ns} xmlns:r="{R}"><sheets><sheet name="名单" sheetId="1" '
                    'r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        with zf.open("xl/strings.xml", "w", force_zip64=True) as out:
            out.write(f"<sst {ns}>".encode())
            for start in range(0, cells, 10_000):
                out.write("".join(f"<si><t>{SENTENCE.format(n)}</t></si>" for n in range(start, start + 10_000)).encode())
            out.write(b"</sst>")
        with zf.open("xl/sheet1.xml", "w", force_zip64=True) as out:
            out.write(f"<worksheet {ns}><sheetData>".encode())
            for start in range(0, cells, 10_000):
                out.write("".join(f'<row r="{n + 1}"><c r="A{n + 1}" t="s"><v>{n}</v></c></row>'
                                  for n in range(start, start + 10_000)).encode())
            out.write(b"</sheetData></worksheet>")
    return "30 万个文字单元格、30 万条共享字符串（全部读完）"


def _pdf_page_content(n: int) -> bytes:
    lines = [f"BT /F1 9 Tf 40 {800 - 12 * (i % 60)} Td (Public notice page {n} line {i}: flood season duty roster "
             f"and supplies) Tj ET" for i in range(450)]
    return "\n".join(lines).encode()


def pdf_large(path: Path) -> str:
    import pypdf
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = pypdf.PdfWriter()
    font = writer._add_object(DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                                                NameObject("/Subtype"): NameObject("/Type1"),
                                                NameObject("/BaseFont"): NameObject("/Helvetica")}))
    for n in range(1000):
        page = writer.add_blank_page(width=595, height=842)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
        stream = DecodedStreamObject()
        stream.set_data(_pdf_page_content(n))
        page[NameObject("/Contents")] = writer._add_object(stream)
    with path.open("wb") as fh:
        writer.write(fh)
    return "1,000 页文字，内容流不压缩（全部读完）"


def pdf_stream_bomb(path: Path) -> str:
    import pypdf
    from pypdf.generic import NameObject, StreamObject

    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    compressor = zlib.compressobj(9)
    chunk = b"BT (x) Tj ET\n" * 80_000
    data = b"".join(compressor.compress(chunk) for _ in range(1000)) + compressor.flush()
    stream = StreamObject()
    stream._data = data
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    with path.open("wb") as fh:
        writer.write(fh)
    return "一页的内容流解压后 1 GB"


def png_text_bomb(path: Path) -> str:
    import struct

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    data = out.getvalue()
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(b" " * MB) for _ in range(1024)) + compressor.flush()
    chunk = b"Comment\x00\x00" + body
    ztxt = struct.pack(">I", len(chunk)) + b"zTXt" + chunk + struct.pack(">I", zlib.crc32(b"zTXt" + chunk))
    path.write_bytes(data[:33] + ztxt + data[33:])
    return "zTXt 文本块解压后 1 GB"


def jpeg_large(path: Path) -> str:
    from PIL import Image

    exif = Image.Exif()
    exif[0x9C9B] = "云江市防汛物资仓库".encode("utf-16-le") + b"\x00\x00"
    out = io.BytesIO()
    Image.new("RGB", (64, 64)).save(out, "JPEG", exif=exif)
    rng = random.Random(0)
    with path.open("wb") as fh:
        fh.write(out.getvalue()[:-2])  # the scan continues: 50 MB of entropy-coded data, then EOI
        for _ in range(50):
            fh.write(bytes(b for b in rng.randbytes(MB) if b != 0xFF))
        fh.write(b"\xff\xd9")
    return "50 MB 的图片（只读元数据，不解码像素）"


def text_long_line(path: Path) -> str:
    with path.open("w", encoding="utf-8") as fh:
        for n in range(330_000):
            fh.write(SENTENCE.format(n).replace("。", "，"))
    return "一行约 50 MB（1,650 万字），没有换行"


def text_many_hits(path: Path) -> str:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("秘密★1年\n" * 4_000_000)
    return "400 万行，每行一个密级标志"


def text_mentions(path: Path) -> str:
    line = "依照规定，标注为“秘密★1年”的文件不得在互联网发布，应当按照“内部资料”的要求管理。\n"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(line * (50 * MB // len(line.encode())))
    return "50 MB，每行两处提及（不是标志，每处都要判断）"


CASES: dict[str, tuple[str, Callable[[Path], str]]] = {
    "docx-bomb": ("bomb.docx", docx_bomb),
    "docx-60mb-part": ("large.docx", docx_large),
    "docx-many-parts": ("many.docx", docx_many_parts),
    "zip-lying-count": ("count.docx", zip_lying_count),
    "entity-bomb": ("entities.docx", entity_bomb),
    "xlsx-300k-cells": ("cells.xlsx", xlsx_large),
    "pdf-1000-pages": ("pages.pdf", pdf_large),
    "pdf-stream-bomb": ("stream.pdf", pdf_stream_bomb),
    "png-ztxt-bomb": ("text.png", png_text_bomb),
    "jpeg-50mb": ("photo.jpg", jpeg_large),
    "txt-one-line": ("line.txt", text_long_line),
    "txt-many-hits": ("hits.txt", text_many_hits),
    "txt-mentions": ("mentions.txt", text_mentions),
}

PROBE = """
import json, resource, sys, time
from pathlib import Path
from checks import extract, secrecy
rules = secrecy.ruleset()
rules.scan("秘密★1年")
def hwm():  # this process's peak RSS in KB (ru_maxrss may carry the parent's peak over fork and exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
before = resource.getrusage(resource.RUSAGE_SELF)
base = hwm()
start = time.perf_counter()
found = secrecy.attachment_findings(rules, Path(sys.argv[1]), sys.argv[2])
took = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF)
peak = hwm()
cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
print(json.dumps({"seconds": took, "cpu": cpu, "peak_mb": peak / 1024, "base_mb": base / 1024, "findings": len(found),
                  "rules": sorted({f.rule for f in found}), "first": found[0].message[:90] if found else ""},
                 ensure_ascii=False))
"""


def measure(folder: Path, name: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", PROBE, str(folder), name], capture_output=True, text=True,
                          env=env, cwd=REPO, check=True)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "attachments")
    parser.add_argument("--only", nargs="*", choices=list(CASES))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    print("| 输入 | 文件大小 | 构造 | 结果 | 用时（CPU） | 峰值内存（其中启动与载入） |")
    print("|---|---|---|---|---|---|")
    for case in args.only or CASES:
        name, build = CASES[case]
        path = args.out / name
        note_file = path.with_suffix(path.suffix + ".txt")
        if not path.exists() or not note_file.exists():
            note_file.write_text(build(path), encoding="utf-8")
        r = measure(args.out, name)
        outcome = ", ".join(r["rules"]) if r["rules"] else "无结果（通过）"  # type: ignore[arg-type]
        size = path.stat().st_size
        shown = f"{size / MB:.1f} MB" if size >= MB else f"{size / 1024:.0f} KB"
        print(f"| {case} | {shown} | {note_file.read_text(encoding='utf-8')} | {outcome}（{r['findings']} 条）"
              f" | {r['seconds']:.2f} s（{r['cpu']:.2f} s） | {r['peak_mb']:.0f} MB（{r['base_mb']:.0f} MB） |", flush=True)
        if r["first"]:
            print(f"<!-- {case}: {r['first']} -->", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
