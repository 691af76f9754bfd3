"""The "Check a draft" tab's HTML on the fakes: every sentence coloured, markup escaped."""

from __future__ import annotations

import os
import time
from pathlib import Path

from assistant.checking.types import MAX_CHECK_CHARS
from assistant.services import Services
from assistant.web.check_views import ReportFolder, run_check

DRAFT = (
    "Hello <b>team</b>.\n"
    "Governments must develop clear business cases to sustain the funding of digital "
    "technologies projects [IV.9]. Governments should procure digital technologies based on "
    "assessment of existing assets.\n<img src=x onerror=alert(1)>"
)


def test_each_sentence_is_a_coloured_span_and_the_clauses_fill_the_panel(
    fake_index: Services,
) -> None:
    html, panel, _ = run_check(fake_index, DRAFT)
    assert html.count('class="check-sentence') == 4
    assert 'data-verdict="contradicted"' in html
    assert 'data-verdict="supported"' in html
    assert 'data-clause-id="IV.9"' in panel
    assert 'data-clause-id="IV.11"' in panel
    assert "<mark>" in panel  # the quoted words of the supporting clause
    assert "modality: the sentence says &#x27;must&#x27;" in panel


def test_pasted_markup_is_shown_as_text(fake_index: Services) -> None:
    html, _, _ = run_check(fake_index, DRAFT)
    assert "&lt;b&gt;team&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html and "<b>" not in html


def test_empty_and_too_long_drafts_get_a_message(fake_index: Services) -> None:
    assert "Paste a draft" in run_check(fake_index, "   ")[0]
    assert "longer than" in run_check(fake_index, "x" * (MAX_CHECK_CHARS + 1))[0]


def test_a_report_to_attach_is_written_when_a_folder_is_given(
    fake_index: Services, tmp_path: Path
) -> None:
    _, _, report = run_check(fake_index, DRAFT, tmp_path)
    assert report is not None and report.parent == tmp_path
    html = report.read_text(encoding="utf-8")
    assert "contradicted" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert run_check(fake_index, " ", tmp_path)[2] is None


def test_reports_are_removed_once_served_and_their_folder_with_the_process(
    fake_index: Services,
) -> None:
    folder = ReportFolder(ttl_s=60)
    _, _, old = run_check(fake_index, DRAFT, folder.path)
    _, _, new = run_check(fake_index, DRAFT, folder.path)
    assert old is not None and new is not None
    assert oct(folder.path.stat().st_mode & 0o777) == "0o700"  # this process's alone
    stale = time.time() - 120
    os.utime(old, (stale, stale))
    folder.prune()
    assert not old.exists() and new.exists()
    folder.close()
    assert not folder.path.exists()
