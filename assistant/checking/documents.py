"""The text of a draft to check: Markdown, plain text, Word (.docx) or PDF.

Reviewers attach whatever they have; each format gives back plain text with one paragraph a
line, so list items and headings stay apart when the text is cut into sentences. Anything that
cannot be read raises ``DocumentError`` with the file's name and the reason, for a clear message.
"""

from __future__ import annotations

from pathlib import Path

TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".text", "")
SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf")


class DocumentError(ValueError):
    """A draft that cannot be read: missing, of an unknown format, damaged or empty."""


def read_document(path: Path) -> str:
    """The text of ``path``; the format is taken from the file's suffix."""
    if not path.is_file():
        raise DocumentError(f"{path}: no such file.")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(
            f"{path.name}: unsupported format {suffix!r}; use .md, .txt, .docx or .pdf."
        )
    try:
        if suffix == ".docx":
            text = _docx_text(path)
        elif suffix == ".pdf":
            text = _pdf_text(path)
        else:
            text = path.read_text(encoding="utf-8")
    except DocumentError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as exc:
        raise DocumentError(f"{path.name}: cannot be read ({type(exc).__name__}: {exc}).") from exc
    except Exception as exc:  # the parsers raise their own errors on damaged files
        raise DocumentError(f"{path.name}: cannot be read ({type(exc).__name__}).") from exc
    if not text.strip():
        raise DocumentError(f"{path.name}: no text found (a scanned PDF has none to check).")
    return text


def _docx_text(path: Path) -> str:
    from docx import Document

    document = Document(str(path))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        lines += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(lines)


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
