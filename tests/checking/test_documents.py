"""Drafts in every supported format give their text; anything else a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from assistant.checking.documents import DocumentError, read_document

SENTENCE = "Governments should develop clear business cases."


def test_markdown_and_text_are_read_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "brief.md"
    path.write_text(f"# Brief\n\n- {SENTENCE}\n", encoding="utf-8")
    assert read_document(path) == f"# Brief\n\n- {SENTENCE}\n"


def test_word_paragraphs_and_tables_are_read(tmp_path: Path) -> None:
    document = Document()
    document.add_paragraph("Brief")
    document.add_paragraph(SENTENCE)
    document.add_table(rows=1, cols=1).cell(0, 0).text = "Members are invited to disseminate it."
    path = tmp_path / "brief.docx"
    document.save(str(path))
    assert read_document(path).splitlines() == [
        "Brief",
        SENTENCE,
        "Members are invited to disseminate it.",
    ]


def test_a_pdf_without_text_is_refused_with_its_name(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(DocumentError, match=r"scan\.pdf: no text found"):
        read_document(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("brief.xlsx", b"x", "unsupported format '.xlsx'"),
        ("broken.docx", b"not a zip file", "broken.docx: cannot be read"),
        ("broken.pdf", b"%PDF-garbage", "broken.pdf: cannot be read"),
        ("latin1.txt", "Gouvernement \xe9".encode("latin-1"), "latin1.txt: cannot be read"),
    ],
)
def test_unreadable_files_raise_a_clear_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=message):
        read_document(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="no such file"):
        read_document(tmp_path / "nowhere.md")
