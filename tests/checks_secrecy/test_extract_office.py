"""Office attachments are read the way Word, Excel and PowerPoint read them: parts are found through the
package relationships (under any name), and every text a reader can see is scanned. Each place holds a
marking (found) or public text (passes). The package builder and `findings` are shared by the other
test_extract_* files."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import openpyxl
import pytest

from checks import extract, secrecy
from portal.errors import Finding

R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument."
W_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        f'xmlns:r="{R}" xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"')
MARK = "秘密★1年"
PUBLIC = "云江市应急管理局关于做好防汛工作的通知"


def package(parts: dict[str, str | bytes], rels: dict[str, list[tuple[str, str]]], types: dict[str, str]) -> bytes:
    """A zip of the parts, `rels[source]` = [(relationship type, target relative to source)], `types`
    = content type overrides by part name."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        overrides = "".join(f'<Override PartName="/{n}" ContentType="{t}"/>' for n, t in types.items())
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                    '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                    f'<Default Extension="png" ContentType="image/png"/>{overrides}</Types>')
        for source, items in rels.items():
            folder, base = source.rpartition("/")[0], source.rpartition("/")[2]
            name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
            body = "".join(f'<Relationship Id="rId{i}" Type="{t}" Target="{target}"/>'
                           for i, (t, target) in enumerate(items, 1))
            zf.writestr(name, f'<?xml version="1.0"?><Relationships xmlns="{PKG}">{body}</Relationships>')
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


def para(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def word(body: str, extra: dict[str, tuple[str, str, str | bytes]] | None = None,
         core: str = "", custom: str = "") -> bytes:
    """A .docx whose document is `body`; `extra` = {part name: (relationship type, content type, data)},
    related from the document (a header, footnotes, an altChunk ...) under any name."""
    extra = extra or {}
    ids = {name: f"rId{i}" for i, name in enumerate(extra, 1)}
    body = body.format(**{f"rid{i}": rid for i, rid in enumerate(ids.values(), 1)})
    parts: dict[str, str | bytes] = {
        "word/main-part.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document {W_NS}><w:body>{body}</w:body></w:document>'}
    types = {"word/main-part.xml": CT + "wordprocessingml.document.main+xml"}
    root = [(f"{R}/officeDocument", "word/main-part.xml")]
    if core:
        parts["docProps/core.xml"] = ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
                                      'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                                      f"<dc:title>{core}</dc:title><dc:creator>办公室</dc:creator></cp:coreProperties>")
        types["docProps/core.xml"] = "application/vnd.openxmlformats-package.core-properties+xml"
        root.append((f"{PKG}/metadata/core-properties", "docProps/core.xml"))
    if custom:
        parts["docProps/custom.xml"] = (
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name="密级说明"><vt:lpwstr>{custom}'
            "</vt:lpwstr></property></Properties>")
        types["docProps/custom.xml"] = CT + "custom-properties+xml"
        root.append((f"{R}/custom-properties", "docProps/custom.xml"))
    doc_rels = []
    for name, (rtype, ctype, data) in extra.items():
        parts[name] = data
        types[name] = ctype
        doc_rels.append((f"{R}/{rtype}", name.removeprefix("word/")))
    return package(parts, {"": root, "word/main-part.xml": doc_rels}, types)


def findings(tmp_path: Path, name: str, data: bytes) -> list[Finding]:
    """The secrecy findings of `data` published as content/news/files/<name>."""
    path = tmp_path / "content" / "news" / "files" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return secrecy.attachment_findings(secrecy.ruleset(), tmp_path, f"content/news/files/{name}")


def rules(tmp_path: Path, name: str, data: bytes) -> set[str]:
    return {f.rule for f in findings(tmp_path, name, data)}


def nested_docx(text: str) -> bytes:
    d = docx.Document()
    d.add_paragraph(text)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _part(root: str, inner: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><w:{root} {W_NS}>{inner}</w:{root}>'


WORD_PLACES: dict[str, Callable[[str], bytes]] = {
    "paragraph": lambda t: word(para(t)),
    "table cell": lambda t: word(f"<w:tbl><w:tr><w:tc>{para('密级')}</w:tc><w:tc>{para(t)}</w:tc></w:tr></w:tbl>"),
    "text box": lambda t: word('<w:p><w:r><w:pict><v:shape><v:textbox><w:txbxContent>'
                               f"{para(t)}</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"),
    "picture description": lambda t: word('<w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="图片 1" '
                                          f'descr="{t}"/></wp:inline></w:drawing></w:r></w:p>'),
    "picture title": lambda t: word('<w:p><w:r><w:drawing><wp:anchor><wp:docPr id="2" name="图片 2" '
                                    f'title="{t}"/></wp:anchor></w:drawing></w:r></w:p>'),
    "field code": lambda t: word('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
                                 f' TITLE {t} </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                                 '<w:r><w:t>通知</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'),
    "field result": lambda t: word('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DOCPROPERTY '
                                   'Title </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                                   f'<w:r><w:t>{t}</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'),
    "simple field": lambda t: word(f'<w:p><w:fldSimple w:instr=" TITLE {t} "><w:r><w:t>通知</w:t></w:r></w:fldSimple></w:p>'),
    "altChunk html": lambda t: word(para("正文") + '<w:altChunk r:id="{rid1}"/>', {
        "word/chunk9.htm": ("aFChunk", "text/html", f"<html><body><p>&#x5E;{t}</p></body></html>".replace("&#x5E;", ""))}),
    "altChunk text": lambda t: word('<w:altChunk r:id="{rid1}"/>', {"word/chunk.txt": ("aFChunk", "text/plain", f"{t}\n")}),
    "altChunk docx": lambda t: word('<w:altChunk r:id="{rid1}"/>', {
        "word/embedded.docx": ("aFChunk", CT + "wordprocessingml.document.main+xml", nested_docx(t))}),
    "header under another name": lambda t: word(para("正文"), {
        "word/kopf7.xml": ("header", CT + "wordprocessingml.header+xml", _part("hdr", para(t)))}),
    "footer under another name": lambda t: word(para("正文"), {
        "word/fuss.xml": ("footer", CT + "wordprocessingml.footer+xml", _part("ftr", para(t)))}),
    "footnote": lambda t: word(para("正文"), {"word/notes-a.xml": (
        "footnotes", CT + "wordprocessingml.footnotes+xml", _part("footnotes", f'<w:footnote w:id="1">{para(t)}</w:footnote>'))}),
    "endnote": lambda t: word(para("正文"), {"word/notes-b.xml": (
        "endnotes", CT + "wordprocessingml.endnotes+xml", _part("endnotes", f'<w:endnote w:id="1">{para(t)}</w:endnote>'))}),
    "comment": lambda t: word(para("正文"), {"word/remarks.xml": (
        "comments", CT + "wordprocessingml.comments+xml", _part("comments", f'<w:comment w:id="0" w:author="审核人">{para(t)}</w:comment>'))}),
    "glossary": lambda t: word(para("正文"), {"word/gloss/doc.xml": (
        "glossaryDocument", CT + "wordprocessingml.document.glossary+xml",
        _part("glossaryDocument", f"<w:docParts><w:docPart><w:docPartBody>{para(t)}</w:docPartBody></w:docPart></w:docParts>"))}),
    "core properties": lambda t: word(para("正文"), core=t),
    "custom properties": lambda t: word(para("正文"), custom=t),
    "ruby": lambda t: word(f'<w:p><w:r><w:ruby><w:rt><w:r><w:t>mì</w:t></w:r></w:rt><w:rubyBase><w:r><w:t>{t[0]}</w:t></w:r>'
                           f"</w:rubyBase></w:ruby></w:r><w:r><w:t>{t[1:]}</w:t></w:r></w:p>"),
}


@pytest.mark.parametrize("place", WORD_PLACES)
def test_word_marking_is_found_wherever_it_is(tmp_path: Path, place: str) -> None:
    assert rules(tmp_path, "tongzhi.docx", WORD_PLACES[place](MARK)) == {"SEC-MARKING"}


@pytest.mark.parametrize("place", WORD_PLACES)
def test_word_public_text_passes_in_the_same_place(tmp_path: Path, place: str) -> None:
    assert findings(tmp_path, "tongzhi.docx", WORD_PLACES[place](PUBLIC)) == []


def test_word_finding_names_the_part_found_through_the_relationship(tmp_path: Path) -> None:
    found = findings(tmp_path, "a.docx", WORD_PLACES["header under another name"]("内部资料"))
    assert [(f.rule, f.severity) for f in found] == [("SEC-INTERNAL", "error")]
    assert "（附件页眉（word/kopf7.xml）第 1 段）" in found[0].message


def test_a_part_no_relationship_reaches_is_still_read(tmp_path: Path) -> None:
    data = word(para("正文"))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as zf:
        for info in src.infolist():
            zf.writestr(info, src.read(info))
        zf.writestr("word/orphan.xml", f"<x>{MARK}</x>")
    assert rules(tmp_path, "a.docx", out.getvalue()) == {"SEC-MARKING"}


# ---------------------------------------------------------------- Excel


def sheet_package(cells: str, shared: list[str], after: str = "",
                  main: str = CT + "spreadsheetml.sheet.main+xml") -> bytes:
    """A workbook written by hand: cells of every type (shared, inline, cached formula result)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    sst = "".join(f"<si><t>{s}</t></si>" for s in shared)
    return package({
        "xl/book.xml": f'<workbook {ns} xmlns:r="{R}"><sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/s/one.xml": f"<worksheet {ns}><sheetData><row r=\"1\">{cells}</row></sheetData>{after}</worksheet>",
        "xl/strings.xml": f'<sst {ns} count="{len(shared)}">{sst}</sst>',
    }, {"": [(f"{R}/officeDocument", "xl/book.xml")],
        "xl/book.xml": [(f"{R}/worksheet", "s/one.xml"), (f"{R}/sharedStrings", "strings.xml")]},
        {"xl/book.xml": main, "xl/s/one.xml": CT + "spreadsheetml.worksheet+xml",
         "xl/strings.xml": CT + "spreadsheetml.sharedStrings+xml"})


def _workbook(build: Callable[[openpyxl.Workbook], None]) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "物资清单"
    wb.active.append(["物资名称", "数量"])
    build(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _chart(wb: openpyxl.Workbook, title: str) -> None:
    from openpyxl.chart import BarChart, Reference

    ws = wb.active
    ws.append(["编织袋", 5])
    chart = BarChart()
    chart.title = title
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=2), titles_from_data=True)
    ws.add_chart(chart, "D2")


def _validation(wb: openpyxl.Workbook, **texts: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1=texts.pop("formula1", '"是,否"'), showInputMessage=True, **texts)
    wb.active.add_data_validation(dv)
    dv.add("B2")


def _defined(wb: openpyxl.Workbook, value: str) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    wb.defined_names["说明"] = DefinedName("说明", attr_text=f'"{value}"')


def _custom(wb: openpyxl.Workbook, value: str) -> None:
    from openpyxl.packaging.custom import StringProperty

    wb.custom_doc_props.append(StringProperty(name="备注", value=value))


def _header(wb: openpyxl.Workbook, text: str) -> None:
    wb.active.oddHeader.center.text = text


def _footer(wb: openpyxl.Workbook, text: str) -> None:
    wb.active.evenFooter.right.text = text


EXCEL_PLACES: dict[str, Callable[[str], bytes]] = {
    "shared string cell": lambda t: sheet_package('<c r="B1" t="s"><v>1</v></c>', ["名称", t]),
    "inline string cell": lambda t: sheet_package(f'<c r="C1" t="inlineStr"><is><t>{t}</t></is></c>', []),
    "cached formula result": lambda t: sheet_package(f'<c r="D1" t="str"><f>Sheet2!A1</f><v>{t}</v></c>', []),
    "unreferenced shared string": lambda t: sheet_package('<c r="A1" t="s"><v>0</v></c>', ["名称", t]),
    "hidden sheet name": lambda t: _workbook(lambda wb: setattr(wb.create_sheet(t), "sheet_state", "hidden")),
    "very hidden cell": lambda t: _workbook(lambda wb: (wb.create_sheet("备注").__setitem__("C7", t),
                                                        setattr(wb["备注"], "sheet_state", "veryHidden"))),
    "defined name": lambda t: _workbook(lambda wb: _defined(wb, t)),
    "number format": lambda t: _workbook(lambda wb: setattr(wb.active["B2"], "number_format",
                                                            f'"{t[:3]}"0"{t[4:]}"') or wb.active.__setitem__("B2", 1)),
    "validation prompt": lambda t: _workbook(lambda wb: _validation(wb, prompt=t, promptTitle="提示")),
    "validation error": lambda t: _workbook(lambda wb: _validation(wb, error=t, errorTitle="出错")),
    "validation list": lambda t: _workbook(lambda wb: _validation(wb, formula1=f'"公开,{t}"')),
    "comment": lambda t: _workbook(lambda wb: setattr(wb.active["A1"], "comment", openpyxl.comments.Comment(t, "审核人"))),
    "header": lambda t: _workbook(lambda wb: _header(wb, t)),
    "footer": lambda t: _workbook(lambda wb: _footer(wb, t)),
    "chart title": lambda t: _workbook(lambda wb: _chart(wb, t)),
    "custom property": lambda t: _workbook(lambda wb: _custom(wb, t)),
    "core property": lambda t: _workbook(lambda wb: setattr(wb.properties, "subject", t)),
}


@pytest.mark.parametrize("place", EXCEL_PLACES)
def test_excel_marking_is_found_wherever_it_is(tmp_path: Path, place: str) -> None:
    assert rules(tmp_path, "qingdan.xlsx", EXCEL_PLACES[place](MARK)) == {"SEC-MARKING"}


@pytest.mark.parametrize("place", EXCEL_PLACES)
def test_excel_public_text_passes_in_the_same_place(tmp_path: Path, place: str) -> None:
    assert findings(tmp_path, "qingdan.xlsx", EXCEL_PLACES[place](PUBLIC)) == []


def test_excel_cell_finding_has_the_cell_position(tmp_path: Path) -> None:
    found = findings(tmp_path, "a.xlsx", EXCEL_PLACES["inline string cell"](MARK))
    assert [(f.line, f.column) for f in found] == [(1, 3)]
    assert "（附件工作表“数据”单元格 C1）" in found[0].message


def test_a_zip_based_wps_table_is_read_like_xlsx(tmp_path: Path) -> None:
    assert rules(tmp_path, "biao.et", EXCEL_PLACES["shared string cell"](MARK)) == {"SEC-MARKING"}


def test_number_format_text_is_shown_with_a_number() -> None:
    assert extract._format_text('"秘密★"0"年";[Red]"内部"\\资料@') == "秘密★1年\n内部资料"


# ---------------------------------------------------------------- PowerPoint


def slides(text: str, notes: str = "") -> bytes:
    a = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    p = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
    slide = (f'<p:sld {a} {p}><p:cSld><p:spTree><p:sp><p:nvSpPr><p:cNvPr id="2" name="标题" descr="{notes}"/>'
             f"</p:nvSpPr><p:txBody><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>")
    return package({"ppt/presentation.xml": f"<p:presentation {p}/>", "ppt/slides/s1.xml": slide},
                   {"": [(f"{R}/officeDocument", "ppt/presentation.xml")],
                    "ppt/presentation.xml": [(f"{R}/slide", "slides/s1.xml")]},
                   {"ppt/presentation.xml": CT + "presentationml.presentation.main+xml",
                    "ppt/slides/s1.xml": CT + "presentationml.slide+xml"})


def test_slides_are_read(tmp_path: Path) -> None:
    assert rules(tmp_path, "a.pptx", slides(MARK)) == {"SEC-MARKING"}
    assert rules(tmp_path, "b.pptx", slides("汛期安全", notes=MARK)) == {"SEC-MARKING"}
    assert findings(tmp_path, "c.pptx", slides(PUBLIC, notes="防汛示意图")) == []


def ofd(*codes: str) -> bytes:
    out = io.BytesIO()
    text = "".join(f'<ofd:TextCode X="{i * 10}" Y="10">{c}</ofd:TextCode>' for i, c in enumerate(codes))
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>'
                               "Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        zf.writestr("Doc_0/Pages/Page_0/Content.xml",
                    f'<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer><ofd:TextObject ID="1">'
                    f"{text}</ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>")
    return out.getvalue()


def test_ofd_text_objects_are_read_whole(tmp_path: Path) -> None:
    """An OFD page places a line as several TextCodes: they are joined per TextObject."""
    assert rules(tmp_path, "a.ofd", ofd("秘密", "★1", "年")) == {"SEC-MARKING"}
    assert findings(tmp_path, "b.ofd", ofd("云江市", "应急管理局")) == []


def test_workbook_embedded_in_a_word_document_is_read(tmp_path: Path) -> None:
    data = word(para("正文"), {"word/embeddings/sheet.xlsx": (
        "package", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", EXCEL_PLACES["inline string cell"](MARK))})
    found = findings(tmp_path, "a.docx", data)
    assert [f.rule for f in found] == ["SEC-MARKING"]
    assert "嵌入的文件（word/embeddings/sheet.xlsx）中的工作表“数据”单元格 C1" in found[0].message


def test_extended_data_validation_list_is_read(tmp_path: Path) -> None:
    """Excel 2010 writes a list that refers to another sheet as x14:dataValidation with xm:f inside."""
    ext = ('<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="1" '
           'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:dataValidation type="list">'
           '<x14:formula1><xm:f>"公开,TEXT"</xm:f></x14:formula1><xm:sqref>B2</xm:sqref></x14:dataValidation>'
           "</x14:dataValidations></ext></extLst>")
    for text, expected in ((MARK, {"SEC-MARKING"}), (PUBLIC, set())):
        data = sheet_package('<c r="A1" t="s"><v>0</v></c>', ["名称"], ext.replace("TEXT", text))
        assert rules(tmp_path, f"{len(text)}.xlsx", data) == expected


def test_macro_enabled_workbook_type_is_read_as_a_workbook(tmp_path: Path) -> None:
    data = sheet_package('<c r="B1" t="s"><v>1</v></c>', ["名称", MARK], main="application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    found = findings(tmp_path, "a.xlsx", data)
    assert [f.rule for f in found] == ["SEC-MARKING"] and "工作表“数据”单元格 B1" in found[0].message


def test_embedded_ole_object_is_not_scanned_and_named(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "Workbook".encode("utf-16-le") + b"\x00\x00"
    data = word(para("正文"), {"word/embeddings/oleObject1.bin": ("oleObject", "application/vnd.openxmlformats-"
                                                                             "officedocument.oleObject", ole)})
    found = findings(tmp_path, "a.docx", data)
    assert [(f.rule, f.severity) for f in found] == [("SEC-ATTACHMENT-UNSCANNED", "error")]
    assert "嵌入的文件（word/embeddings/oleObject1.bin）：Excel 97-2003" in found[0].message
