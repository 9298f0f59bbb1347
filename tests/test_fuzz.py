"""Fuzzing the readers and the cleaning with mutated and generated exports (Hypothesis).

On every input, only the project's own exceptions may escape; when cleaning succeeds,
every raw row is accounted for (read = kept + excluded, each exclusion with a reason) and
no identifying value (names, e-mail addresses, IP addresses, tokens, identifying free
text) reaches the cleaned data or the cleaning log.

Run time is bounded by a profile chosen with the environment variable ``IMPACT_FUZZ``:
``ci`` (the default, about half a minute) or ``long`` (fifty times the examples, about
half an hour)::

    IMPACT_FUZZ=long .venv/bin/python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from impact.clean import accounting, clean
from impact.definitions import load_survey
from impact.errors import ImpactError
from impact.io import IDENTIFYING_METADATA, read_export

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tools"
SURVEY, INSTRUMENTS = load_survey(FIXTURES / "survey.yml")
FORMATS = {file.path: file.format for wave in SURVEY.waves for file in wave.files}
EXPORTS = sorted([*FORMATS, SURVEY.registry.file])

PROFILES = {"ci": 1, "long": 50}
PROFILE = os.environ.get("IMPACT_FUZZ", "ci")
if PROFILE not in PROFILES:
    raise ValueError(f"IMPACT_FUZZ={PROFILE!r}: choose one of {sorted(PROFILES)}")


def fuzz(examples: int):
    """Hypothesis settings: ``examples`` in CI, times the profile's factor otherwise."""
    return settings(
        max_examples=examples * PROFILES[PROFILE],
        # CI replays the same examples every run (a crash seen once is seen again, and a
        # green run stays green); the long profile explores new ones each time.
        derandomize=PROFILE == "ci",
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- mutations -------------------------------------------------------------------------

# Bytes that break exports in real life: encodings, BOMs, line ends, quotes, delimiters,
# other containers' magic numbers, spreadsheet formulas, numbers that overflow.
PAYLOADS = [
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\r",
    b"\n",
    b"\r\n",
    b'"',
    b";",
    b",",
    b"\t",
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    "ä".encode("cp1252"),
    "ä".encode(),
    b"-99",
    b"1e309",
    b"NaN",
    b"=cmd|' /C calc'!A0",
    b"PK\x03\x04",
    b"$FL2",
    b"\xd0\xcf\x11\xe0",
]
KINDS = ["insert", "delete", "replace", "truncate", "repeat_line", "drop_line", "swap_lines"]
mutation = st.tuples(
    st.sampled_from(KINDS),
    st.floats(0, 1),
    st.integers(1, 64),
    st.sampled_from(PAYLOADS) | st.binary(min_size=1, max_size=6),
)


def mutate(data: bytes, mutations: list[tuple[str, float, int, bytes]]) -> bytes:
    for kind, where, size, payload in mutations:
        at = int(where * len(data))
        lines = data.split(b"\n")
        line = min(int(where * len(lines)), len(lines) - 1)
        if kind == "insert":
            data = data[:at] + payload + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + size :]
        elif kind == "replace":
            data = data[:at] + payload + data[at + len(payload) :]
        elif kind == "truncate":
            data = data[:at]
        elif kind == "repeat_line":
            data = b"\n".join(lines[: line + 1] + lines[line:])
        elif kind == "drop_line":
            data = b"\n".join(lines[:line] + lines[line + 1 :])
        else:
            other = min(line + 1, len(lines) - 1)
            lines[line], lines[other] = lines[other], lines[line]
            data = b"\n".join(lines)
    return data


# --- what must never leak --------------------------------------------------------------


def _identifying_values() -> set[str]:
    """Every value of an identifying column in the fixture programme's files."""
    values: set[str] = set()
    mappings = {file.path: SURVEY.mappings[file.mapping] for w in SURVEY.waves for file in w.files}
    for name in EXPORTS:
        raw = read_export(FIXTURES / name, format=FORMATS.get(name, "auto"))
        if name == SURVEY.registry.file:
            columns = list(SURVEY.registry.identifying)
        else:
            columns = list(IDENTIFYING_METADATA.get(raw.provenance.format, ()))
            columns += mappings[name].identifying
        for column in columns:
            if column in raw.table:
                values |= {v.strip() for v in raw.table[column] if len(v.strip()) >= 6}
    return values


IDENTIFYING = _identifying_values()


def _leaked(cleaned) -> set[str]:
    frames = [cleaned.log, cleaned.responses, cleaned.texts, cleaned.submissions]
    text = "\n".join(f.astype(str).to_csv(index=False) for f in frames)
    return {value for value in IDENTIFYING if value in text}


def _accounted_for(cleaned, base: Path) -> None:
    """Raw rows read = kept + excluded per file; each exclusion has a reason."""
    submissions = cleaned.submissions
    assert set(submissions["status"]) <= {"kept", "excluded"}
    excluded = submissions["status"].eq("excluded")
    assert submissions.loc[excluded, "reason"].notna().all()
    assert submissions.loc[~excluded, "reason"].isna().all()
    rows = {p.path: p.rows for p in cleaned.provenance if Path(p.path).name in FORMATS}
    assert len(rows) == len(FORMATS)
    per_file = submissions.groupby("file", sort=False).size().to_dict()
    assert per_file == rows, "every raw row of every file has a submission row"
    table = accounting(cleaned)
    assert (table["raw_rows"] == table["kept"] + table["excluded"]).all()
    reasons = table.drop(columns=["wave", "file", "format", "raw_rows", "kept", "excluded"])
    assert (reasons.sum(axis=1) == table["excluded"]).all()
    assert int(table["raw_rows"].sum()) == sum(rows.values())
    kept = set(submissions.loc[~excluded, "participant"].dropna())
    assert set(cleaned.responses["participant"]) <= kept


@pytest.fixture(scope="module")
def workspace():
    """One writable copy of the fixture programme, restored before every example."""
    with tempfile.TemporaryDirectory(prefix="impact-fuzz-") as folder:
        base = Path(folder)
        for name in [*EXPORTS, "survey.yml"]:
            shutil.copy(FIXTURES / name, base / name)
        yield base


def _restore(base: Path) -> None:
    for name in EXPORTS:
        shutil.copy(FIXTURES / name, base / name)


def _clean_or_fail_clearly(base: Path):
    try:
        cleaned = clean(SURVEY, INSTRUMENTS, base)
    except ImpactError as error:
        assert str(error).strip(), "an error must say something"
        event(f"refused: {type(error).__name__}")  # --hypothesis-show-statistics
        return None
    event("cleaned")
    return cleaned


# --- the fuzz tests --------------------------------------------------------------------


@fuzz(examples=120)
@given(
    name=st.sampled_from(EXPORTS),
    mutations=st.lists(mutation, min_size=1, max_size=4),
    named=st.booleans(),
)
def test_readers_raise_only_their_own_errors_on_mutated_exports(name, mutations, named):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(mutate((FIXTURES / name).read_bytes(), mutations))
        try:
            raw = read_export(path, format=FORMATS.get(name, "auto") if named else "auto")
        except ImpactError as error:
            assert path.name in str(error), "the message names the file"
            event(f"refused: {type(error).__name__}")
            return
    event("read")
    table = raw.table
    assert raw.provenance.rows == len(table) > 0
    assert table.index.tolist() == list(range(1, len(table) + 1))
    assert all(isinstance(v, str) for column in table for v in table[column])


@fuzz(examples=30)
@given(name=st.sampled_from(EXPORTS), mutations=st.lists(mutation, min_size=1, max_size=3))
def test_cleaning_mutated_exports_fails_clearly_or_accounts_for_every_row(
    workspace, name, mutations
):
    _restore(workspace)
    path = workspace / name
    path.write_bytes(mutate(path.read_bytes(), mutations))
    cleaned = _clean_or_fail_clearly(workspace)
    if cleaned is not None:
        _accounted_for(cleaned, workspace)
        assert not _leaked(cleaned)


# --- generated exports -----------------------------------------------------------------

OFFICE = SURVEY.mappings["office"]
OFFICE_KEY = OFFICE.key
REGISTERED = pd.read_csv(FIXTURES / SURVEY.registry.file, dtype=str)[SURVEY.registry.key].tolist()
# Per office column: its instrument's response labels as (value, text) pairs.
LABELS = {
    column: sorted(
        (value, text)
        for value, label in INSTRUMENTS[spec.target.instrument].response.labels.items()
        for text in (label.de, label.en)
    )
    for column, spec in OFFICE.columns.items()
}
CP1252_TEXT = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzäöüßÄÖÜ ÉéèçñABCXYZ0123456789.,;:!?-'\""),
    max_size=30,
)


def _value(draw, column: str) -> str:
    """A cell as office staff type it: numbers (some out of range), labels, blanks."""
    kind = draw(st.sampled_from(["int", "decimal", "label", "numbered", "missing", "blank"]))
    if kind == "int":
        return str(draw(st.integers(-3, 9)))
    if kind == "decimal":
        return f"{draw(st.integers(0, 6))},{draw(st.sampled_from(['0', '5', '25']))}"
    if kind in ("label", "numbered") and LABELS[column]:
        value, text = draw(st.sampled_from(LABELS[column]))
        return text if kind == "label" else f"{value} = {text.lower()}"
    return "-99" if kind == "missing" else ""


@st.composite
def office_exports(draw) -> tuple[bytes, list[str]]:
    """A German office export for the final wave: keys, items, notes that name people."""
    columns = [OFFICE_KEY, "Datum", *OFFICE.columns, "Dauer (Min.)", "Bemerkung"]
    notes = []
    rows = []
    for number in range(draw(st.integers(1, 12))):
        key = draw(
            st.sampled_from(REGISTERED)
            | st.sampled_from(REGISTERED).map(lambda k: f" {k.lower()} ")
            | st.sampled_from(REGISTERED).map(lambda k: k[:-1] + "X")
            | st.sampled_from(["", "ZZ99ZZ", "-99"])
        )
        note = f"Kontakt: person{number}@example.org {draw(CP1252_TEXT)}".strip()
        notes.append(note)
        items = [_value(draw, column) for column in OFFICE.columns]
        if draw(st.sampled_from([False] * 9 + [True])):  # now and then a cell no label explains
            items[draw(st.integers(0, len(items) - 1))] = draw(CP1252_TEXT) + "?"
        duration = draw(st.sampled_from(["", "12", "3,5", "0", "-1", "viel"]))
        rows.append([key, "28.11.2024", *items, duration, note])
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=delimiter,
        lineterminator=draw(st.sampled_from(["\r\n", "\n"])),
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
    )
    writer.writerows([columns, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return buffer.getvalue().encode(encoding), notes


@fuzz(examples=30)
@given(export=office_exports())
def test_cleaning_generated_exports_fails_clearly_or_accounts_for_every_row(workspace, export):
    data, notes = export
    _restore(workspace)
    (workspace / "office.csv").write_bytes(data)
    cleaned = _clean_or_fail_clearly(workspace)
    if cleaned is not None:
        _accounted_for(cleaned, workspace)
        assert not _leaked(cleaned)
        frames = [cleaned.log, cleaned.responses, cleaned.texts, cleaned.submissions]
        text = "\n".join(f.astype(str).to_csv(index=False) for f in frames)
        assert "@example.org" not in text, "identifying notes are dropped at import"
        assert not any(note in text for note in notes)


def test_the_fuzzers_look_for_identifying_values():
    """The leak check is not vacuous: it knows names, e-mails, IP addresses and tokens."""
    assert any("@" in v for v in IDENTIFYING)
    assert any(v.count(".") == 3 and v.replace(".", "").isdigit() for v in IDENTIFYING)
    assert len(IDENTIFYING) >= 20


def test_mutations_change_the_bytes():
    original = (FIXTURES / "office.csv").read_bytes()
    assert mutate(original, [("insert", 0.5, 1, b"\x00")]) != original
    assert mutate(original, [("truncate", 0.25, 1, b"")]) == original[: len(original) // 4]
    assert mutate(original, [("drop_line", 0.0, 1, b"")]).count(b"\n") == original.count(b"\n") - 1
