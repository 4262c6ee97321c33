"""PDF attachments: annotations, bookmarks, document information, XMP, form fields (values, defaults,
labels, options) and embedded files (read by their own type) are scanned; public text in the same
places passes; an encrypted PDF is an error."""
from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

from tests.checks_secrecy.test_extract_office import MARK, PUBLIC, findings, nested_docx, rules

XMP = ('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
       'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
       'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" pdf:Keywords="{k}">'
       '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{d}</rdf:li></rdf:Alt></dc:description>'
       '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')


def pdf(build: Callable[[pypdf.PdfWriter], None]) -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _name(value: str) -> NameObject:
    return NameObject(value)


def _annotation(writer: pypdf.PdfWriter, text: str) -> None:
    annot = DictionaryObject({_name("/Type"): _name("/Annot"), _name("/Subtype"): _name("/Text"),
                              _name("/Rect"): ArrayObject([FloatObject(v) for v in (50, 50, 80, 80)]),
                              _name("/Contents"): TextStringObject(text), _name("/T"): TextStringObject("审核人")})
    writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(annot)])


def _field(writer: pypdf.PdfWriter, **values: str) -> None:
    field = DictionaryObject({_name("/FT"): _name("/Tx"), _name("/T"): TextStringObject("level"),
                              _name("/Type"): _name("/Annot"), _name("/Subtype"): _name("/Widget"),
                              _name("/Rect"): ArrayObject([FloatObject(v) for v in (100, 100, 300, 120)])})
    for key, value in values.items():
        field[_name(f"/{key}")] = TextStringObject(value)
    ref = writer._add_object(field)
    writer.pages[0][_name("/Annots")] = ArrayObject([ref])
    writer._root_object[_name("/AcroForm")] = DictionaryObject({_name("/Fields"): ArrayObject([ref])})


def _choice(writer: pypdf.PdfWriter, option: str) -> None:
    field = DictionaryObject({_name("/FT"): _name("/Ch"), _name("/T"): TextStringObject("kind"),
                              _name("/Opt"): ArrayObject([TextStringObject("公开"), TextStringObject(option)])})
    writer._root_object[_name("/AcroForm")] = DictionaryObject({_name("/Fields"): ArrayObject([writer._add_object(field)])})


def _xmp(writer: pypdf.PdfWriter, keywords: str = "防汛", description: str = "通知") -> None:
    writer.xmp_metadata = XMP.format(k=keywords, d=description).encode()  # type: ignore[assignment]


PDF_PLACES: dict[str, Callable[[str], bytes]] = {
    "annotation": lambda t: pdf(lambda w: _annotation(w, t)),
    "bookmark": lambda t: pdf(lambda w: w.add_outline_item(title=t, page_number=0)),
    "document information": lambda t: pdf(lambda w: w.add_metadata({"/Subject": t})),
    "custom information key": lambda t: pdf(lambda w: w.add_metadata({"/Remark": t})),
    "XMP element": lambda t: pdf(lambda w: _xmp(w, description=t)),
    "XMP attribute": lambda t: pdf(lambda w: _xmp(w, keywords=t)),
    "form field value": lambda t: pdf(lambda w: _field(w, V=t)),
    "form field default value": lambda t: pdf(lambda w: _field(w, DV=t)),
    "form field label": lambda t: pdf(lambda w: _field(w, TU=t)),
    "form field option": lambda t: pdf(lambda w: _choice(w, t)),
    "embedded text file": lambda t: pdf(lambda w: w.add_attachment("说明.txt", f"名单\n{t}\n".encode())),
    "embedded docx": lambda t: pdf(lambda w: w.add_attachment("附件.docx", nested_docx(t))),
    "embedded file name": lambda t: pdf(lambda w: w.add_attachment(f"{t}.txt", b"list")),
}


@pytest.mark.parametrize("place", PDF_PLACES)
def test_pdf_marking_is_found_wherever_it_is(tmp_path: Path, place: str) -> None:
    assert rules(tmp_path, "wenjian.pdf", PDF_PLACES[place](MARK)) == {"SEC-MARKING"}


@pytest.mark.parametrize("place", PDF_PLACES)
def test_pdf_public_text_passes_in_the_same_place(tmp_path: Path, place: str) -> None:
    assert findings(tmp_path, "wenjian.pdf", PDF_PLACES[place](PUBLIC)) == []


def test_embedded_file_finding_names_the_file(tmp_path: Path) -> None:
    found = findings(tmp_path, "a.pdf", PDF_PLACES["embedded docx"]("内部资料"))
    assert [f.rule for f in found] == ["SEC-INTERNAL"]
    assert "PDF 附带的文件“附件.docx”中的正文" in found[0].message


def test_encrypted_pdf_is_an_error(tmp_path: Path) -> None:
    found = findings(tmp_path, "a.pdf", pdf(lambda w: w.encrypt("secret-password", algorithm="RC4-128")))
    assert [(f.rule, f.severity) for f in found] == [("SEC-ATTACHMENT-UNREADABLE", "error")]
    assert "已加密" in found[0].message and "accepted.yml" in found[0].message


def test_pdf_with_only_an_owner_password_is_read(tmp_path: Path) -> None:
    """Readers open it without asking: so do the checks."""
    data = pdf(lambda w: (w.add_metadata({"/Subject": MARK}),
                          w.encrypt("", owner_password="owner", algorithm="RC4-128")))
    assert rules(tmp_path, "a.pdf", data) == {"SEC-MARKING"}
