"""The bad-input catalogue: exports, registries, survey and instrument definitions and CLI
arguments that must fail clearly (the import cases are in ``test_bad_input.py``).

Every case is checked four ways: the API raises the project's own exception class; its
message names the file and the place (line, key, column or row); the CLI prints that
message on one line with exit code 2 and no traceback; and nothing was written (no output
folder, no new file anywhere, every existing file byte for byte as before).
``docs/bad-inputs.md`` lists the cases; a test keeps that table and this file in step.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pyreadstat
import pytest
from typer.testing import CliRunner

from impact.cli import app
from impact.definitions import SHIPPED_INSTRUMENTS
from impact.errors import DefinitionError, ImpactError, InputError, ReportError
from impact.pipeline import load_programme
from impact.report import check_output_dir, check_parameters

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tools"
SHIPPED = SHIPPED_INSTRUMENTS
DOCS = ROOT / "docs" / "bad-inputs.md"
runner = CliRunner()


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it, what must be raised, and what the message says."""

    id: str
    area: str
    make: Callable[[Path], None]
    error: type[ImpactError]
    fragments: tuple[str, ...]
    # CLI arguments after the verb, with {survey}, {out} and {programme} filled in.
    command: tuple[str, ...] = ("import", "{survey}", "--out", "{out}")
    api: Callable[[Path, Path], object] = field(
        default=lambda survey, out: load_programme(survey).scores
    )


# --- helpers that damage a copy of the fixture programme ---------------------------------


def _replace(name: str, old: str, new: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        path = folder / name
        text = path.read_bytes().decode(encoding)
        assert old in text, f"{old!r} is not in {name}"
        path.write_bytes(text.replace(old, new, 1).encode(encoding))

    return make


def _bytes(name: str, change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        path = folder / name
        path.write_bytes(change(path.read_bytes()))

    return make


def _write(name: str, text: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / name).write_text(text, encoding="utf-8")

    return make


def _folder_instead_of(name: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()
        (folder / name / "kept.txt").write_text("a folder, not a file", encoding="utf-8")

    return make


def _instrument(name: str, *edits: tuple[str, str]) -> Callable[[Path], None]:
    """A programme-local copy of a shipped instrument definition, edited."""

    def make(folder: Path) -> None:
        (folder / "instruments").mkdir(exist_ok=True)
        text = (SHIPPED / f"{name}.yml").read_text(encoding="utf-8")
        for old, new in edits:
            assert old in text, f"{old!r} is not in {name}.yml"
            text = text.replace(old, new, 1)
        (folder / "instruments" / f"{name}.yml").write_text(text, encoding="utf-8")

    return make


def _merged_header(folder: Path) -> None:
    """Paper forms typed into Excel with a group heading merged over the WHO-5 columns."""
    workbook = openpyxl.load_workbook(folder / "paper.xlsx")
    sheet = workbook["Antworten"]
    header = [cell.value for cell in sheet[1]]
    first = header.index("WHO5_1") + 1
    for offset in range(5):
        sheet.cell(row=1, column=first + offset).value = None
    sheet.cell(row=1, column=first).value = "WHO-5"
    sheet.merge_cells(start_row=1, start_column=first, end_row=1, end_column=first + 4)
    workbook.save(folder / "paper.xlsx")


def _sav_with_string_items(folder: Path) -> None:
    """An SPSS file whose competence items were stored as strings, one a free answer."""
    frame, meta = pyreadstat.read_sav(str(folder / "spss.sav"))
    for column in ("komp_1", "komp_2"):
        frame[column] = frame[column].map(lambda v: "" if v != v else f"{v:g}")
    frame.loc[2, "komp_2"] = "sehr gut"
    pyreadstat.write_sav(frame, str(folder / "spss.sav"), column_labels=meta.column_labels)


def _qualtrics_without_import_ids(text: str) -> str:
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    assert lines[2].startswith('"{""ImportId""') or "ImportId" in lines[2]
    return "\r\n".join(lines[:2] + lines[3:])


def _limesurvey_full_headings(text: str) -> str:
    header, rest = text.split("\n", 1)
    for code, heading in [
        ('"id"', '"Response ID"'),
        ('"submitdate"', '"Date submitted"'),
        ('"lastpage"', '"Last page"'),
        ('"startlanguage"', '"Start language"'),
    ]:
        header = header.replace(code, heading, 1)
    return header + "\n" + rest


def _concatenated(data: bytes) -> bytes:
    """A second export pasted after the first, its BOM and header included."""
    return data + b"\xef\xbb\xbf" + data


def _anchor_bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def _office_values(change: Callable[[str], str]) -> Callable[[Path], None]:
    """The office export with every WHO-5 cell (``4,0`` …) changed."""

    def make(folder: Path) -> None:
        path = folder / "office.csv"
        lines = path.read_bytes().decode("cp1252").split("\n")
        header = lines[0].split(";")
        at = [i for i, name in enumerate(header) if name.startswith("Wohlbefinden_")]
        for n, line in enumerate(lines[1:], start=1):
            cells = line.split(";")
            if len(cells) == len(header):
                for i in at:
                    cells[i] = change(cells[i]) if cells[i] else cells[i]
                lines[n] = ";".join(cells)
        path.write_bytes("\n".join(lines).encode("cp1252"))

    return make


def _plus_one(cell: str) -> str:
    return f"{float(cell.replace(',', '.')) + 1:g}"


def _formula_in_paper(folder: Path) -> None:
    """A cell computed by a formula that was never calculated (saved by a script)."""
    workbook = openpyxl.load_workbook(folder / "paper.xlsx")
    sheet = workbook["Antworten"]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=3, column=header.index("WHO5_3") + 1).value = "=ROUND(AVERAGE(D3:E3),0)"
    workbook.save(folder / "paper.xlsx")


def _registry_as_merged_workbook(folder: Path) -> None:
    """The registry kept in Excel, one site cell merged over the rows of its people."""
    rows = [line.split(",") for line in (folder / "registry.csv").read_text().splitlines()]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    site = rows[0].index("site") + 1
    for row in range(3, 5):
        sheet.cell(row=row, column=site).value = None
    sheet.merge_cells(start_row=2, start_column=site, end_row=4, end_column=site)
    workbook.save(folder / "registry.xlsx")
    _replace("survey.yml", "file: registry.csv", "file: registry.xlsx")(folder)


def _fifo(folder: Path) -> None:
    (folder / "sosci.csv").unlink()
    os.mkfifo(folder / "sosci.csv")


def _link_outside(folder: Path) -> None:
    outside = folder.parent / "elsewhere.csv"
    outside.write_bytes((folder / "sosci.csv").read_bytes())
    (folder / "sosci.csv").unlink()
    (folder / "sosci.csv").symlink_to(outside)


def _copy_into_a_second_wave(folder: Path) -> None:
    (folder / "limesurvey-copy.csv").write_bytes((folder / "limesurvey.csv").read_bytes())
    _replace(
        "survey.yml",
        "      - {path: qualtrics.csv, format: qualtrics, mapping: qualtrics}",
        "      - {path: qualtrics.csv, format: qualtrics, mapping: qualtrics}\n"
        "      - {path: limesurvey-copy.csv, format: limesurvey, mapping: limesurvey}",
    )(folder)


REPORT = ("report", "{survey}", "--out", "{out}")

CASES = [
    # exports ---------------------------------------------------------------------------
    Case(
        "bom-in-the-middle",
        "export",
        _bytes("limesurvey.csv", _concatenated),
        InputError,
        ("limesurvey.csv", "line 9", "byte-order mark (BOM) in the middle"),
    ),
    Case(
        "lone-carriage-returns",
        "export",
        _bytes("limesurvey.csv", lambda b: b.replace(b"\n", b"\r", 2)),
        InputError,
        ("limesurvey.csv", "line 1", "malformed CSV", "lone carriage return"),
    ),
    Case(
        "nul-byte",
        "export",
        _bytes("limesurvey.csv", lambda b: b.replace(b'"192.0.2.12"', b'"192.0.2.\x0012"')),
        InputError,
        ("limesurvey.csv", "line 3", "NUL byte"),
    ),
    Case(
        "unbalanced-quote",
        "export",
        _bytes("limesurvey.csv", lambda b: b.replace(b'"BE03MU"', b'"BE03MU', 1)),
        InputError,
        ("limesurvey.csv", "row 2", "fields where the header has", "quoting"),
    ),
    Case(  # found by tests/test_fuzz.py: pandas refused what Python's csv module forgave
        "quote-never-closed",
        "export",
        _bytes("limesurvey.csv", lambda b: b[: b.index(b'"WHO5[SQ001]') + 5]),
        InputError,
        ("limesurvey.csv", "line 1", "malformed CSV", "a quote that is never closed"),
    ),
    Case(
        "excel-merged-header-cells",
        "export",
        _merged_header,
        InputError,
        ("paper.xlsx", "row 1", "has no name in the header", "D1:H1 are merged"),
    ),
    Case(
        "csv-unnamed-column-with-data",
        "export",
        _replace("office.csv", "Datum;", ";", "cp1252"),
        InputError,
        ("office.csv", "row 1", "column 2 has no name"),
    ),
    Case(
        "sav-string-items",
        "export",
        _sav_with_string_items,
        InputError,
        ("spss.sav", "column 'komp_2'", "row 3", "'sehr gut'"),
    ),
    Case(
        "qualtrics-without-importid-row",
        "export",
        _bytes(
            "qualtrics.csv",
            lambda b: _qualtrics_without_import_ids(b.decode("utf-8")).encode("utf-8"),
        ),
        InputError,
        ("qualtrics.csv", "row 2", "not the ImportId row"),
    ),
    Case(
        "limesurvey-full-headings",
        "export",
        _bytes(
            "limesurvey.csv",
            lambda b: _limesurvey_full_headings(b.decode("utf-8")).encode("utf-8"),
        ),
        InputError,
        ("limesurvey.csv", "full question texts as headings", "'question code' headings"),
    ),
    Case(
        "wrong-tool",
        "export",
        _replace("survey.yml", "format: limesurvey", "format: sosci"),
        InputError,
        ("limesurvey.csv", "not a SoSci Survey export", "'CASE'"),
    ),
    Case(
        "old-excel-xls",
        "export",
        _bytes("paper.xlsx", lambda b: b"\xd0\xcf\x11\xe0" + b[4:]),
        InputError,
        ("paper.xlsx", "old Excel .xls"),
    ),
    Case(
        "truncated-xlsx",
        "export",
        _bytes("paper.xlsx", lambda b: b[: len(b) // 2]),
        InputError,
        ("paper.xlsx", "cannot read the Excel workbook"),
    ),
    Case(
        "truncated-sav",
        "export",
        _bytes("spss.sav", lambda b: b[: len(b) // 2]),
        InputError,
        ("spss.sav", "cannot read the SPSS file"),
    ),
    Case(
        "missing-sheet",
        "export",
        _replace("survey.yml", "sheet: Antworten", "sheet: Antwort"),
        InputError,
        ("paper.xlsx", "no sheet 'Antwort'", "'Antworten'"),
    ),
    Case(
        "wave-date-in-the-future",
        "export",
        _replace("survey.yml", "date: 2024-11-28", "date: 2204-11-28"),
        InputError,
        ("office.csv", "waves.5.date", "in the future"),
    ),
    Case(
        "values-shifted-without-a-recode",
        "export",
        _office_values(_plus_one),
        InputError,
        ("office.csv", "column 'Wohlbefinden_", "lie in 1..6", "scale 0..5", "shifted by +1"),
    ),
    Case(
        "recode-on-an-export-that-needs-none",
        "export",
        lambda folder: (
            _office_values(lambda cell: {"3,0": "0", "4,0": "1"}.get(cell, cell))(folder),
            _replace(
                "survey.yml",
                "Wohlbefinden_1: who5.i1",
                "Wohlbefinden_1: {item: who5.i1, recode: *who5_1to6}",
            )(folder),
        ),
        InputError,
        ("office.csv", "column 'Wohlbefinden_1'", "the recode turns 1 into 0", "holds 0"),
    ),
    Case(
        "start-times-that-are-no-dates",
        "export",
        _replace("sosci.csv", "2024-01-10 18:09:11", "gestern abend"),
        InputError,
        ("sosci.csv", "column 'STARTED'", "row 2", "'gestern abend' is not a date"),
    ),
    Case(
        "start-times-day-or-month-first",
        "export",
        lambda folder: [
            _replace("sosci.csv", f"2024-01-10 18:{m}", f"01/10/2024 18:{m}")(folder)
            for m in ("02:11", "09:11", "16:11")
        ],
        InputError,
        ("sosci.csv", "column 'STARTED'", "day first or month first"),
    ),
    Case(
        "excel-formula-without-a-saved-result",
        "export",
        _formula_in_paper,
        InputError,
        ("paper.xlsx", "cell F3", "formula without a saved result", "save it again"),
    ),
    Case(
        "export-listed-twice",
        "export",
        _replace(
            "survey.yml",
            "      - {path: spss.sav, format: sav, mapping: spss}",
            "      - {path: spss.sav, format: sav, mapping: spss}\n"
            "      - {path: ./spss.sav, format: sav, mapping: spss}",
        ),
        InputError,
        ("spss.sav", "names this export twice", "waves.3.files.0.path", "waves.3.files.1.path"),
    ),
    Case(
        "export-copied-into-a-second-wave",
        "export",
        _copy_into_a_second_wave,
        InputError,
        ("limesurvey-copy.csv", "same contents", "limesurvey.csv", "count twice"),
    ),
    Case(
        "export-is-a-fifo",
        "export",
        _fifo,
        InputError,
        ("sosci.csv", "not a regular file but a FIFO"),
    ),
    Case(
        "export-is-a-device",
        "export",
        lambda folder: (
            _replace("survey.yml", "path: sosci.csv", "path: /dev/zero")(folder),
            _replace(
                "survey.yml", "missing_codes: [-99]", "missing_codes: [-99]\ndata_folders: [/dev]"
            )(folder),
        ),
        InputError,
        ("/dev/zero", "not a regular file but a character device"),
    ),
    Case(
        "export-outside-the-programme",
        "export",
        _replace("survey.yml", "path: office.csv", "path: ../../../../../../etc/passwd"),
        InputError,
        ("etc/passwd", "waves.5.files.0.path", "outside the programme's folder", "data_folders"),
    ),
    Case(
        "export-linked-from-outside",
        "export",
        _link_outside,
        InputError,
        ("sosci.csv", "waves.0.files.0.path", "outside the programme's folder"),
    ),
    # registries ------------------------------------------------------------------------
    Case(
        "registry-missing",
        "registry",
        lambda folder: (folder / "registry.csv").unlink(),
        InputError,
        ("registry.csv", "does not exist"),
    ),
    Case(
        "registry-is-a-folder",
        "registry",
        _folder_instead_of("registry.csv"),
        InputError,
        ("registry.csv", "a folder, not an export file"),
    ),
    Case(
        "registry-missing-column",
        "registry",
        _replace("registry.csv", "sector", "Sektor"),
        InputError,
        ("registry.csv", "column 'sector'", "did you mean 'Sektor'"),
    ),
    Case(
        "registry-row-without-key",
        "registry",
        _replace("registry.csv", "BE03MU", ""),
        InputError,
        ("registry.csv", "column 'code'", "row 2", "no participant key"),
    ),
    Case(
        "registry-header-only",
        "registry",
        _write("registry.csv", "code,name,email,sector,role,tandem,site\n"),
        InputError,
        ("registry.csv", "header but no data rows"),
    ),
    Case(
        "registry-total-row",
        "registry",
        lambda folder: (folder / "registry.csv").write_text(
            (folder / "registry.csv").read_text() + "\n,,,,,,\nTotal,8,,,,,\n"
        ),
        InputError,
        ("registry.csv", "column 'code'", "row 10", "looks like a total row ('TOTAL')"),
    ),
    Case(
        "registry-xlsx-merged-cells",
        "registry",
        _registry_as_merged_workbook,
        InputError,
        ("registry.xlsx", "the cells G2:G4", "are merged", "fill the value into every cell"),
    ),
    Case(
        "registry-outside-the-programme",
        "registry",
        lambda folder: (
            (folder.parent / "registry.csv").write_bytes((folder / "registry.csv").read_bytes()),
            _replace("survey.yml", "file: registry.csv", "file: ../registry.csv")(folder),
        ),
        InputError,
        ("registry.csv", "registry.file", "outside the programme's folder"),
    ),
    # survey definitions ----------------------------------------------------------------
    Case(
        "yaml-anchor-loop",
        "survey definition",
        _write("survey.yml", "programme: &p {id: x, self: [*p]}\n"),
        DefinitionError,
        ("survey.yml", "line 1", "anchor loop"),
    ),
    Case(
        "yaml-billion-laughs",
        "survey definition",
        _write("survey.yml", _anchor_bomb()),
        DefinitionError,
        ("survey.yml", "line 1", "alias bomb"),
    ),
    Case(
        "yaml-50-mb-string",
        "survey definition",
        _write("survey.yml", "programme: {id: x, name: '" + "x" * 50_000_000 + "'}\n"),
        DefinitionError,
        ("survey.yml", "50,000,029 bytes", "at most 1,000,000"),
    ),
    Case(
        "yaml-python-tag",
        "survey definition",
        _write("survey.yml", "programme: !!python/object/apply:os.system ['touch pwned']\n"),
        DefinitionError,
        ("survey.yml", "line 1", "tag that definitions may not use"),
    ),
    Case(
        "yaml-repeated-key",
        "survey definition",
        _replace("survey.yml", "missing_codes: [-99]", "missing_codes: [-99]\nmissing_codes: []"),
        DefinitionError,
        ("survey.yml", "line 22", "'missing_codes' appears twice"),
    ),
    Case(
        "yaml-tab-indentation",
        "survey definition",
        _replace("survey.yml", "  id: fixture", "\tid: fixture"),
        DefinitionError,
        ("survey.yml", "line 4", "not well-formed"),
    ),
    Case(
        "definition-not-utf8",
        "survey definition",
        _bytes("survey.yml", lambda b: b.replace(b"(made up)", b"(M\xfcller)")),
        DefinitionError,
        ("survey.yml", "not UTF-8"),
    ),
    Case(
        "definition-is-a-folder",
        "survey definition",
        _folder_instead_of("survey.yml"),
        DefinitionError,
        ("survey.yml", "a folder, not a definition file"),
    ),
    Case(
        "waves-out-of-date-order",
        "survey definition",
        _replace("survey.yml", "date: 2024-04-17", "date: 2025-04-17"),
        DefinitionError,
        ("survey.yml", "line 128", "key 'waves'", "order of their dates"),
    ),
    Case(
        "first-wave-not-kickoff",
        "survey definition",
        _replace("survey.yml", "- id: kickoff", "- id: milestone-9"),
        DefinitionError,
        ("survey.yml", "line 128", "key 'waves'", "first wave must be 'kickoff'"),
    ),
    Case(
        "mapping-to-unknown-item",
        "survey definition",
        _replace("survey.yml", "KO01_06: competences.c6", "KO01_06: competences.c9"),
        DefinitionError,
        ("survey.yml", "line 45", "key 'mappings.sosci.KO01_06'", "no item 'c9'"),
    ),
    Case(
        "wave-date-that-does-not-exist",
        "survey definition",
        _replace("survey.yml", "date: 2024-08-21", "date: 2024-02-30"),
        DefinitionError,
        ("survey.yml", "line 141", "'2024-02-30' is not a date", "day is out of range"),
    ),
    Case(
        "two-columns-mapped-to-one-item",
        "survey definition",
        _replace(
            "survey.yml",
            "Kompetenz_vorher_2: competences.c2@then",
            "Kompetenz_vorher_2: competences.c1@then",
        ),
        DefinitionError,
        (
            "survey.yml",
            "key 'mappings.office.Kompetenz_vorher_2'",
            "'Kompetenz_vorher_1' and 'Kompetenz_vorher_2' are both mapped",
        ),
    ),
    # instrument definitions ------------------------------------------------------------
    Case(
        "reverse-keyed-item-without-a-scale",
        "instrument definition",
        _instrument(
            "who5",
            ("kind: scale", "kind: multiselect\nchecked: 1"),
            ("  - id: i1\n", "  - id: i1\n    reverse: true\n"),
        ),
        DefinitionError,
        ("who5.yml", "reverse-keyed", "not a 'multiselect' instrument"),
    ),
    Case(
        "label-outside-the-scale",
        "instrument definition",
        _instrument("who5", ("    0: {de:", "    7: {de:")),
        DefinitionError,
        ("who5.yml", "line 15", "key 'response'", "labels [7] lie outside the scale 0.0..5.0"),
    ),
    Case(
        "scale-min-not-below-max",
        "instrument definition",
        _instrument("who5", ("  max: 5\n", "  max: 0\n")),
        DefinitionError,
        ("who5.yml", "key 'response'", "must be below max"),
    ),
    Case(
        "min-items-above-item-count",
        "instrument definition",
        _instrument("who5", ("  min_items: 4", "  min_items: 6")),
        DefinitionError,
        ("who5.yml", "exceeds the number of items"),
    ),
    Case(
        "repeated-item-id",
        "instrument definition",
        _instrument("who5", ("  - id: i2\n", "  - id: i1\n")),
        DefinitionError,
        ("who5.yml", "key 'items'", "repeated: ['i1']"),
    ),
    Case(
        "instrument-id-not-file-name",
        "instrument definition",
        _instrument("who5", ("id: who5", "id: who_5")),
        DefinitionError,
        ("who5.yml", "line 2", "key 'id'", "differs from the file name"),
    ),
    Case(
        "instrument-yaml-anchor-loop",
        "instrument definition",
        _instrument("who5", ("items:\n", "loop: &l [*l]\nitems:\n")),
        DefinitionError,
        ("who5.yml", "anchor loop"),
    ),
    # CLI arguments ---------------------------------------------------------------------
    Case(
        "milestone-that-does-not-exist",
        "CLI argument",
        lambda folder: None,
        DefinitionError,
        ("survey.yml", "key 'waves'", "no milestone 'milestone-7'", "did you mean"),
        command=(*REPORT, "--milestone", "milestone-7"),
        api=lambda survey, out: check_parameters(survey, "milestone-7", "en", output_dir=out),
    ),
    Case(
        "language-not-offered",
        "CLI argument",
        lambda folder: None,
        ReportError,
        ("survey.yml", "key 'languages'", "language 'fr' is not offered"),
        command=(*REPORT, "--milestone", "final", "--lang", "fr"),
        api=lambda survey, out: check_parameters(survey, "final", "fr", output_dir=out),
    ),
    Case(
        "language-not-offered-by-the-programme",
        "CLI argument",
        _replace("survey.yml", "missing_codes: [-99]", "missing_codes: [-99]\nlanguages: [de]"),
        ReportError,
        ("survey.yml", "key 'languages'", "language 'en' is not offered", "['de']"),
        command=(*REPORT, "--milestone", "final", "--lang", "en"),
        api=lambda survey, out: check_parameters(survey, "final", "en", output_dir=out),
    ),
    Case(
        "output-folder-is-a-file",
        "CLI argument",
        lambda folder: (folder.parent / "out").write_text("not a folder", encoding="utf-8"),
        ReportError,
        ("/out' is a file, not a folder",),
        command=(*REPORT, "--all"),
        api=lambda survey, out: check_output_dir(out, survey),
    ),
    Case(
        "output-of-report-among-raw-data",
        "CLI argument",
        lambda folder: None,
        ReportError,
        ("programme/reports", "lies inside", "outputs never go there"),
        command=("report", "{survey}", "--all", "--out", "{programme}/reports"),
        api=lambda survey, out: check_output_dir(survey.parent / "reports", survey),
    ),
    Case(
        "output-of-import-among-raw-data",
        "CLI argument",
        lambda folder: None,
        ReportError,
        ("programme/data", "lies inside", "outputs never go there"),
        command=("import", "{survey}", "--out", "{programme}/data"),
        api=lambda survey, out: check_output_dir(survey.parent / "data", survey),
    ),
    Case(
        "analyse-until-unknown-wave",
        "CLI argument",
        lambda folder: None,
        DefinitionError,
        ("survey.yml", "key 'waves'", "no wave 'milestone-9'"),
        command=("analyse", "{survey}", "--until", "milestone-9"),
        api=lambda survey, out: load_programme(survey).change(until="milestone-9"),
    ),
]


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` with the SHA-256 of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    """A writable copy of the fixture programme in ``tmp_path/programme``."""
    target = tmp_path / "programme"
    shutil.copytree(FIXTURES, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case: Case, programme: Path):
    case.make(programme)
    survey, out = programme / "survey.yml", programme.parent / "out"
    before = _snapshot(programme.parent)

    started = time.perf_counter()
    with pytest.raises(ImpactError) as raised:
        case.api(survey, out)
    assert time.perf_counter() - started < 10, "bad input must fail fast"
    assert type(raised.value) is case.error, f"{type(raised.value).__name__}: {raised.value}"
    message = " ".join(str(raised.value).split())
    for fragment in case.fragments:
        assert fragment in message, message

    values = {"survey": str(survey), "out": str(out), "programme": str(programme)}
    result = runner.invoke(app, [part.format(**values) for part in case.command])
    # A wrong argument is a usage error (2), bad data or definitions exit with 3.
    assert result.exit_code == (2 if case.area == "CLI argument" else 3), result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    assert message in lines[0], f"the CLI must print the API's message: {lines[0]}"

    assert _snapshot(programme.parent) == before, "bad input must change and write nothing"
    for written in ("out", "programme/reports", "programme/data"):
        target = programme.parent / written
        assert not target.is_dir(), f"{written}/ must not be created"
    assert not (Path.cwd() / "pwned").exists()


def test_the_catalogue_has_at_least_25_cases_in_every_area():
    areas = {case.area for case in CASES}
    assert len({case.id for case in CASES}) == len(CASES) >= 25
    assert areas == {
        "export",
        "registry",
        "survey definition",
        "instrument definition",
        "CLI argument",
    }


def test_the_docs_table_lists_every_case():
    rows = re.findall(r"^\| `([a-z0-9-]+)` \|", DOCS.read_text(encoding="utf-8"), re.MULTILINE)
    catalogue = [row for row in rows if not row.startswith("import-")]
    assert catalogue == [case.id for case in CASES]


def test_mixed_line_endings_are_read_not_refused(programme: Path):
    """CRLF and LF mixed in one export (files edited on two systems) read as they should."""
    clean = load_programme(programme / "survey.yml").accounting()
    _bytes("limesurvey.csv", lambda b: b.replace(b"\r\n", b"\n", 3))(programme)
    mixed = load_programme(programme / "survey.yml").accounting()
    assert mixed.equals(clean)


def test_cli_usage_errors_write_nothing(programme: Path):
    survey, out = programme / "survey.yml", programme.parent / "out"
    for args, fragment in [
        (
            ["import", str(survey), "--out", str(out), "--lang", "fr"],
            "`--lang` must be one of ['de', 'en']; got 'fr'",
        ),
        (["import", str(survey), "--out", str(out), "--export", "docx"], "'docx'"),
        (["report", str(survey), "--out", str(out)], "name a --milestone, or use --all"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and fragment in result.output, result.output
        assert not out.exists()
