"""Faults while rendering: killed renders, concurrent runs, full disks, read-only folders,
dead kernels. Each must leave either a complete report or none, and say what happened."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from typer.testing import CliRunner

from impact import report
from impact.cli import app
from impact.demo import DEMO_SURVEY
from impact.errors import ReportError
from impact.report import SCRATCH_PREFIX, remove_stale_scratch, render

ROOT = Path(__file__).resolve().parent.parent
BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
runner = CliRunner()


def _report_files(out: Path, name: str) -> list[Path]:
    return sorted(p for p in out.glob(f"{name}*") if not p.name.startswith("."))


def _hidden(out: Path) -> list[Path]:
    return sorted(out.glob(".*"))


def _valid_report(out: Path, milestone: str, language: str, *, pdf: bool = True) -> None:
    """A complete report: HTML document, parseable results naming it, a readable PDF."""
    name = f"{milestone}_{language}"
    page = (out / f"{name}.html").read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html") and page.rstrip().endswith("</html>")
    results = json.loads((out / f"{name}.results.json").read_text(encoding="utf-8"))
    assert (results["milestone"], results["language"]) == (milestone, language)
    if pdf:
        assert len(PdfReader(out / f"{name}.pdf").pages) >= 1


def test_a_kernel_that_dies_is_reported_with_milestone_and_cell(tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(ReportError) as raised:
        render(DEMO_SURVEY, "kickoff", "en", out, notebook=BAD / "kernel_dies.ipynb")
    message = str(raised.value)
    assert message.startswith("report kickoff_en, cell 4 of 5 [figures] ('import os'")
    assert message.endswith("): the kernel died (it crashed, ran out of memory or was killed)")
    assert (raised.value.milestone, raised.value.language) == ("kickoff", "en")
    assert not _report_files(out, "kickoff_en") and not _hidden(out)


def test_a_render_killed_mid_way_leaves_no_report_and_the_next_run_succeeds(tmp_path):
    out = tmp_path / "reports"
    script = (
        "import sys; from impact.report import render; "
        "render(sys.argv[1], 'kickoff', 'en', sys.argv[2], notebook=sys.argv[3])"
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", script, str(DEMO_SURVEY), str(out), str(BAD / "sleeps.ipynb")],
        cwd=ROOT,
        start_new_session=True,  # the worker and its kernel form one process group
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not list(out.glob(f"{SCRATCH_PREFIX}*/sleeping")):
        assert worker.poll() is None, "the render ended before it could be killed"
        assert time.monotonic() < deadline, "the kernel never started"
        time.sleep(0.2)
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its kernel, mid-cell
    worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    stale = list(out.glob(f"{SCRATCH_PREFIX}*"))
    assert len(stale) == 1 and (stale[0] / "kickoff_en.results.json").exists()
    assert not _report_files(out, "kickoff_en"), "a killed render publishes nothing"

    result = render(DEMO_SURVEY, "kickoff", "en", out)  # the real report notebook
    assert result.ok
    _valid_report(out, "kickoff", "en")
    assert not _hidden(out), "the next run removes the killed run's scratch folder"


def test_stale_scratch_of_a_living_process_is_kept(tmp_path):
    mine = tmp_path / f"{SCRATCH_PREFIX}{os.getpid()}-final_en-abc"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = tmp_path / f"{SCRATCH_PREFIX}{dead.pid}-final_de-xyz"
    mine.mkdir()
    gone.mkdir()
    assert remove_stale_scratch(tmp_path) == [gone]
    assert mine.is_dir() and not gone.exists()


@pytest.fixture
def small_programme(demo_copy: Path) -> Path:
    """The demo reduced to its kick-off and final waves in English: two reports."""
    definition = yaml.safe_load(demo_copy.read_text(encoding="utf-8"))
    definition["waves"] = [w for w in definition["waves"] if w["id"] in ("kickoff", "final")]
    definition["languages"] = ["en"]
    demo_copy.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    return demo_copy


def test_two_report_all_runs_on_one_folder_do_not_corrupt_each_other(small_programme, tmp_path):
    out = tmp_path / "shared"
    command = [sys.executable, "-m", "impact.cli", "report", str(small_programme), "--all"]
    runs = [
        subprocess.Popen(
            [*command, "--out", str(out)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert all("2 of 2 reports" in output for output in outputs), outputs
    for milestone in ("kickoff", "final"):
        _valid_report(out, milestone, "en")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.rstrip().endswith("</html>")
    assert "href='kickoff_en.html'" in index and "href='final_en.html'" in index
    expected = [
        f"{m}_en{s}" for m in ("kickoff", "final") for s in (".html", ".pdf", ".docx", ".json")
    ]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [name.replace(".json", ".results.json") for name in expected] + ["index.html"]
    ), "no scratch, temporary or lock files left behind"


def _fail_on(suffix: str, code: int):
    real = os.replace

    def replace(source, target, *args, **kwargs):
        if str(target).endswith(suffix):
            raise OSError(code, os.strerror(code), str(target))
        return real(source, target, *args, **kwargs)

    return replace


@pytest.mark.parametrize(
    ("where", "code", "fragments"),
    [
        ("rename", errno.ENOSPC, ("No space left on device [ENOSPC]", "the disk is full")),
        ("rename", errno.EDQUOT, ("[EDQUOT]", "quota")),
        ("scratch", errno.EROFS, ("Read-only file system [EROFS]", "choose another with --out")),
        ("scratch", errno.EACCES, ("Permission denied [EACCES]", "not writable")),
        ("pdf", errno.ENOSPC, ("[ENOSPC]", "the disk is full")),
    ],
)
def test_a_full_disk_or_read_only_folder_gives_a_clear_error(
    tmp_path, monkeypatch, where, code, fragments
):
    out = tmp_path / "reports"
    out.mkdir()
    if where == "rename":  # the PDF cannot be renamed into place, after results.json was
        monkeypatch.setattr(report.os, "replace", _fail_on(".pdf", code))
    elif where == "scratch":

        def mkdtemp(*args, **kwargs):
            raise OSError(code, os.strerror(code), str(out))

        monkeypatch.setattr(report.tempfile, "mkdtemp", mkdtemp)
    else:

        def export_pdf(page, target):
            Path(target).write_bytes(b"%PDF-1.7 half a PDF")
            raise OSError(code, os.strerror(code), str(target))

        monkeypatch.setattr(report, "export_pdf", export_pdf)
    with pytest.raises(ReportError) as raised:
        render(DEMO_SURVEY, "final", "en", out, notebook=BAD / "tiny_report.ipynb")
    message = str(raised.value)
    assert message.startswith(f"report final_en: cannot write into the output folder '{out}'")
    assert all(fragment in message for fragment in fragments), message
    assert "no partial report was left" in message
    assert list(out.iterdir()) == [], "all or nothing: no report file, no scratch"


def test_an_output_folder_below_a_file_fails_before_a_kernel_starts(tmp_path, monkeypatch):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file", encoding="utf-8")

    def no_kernel(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr("papermill.execute_notebook", no_kernel)
    with pytest.raises(ReportError, match=r"\[ENOTDIR\]"):
        render(DEMO_SURVEY, "final", "en", blocker / "reports")
    assert blocker.read_text(encoding="utf-8") == "a file"


def test_the_cli_reports_a_read_only_output_folder(tmp_path, monkeypatch):
    """Through ``impact report``: every report fails clearly, and the command fails."""
    out = tmp_path / "reports"

    def read_only(original):
        def make(*args, dir=None, **kwargs):
            if dir is not None and Path(dir).resolve() == out.resolve():
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(out))
            return original(*args, dir=dir, **kwargs)

        return make

    # The process pool forks: its workers inherit the patched functions. Only the output
    # folder is read-only; the system's temporary folder is not.
    monkeypatch.setattr(report.tempfile, "mkdtemp", read_only(report.tempfile.mkdtemp))
    monkeypatch.setattr(report.tempfile, "mkstemp", read_only(report.tempfile.mkstemp))
    result = runner.invoke(
        app, ["report", str(DEMO_SURVEY), "-m", "kickoff", "-l", "en", "--out", str(out)]
    )
    assert result.exit_code == 4, result.output
    assert "✗ kickoff (en)" in result.output and "[EROFS]" in result.output
    assert "error: report index: cannot write into the output folder" in result.output
    assert list(out.iterdir()) == []


def test_a_failed_rename_keeps_an_earlier_complete_report_out_of_the_index(tmp_path, monkeypatch):
    """A report is all or nothing: a half-replaced earlier report is removed, not mixed."""
    out = tmp_path / "reports"
    notebook = BAD / "tiny_report.ipynb"
    assert render(DEMO_SURVEY, "final", "en", out, notebook=notebook, pdf=False).ok
    monkeypatch.setattr(report.os, "replace", _fail_on(".html", errno.ENOSPC))
    with pytest.raises(ReportError, match="ENOSPC"):
        render(DEMO_SURVEY, "final", "en", out, notebook=notebook, pdf=False)
    monkeypatch.undo()
    assert not _report_files(out, "final_en") and not _hidden(out)
    assert render(DEMO_SURVEY, "final", "en", out, notebook=notebook, pdf=False).ok
    _valid_report(out, "final", "en", pdf=False)


def test_a_full_disk_during_import_gives_a_clear_error_and_no_half_written_file(
    tmp_path, monkeypatch
):
    from impact import export

    out = tmp_path / "data"
    monkeypatch.setattr(export.os, "replace", _fail_on("scores.csv", errno.ENOSPC))
    result = runner.invoke(app, ["import", str(DEMO_SURVEY), "--out", str(out)])
    assert result.exit_code == 4, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("error: cannot write scores.csv into") and "[ENOSPC]" in last
    assert "No space left on device" in last and "none of the outputs was written" in last
    assert not out.exists(), "no output, no temporary file and no new folder is left behind"
