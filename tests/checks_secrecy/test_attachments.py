"""Attachments are published too: real .docx, .xlsx and .pdf files made here, with markings where
nobody looks (a comment, a tracked change, a header, the document properties, a hidden sheet, PDF
metadata), are caught; clean ones pass; a file that cannot be read is a clear finding."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import openpyxl
import pypdf
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from checks import extract
from portal.errors import Finding

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")  # fonts-noto-cjk, installed by .ci/run
CLEAN = ["云江市应急管理局关于做好2026年汛期防汛工作的通知", "各县（区）应急管理局：", "现将有关事项通知如下。"]


def word(body: list[str] = CLEAN, *, header: str = "", footer: str = "", comment: str = "", inserted: str = "",
         deleted: str = "", title: str = "云江市应急管理局文件", table: str = "") -> bytes:
    d = docx.Document()
    for text in body:
        d.add_paragraph(text)
    if header:
        d.sections[0].header.paragraphs[0].text = header
    if footer:
        d.sections[0].footer.paragraphs[0].text = footer
    if comment:
        d.add_comment(d.paragraphs[0].runs, text=comment, author="审核人")
    for tag, text, text_tag in (("w:ins", inserted, "w:t"), ("w:del", deleted, "w:delText")):
        if text:  # a tracked change: <w:ins|w:del w:author=…><w:r><w:t|w:delText>…</…></w:r></…>
            change = OxmlElement(tag)
            change.set(qn("w:id"), "1")
            change.set(qn("w:author"), "起草人")
            change.set(qn("w:date"), "2026-06-01T09:00:00Z")
            run, t = OxmlElement("w:r"), OxmlElement(text_tag)
            t.text = text
            run.append(t)
            change.append(run)
            d.add_paragraph()._p.append(change)
    if table:
        d.add_table(rows=1, cols=2).rows[0].cells[1].text = table
    d.core_properties.title = title
    d.core_properties.author = "云江市应急管理局"
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def workbook(*, hidden: str = "", very_hidden_cell: str = "", comment: str = "", title: str = "防汛物资清单") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "物资清单"
    ws.append(["物资名称", "数量", "存放地点"])
    ws.append(["编织袋", 20000, "市防汛物资仓库"])
    if hidden:
        wb.create_sheet(hidden).sheet_state = "hidden"
    if very_hidden_cell:
        extra = wb.create_sheet("备注")
        extra["C7"] = very_hidden_cell
        extra.sheet_state = "veryHidden"
    if comment:
        ws["A2"].comment = openpyxl.comments.Comment(comment, "审核人")
    wb.properties.title = title
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pdf_text(lines: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("noto", fname=str(FONT), collection_font_number=2)
    pdf.add_page()
    pdf.set_font("noto", size=12)
    pdf.multi_cell(0, 8, "\n".join(lines))
    return bytes(pdf.output())


def pdf_metadata(**meta: str) -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({f"/{k}": v for k, v in meta.items()})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def attach(tmp_portal: Path, item: Callable[..., Path]) -> Callable[[str, bytes], Path]:
    """Write content/news/files/<name> and an item whose attachments list it."""

    def write(name: str, data: bytes) -> Path:
        path = tmp_portal / "content" / "news" / "files" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        item(attachments=f"[files/{name}]")
        return path

    return write


def summary(found: list[Finding]) -> list[tuple[str, str, int, int]]:
    return [(f.path.rpartition("/")[2], f.rule, f.line, f.column) for f in found]


DOCX_CASES = {
    "comment": (dict(comment="秘密★1年"), "SEC-MARKING", "批注（word/comments.xml）"),
    "inserted": (dict(inserted="内部资料"), "SEC-INTERNAL", "正文（word/document.xml）第 4 段"),
    "deleted": (dict(deleted="机密★10年"), "SEC-MARKING", "第 4 段修订中删除的文字"),
    "header": (dict(header="内部资料　注意保存"), "SEC-INTERNAL", "页眉（word/header1.xml）"),
    "footer": (dict(footer="（此件不公开）"), "SEC-NOT-PUBLIC", "页脚（word/footer1.xml）"),
    "title": (dict(title="秘密★1年 关于防汛的通知"), "SEC-MARKING", "文档属性 title"),
    "table": (dict(table="秘密"), "SEC-LEVEL", "正文（word/document.xml）"),
    "body": (dict(body=["机密★5年"] + CLEAN), "SEC-MARKING", "第 1 段"),
}


@pytest.mark.parametrize("case", DOCX_CASES)
def test_docx_marking_is_caught(attach: Callable[[str, bytes], Path], findings: Callable[[], list[Finding]],
                                case: str) -> None:
    kwargs, rule, where = DOCX_CASES[case]
    attach("tongzhi.docx", word(**kwargs))  # type: ignore[arg-type]
    found = findings()
    assert {(f.path, f.rule, f.category) for f in found} == {("content/news/files/tongzhi.docx", rule, "secrecy")}
    assert where in found[0].message.split("（附件", 1)[1], found[0].message


def test_clean_docx_passes(attach: Callable[[str, bytes], Path], findings: Callable[[], list[Finding]]) -> None:
    attach("tongzhi.docx", word(header="云江市应急管理局", footer="第 1 页", comment="请核对数字",
                                inserted="（此件公开发布）", deleted="原稿"))
    assert findings() == []


def test_docx_tracked_change_and_comment_are_read() -> None:
    data = word(comment="请删去“内部资料”字样", inserted="新增的句子", deleted="删掉的句子")
    path = Path(__import__("tempfile").mkdtemp()) / "a.docx"
    path.write_bytes(data)
    texts = {(c.where.split("（")[0], c.text) for c in extract.chunks(path)}
    assert {("批注", "请删去“内部资料”字样"), ("正文", "新增的句子"), ("正文", "删掉的句子")} <= texts


XLSX_CASES = {
    "hidden sheet name": (dict(hidden="机密★10年"), "SEC-MARKING", "工作表“机密★10年”（隐藏）的名称", 1),
    "very hidden cell": (dict(very_hidden_cell="内部资料"), "SEC-INTERNAL", "工作表“备注”（深度隐藏）单元格 C7", 7),
    "comment": (dict(comment="工作秘密"), "SEC-INTERNAL", "工作表“物资清单”单元格 A2 的批注", 2),
    "properties": (dict(title="秘密★6个月"), "SEC-MARKING", "文档属性 title", 1),
}


@pytest.mark.parametrize("case", XLSX_CASES)
def test_xlsx_marking_is_caught(attach: Callable[[str, bytes], Path], findings: Callable[[], list[Finding]],
                                case: str) -> None:
    kwargs, rule, where, line = XLSX_CASES[case]
    attach("qingdan.xlsx", workbook(**kwargs))  # type: ignore[arg-type]
    found = findings()
    assert [(f.path, f.rule, f.line) for f in found] == [("content/news/files/qingdan.xlsx", rule, line)]
    assert f"（附件{where}）" in found[0].message, found[0].message


def test_clean_xlsx_passes(attach: Callable[[str, bytes], Path], findings: Callable[[], list[Finding]]) -> None:
    attach("qingdan.xlsx", workbook(hidden="计算过程", comment="数量以入库单为准"))
    assert findings() == []


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    """Made once: embedding the CJK font takes a second."""
    return {"marked": pdf_text(["内部资料", "关于做好防汛工作的通知", "附：机密★5年文件目录"]),
            "clean": pdf_text(CLEAN + ["严格执行保守国家秘密法，涉密信息不得上网。"])}


def test_pdf_text_is_scanned(attach: Callable[[str, bytes], Path], findings: Callable[[], list[Finding]],
                             pdfs: dict[str, bytes]) -> None:
    attach("mingdan.pdf", pdfs["marked"])
    found = findings()
    assert summary(found) == [("mingdan.pdf", "SEC-INTERNAL", 1, 1), ("mingdan.pdf", "SEC-MARKING", 3, 3)]
    assert all("（附件第 1 页）" in f.message for f in found)


def test_clean_pdf_passes(attach: Callable[[str, bytes], Path], findings: Callable[[], list[Finding]],
                          pdfs: dict[str, bytes]) -> None:
    attach("mingdan.pdf", pdfs["clean"])
    assert findings() == []


def test_pdf_metadata_is_scanned(attach: Callable[[str, bytes], Path], findings: Callable[[], list[Finding]]) -> None:
    attach("mingdan.pdf", pdf_metadata(Title="许可名单", Subject="秘密★1年", Keywords="内部资料"))
    found = findings()
    assert summary(found) == [("mingdan.pdf", "SEC-INTERNAL", 1, 1), ("mingdan.pdf", "SEC-MARKING", 1, 1)]
    assert sorted(f.message.split("（附件")[1].split("）")[0] for f in found) == ["文档属性 Keywords", "文档属性 Subject"]


def test_file_name_of_an_attachment_is_scanned(tmp_portal: Path, attach: Callable[[str, bytes], Path],
                                               findings: Callable[[], list[Finding]]) -> None:
    attach("内部资料.txt", "防汛物资清单".encode())
    assert summary(findings()) == [("内部资料.txt", "SEC-INTERNAL", 1, 1)]


def test_text_attachment_is_scanned(attach: Callable[[str, bytes], Path], findings: Callable[[], list[Finding]]) -> None:
    attach("qingdan.csv", "物资,数量\n编织袋,20000\n\n机密★1年,\n".encode("gb18030"))
    assert summary(findings()) == [("qingdan.csv", "SEC-MARKING", 4, 1)]


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("broken.docx", b"PK\x03\x04" + b"\x00" * 40, "ZIP 结构损坏"),
    ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n", "无法按 PDF 读取"),
    ("plain.docx", b"just some text, not a document", "文件内容不是 .docx 格式"),
    ("empty-zip.xlsx", None, "缺少 .xlsx 文档应有的内容"),
    ("bad-xml.docx", None, "无法按 Word 文档打开"),
])
def test_unreadable_attachment_is_a_clear_finding(attach: Callable[[str, bytes], Path],
                                                  findings: Callable[[], list[Finding]], name: str,
                                                  data: bytes | None, reason: str) -> None:
    if data is None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("hello.txt", "hi")
            if name == "bad-xml.docx":
                zf.writestr("[Content_Types].xml", "<Types/>")
                zf.writestr("word/document.xml", "<w:document><unclosed>")
        data = out.getvalue()
    attach(name, data)
    found = findings()
    assert [(f.rule, f.severity) for f in found] == [("SEC-ATTACHMENT-UNREADABLE", "error")]
    assert reason in found[0].message and "Traceback" not in found[0].message


def test_old_binary_office_file_is_an_error(attach: Callable[[str, bytes], Path],
                                            findings: Callable[[], list[Finding]]) -> None:
    """Its text cannot be read here, so it is not published unless accepted.yml says who accepted it."""
    attach("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    found = findings()
    assert [(f.rule, f.severity) for f in found] == [("SEC-ATTACHMENT-UNSCANNED", "error")]
    assert "另存为 .docx / .xlsx / .pdf" in found[0].message and "accepted.yml" in found[0].message


def test_attachment_is_read_again_after_it_changes(tmp_portal: Path, attach: Callable[[str, bytes], Path],
                                                   findings: Callable[[], list[Finding]]) -> None:
    path = attach("qingdan.csv", "物资,数量\n".encode())
    assert findings() == []
    path.write_text("内部资料\n", encoding="utf-8")
    stamp = dt.datetime(2026, 6, 4).timestamp()
    __import__("os").utime(path, (stamp, stamp))
    assert summary(findings()) == [("qingdan.csv", "SEC-INTERNAL", 1, 1)]


def test_unscanned_attachment_is_published_only_once_accepted_for_its_content(
        tmp_portal: Path, attach: Callable[[str, bytes], Path], capsys: pytest.CaptureFixture[str]) -> None:
    """portal check fails on a legacy .doc; an accepted.yml entry (who, why) accepts that very file, and
    a replaced file with other content is an error again."""
    import json

    from portal import cli

    path = attach("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\0\0" * 200)
    assert cli.main(["--root", str(tmp_portal), "check", "--format", "json"]) == 1
    found = [f for f in json.loads(capsys.readouterr().out) if f["rule"] == "SEC-ATTACHMENT-UNSCANNED"]
    assert [(f["path"], f["severity"]) for f in found] == [("content/news/files/old.doc", "error")]
    (tmp_portal / "accepted.yml").write_text(
        f"accepted:\n  - file: {found[0]['path']}\n    rule: SEC-ATTACHMENT-UNSCANNED\n"
        f"    fingerprint: {found[0]['fingerprint']}\n    by: chen.xiuying\n"
        "    reason: 保密审查员逐页核对原件，无涉密内容\n    date: 2026-11-20\n", encoding="utf-8")
    cli.main(["--root", str(tmp_portal), "check", "--format", "json"])
    after = [f for f in json.loads(capsys.readouterr().out) if f["rule"] == "SEC-ATTACHMENT-UNSCANNED"]
    assert [f["severity"] for f in after] == ["accepted"]
    path.write_bytes(path.read_bytes() + b"\x01")
    stamp = dt.datetime(2026, 6, 5).timestamp()
    __import__("os").utime(path, (stamp, stamp))
    cli.main(["--root", str(tmp_portal), "check", "--format", "json"])
    again = [f for f in json.loads(capsys.readouterr().out) if f["rule"] == "SEC-ATTACHMENT-UNSCANNED"]
    assert [f["severity"] for f in again] == ["error"]
