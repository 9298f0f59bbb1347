"""Nothing leaked: the pseudonymisation salt is never written, outputs carry no participant
keys, names, e-mail addresses or IP addresses, free text is escaped, and report parameters
are checked before a kernel starts. (Fuzzed exports are checked in ``test_fuzz.py``.)"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from impact.clean import normalise_key
from impact.cli import app
from impact.definitions import load_survey
from impact.errors import DefinitionError, ReportError
from impact.privacy import SALT_FILE, SALT_VARIABLE
from impact.report import render, write_index

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
SALT = "Pfeffer-und-Salz-9f3b1c7e2d5a4b6c8e0f"
runner = CliRunner()


def _text(path: Path) -> str:
    """What a reader (or a search) finds in a file: PDF text, or the bytes as text with
    embedded images (data: URLs) left out."""
    if path.suffix == ".pdf":
        return "\n".join(page.extract_text() for page in PdfReader(path).pages)
    if path.suffix in (".parquet", ".sav"):
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_spss(path)
        return frame.astype(str).to_csv(index=False)
    text = path.read_bytes().decode("utf-8", errors="replace")
    return re.sub(r"data:[a-z]+/[^\"')\s]+", "", text)


def _identifying(survey: Path) -> dict[str, set[str]]:
    """Every participant key, name, e-mail and IP address in a programme's raw files."""
    definition, _ = load_survey(survey)
    registry = pd.read_csv(survey.parent / definition.registry.file, dtype=str)
    keys = set(normalise_key(registry[definition.registry.key]))
    names = set(registry["first_name"] + " " + registry["last_name"])
    raw = "".join(p.read_text(encoding="utf-8-sig") for p in survey.parent.glob("raw/*.csv"))
    return {
        "key": keys,
        "name": names,
        "e-mail": set(registry["email"]) | set(re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", raw)),
        "IP address": set(re.findall(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", raw)),
    }


def _leaks(path: Path, secrets: dict[str, set[str]]) -> dict[str, list[str]]:
    text = _text(path)
    found = {}
    for kind, values in secrets.items():
        hits = sorted(v for v in values if re.search(rf"(?<![\w.]){re.escape(v)}(?![\w])", text))
        if hits:
            found[kind] = hits[:3]
    return found


@pytest.fixture(scope="module")
def pseudonymised_outputs(tmp_path_factory) -> tuple[Path, Path, str]:
    """The demo with pseudonymised keys (salt in ``.impact-salt``), imported with every
    export format and rendered as a final report with PDF."""
    import shutil

    from impact.demo import DEMO_SURVEY

    folder = tmp_path_factory.mktemp("programme") / "demo"
    shutil.copytree(DEMO_SURVEY.parent, folder)
    survey = folder / "survey.yml"
    text = survey.read_text(encoding="utf-8")
    survey.write_text(
        text.replace("privacy:\n", "privacy:\n  pseudonymise_keys: true\n", 1), encoding="utf-8"
    )
    (folder / SALT_FILE).write_text(SALT + "\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(SALT_VARIABLE, raising=False)
        imported = runner.invoke(
            app,
            ["import", str(survey), "--out", str(out / "data")]
            + ["-e", "csv", "-e", "parquet", "-e", "sav"],
        )
        assert imported.exit_code == 0, imported.output
        result = render(survey, "final", "en", out / "reports")
        assert result.ok
    return survey, out, imported.output


def test_the_salt_is_never_written_to_outputs_or_logs(pseudonymised_outputs):
    survey, out, console = pseudonymised_outputs
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {
        "cleaning_log.csv",
        "responses.csv",
        "scores.csv",
        "final_en.html",
        "final_en.pdf",
        "final_en.results.json",
    }
    for path in files:
        data = path.read_bytes()
        for encoded in (SALT.encode("utf-8"), SALT.encode("utf-16-le")):
            assert encoded not in data, f"{path.name} contains the salt"
        assert SALT not in _text(path), f"{path.name} contains the salt"
    assert SALT not in console
    log = pd.read_csv(out / "data" / "cleaning_log.csv", dtype=str)
    assert not log.apply(lambda c: c.str.contains(SALT, regex=False, na=False)).any().any()


def test_pseudonymised_outputs_carry_no_key_name_email_or_ip(pseudonymised_outputs):
    survey, out, console = pseudonymised_outputs
    secrets = _identifying(survey)
    assert min(len(v) for v in secrets.values()) >= 1  # the scan looks for something
    responses = pd.read_csv(out / "data" / "responses.csv", dtype=str)
    pseudonyms = set(responses["participant"])
    assert all(re.fullmatch(r"[0-9a-f]{16}", p) for p in pseudonyms)
    scanned = 0
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        assert not _leaks(path, secrets), f"{path.name} leaks {_leaks(path, secrets)}"
        if path.parent.name == "reports":  # a report names no participant, even by pseudonym
            assert not _leaks(path, {"pseudonym": pseudonyms}), path.name
        scanned += 1
    assert scanned >= 8
    assert not _leaks_in(console, secrets)


def _leaks_in(text: str, secrets: dict[str, set[str]]) -> list[str]:
    return [v for values in secrets.values() for v in values if v in text]


def test_the_index_escapes_free_text(tmp_path):
    hostile = "<script>alert('x')</script>"
    (tmp_path / "final_en.html").write_text("<!DOCTYPE html><html></html>", encoding="utf-8")
    results = {"milestone": hostile, "kind": "<b>final</b>", "language": "en", "wave_date": "x"}
    (tmp_path / "final_en.results.json").write_text(json.dumps(results), encoding="utf-8")
    page = write_index(tmp_path, f"Programme {hostile}").read_text(encoding="utf-8")
    assert "<script>" not in page and "<b>" not in page
    assert page.count(html.escape(hostile)) == 3  # the title, the heading and a cell


@pytest.mark.parametrize(
    ("milestone", "language", "output", "notebook", "error", "match"),
    [
        ("milestone-9", "en", "reports", None, DefinitionError, "no milestone 'milestone-9'"),
        ("final", "it", "reports", None, ReportError, "language 'it' is not offered"),
        ("final", "en", "programme/raw/r", None, ReportError, "outputs never go there"),
        ("final", "en", "reports", "missing.ipynb", ReportError, "does not exist"),
        ("final", "en", "reports", "no_parameters.ipynb", ReportError, "does not declare"),
    ],
)
def test_report_parameters_are_checked_before_a_kernel_starts(
    demo_copy, tmp_path, monkeypatch, milestone, language, output, notebook, error, match
):
    import nbformat

    def no_kernel(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr("papermill.execute_notebook", no_kernel)
    bare = nbformat.read(BAD / "tiny_report.ipynb", as_version=4)
    bare.cells = bare.cells[1:]  # without its parameters cell
    nbformat.write(bare, tmp_path / "no_parameters.ipynb")
    programme = demo_copy.parent
    target = tmp_path / output if not output.startswith("programme") else programme / "raw/r"
    chosen = tmp_path / notebook if notebook else BAD / "tiny_report.ipynb"
    with pytest.raises(error, match=match):
        render(demo_copy, milestone, language, target, notebook=chosen)
    assert not target.exists(), "nothing may be created before the parameters are checked"
