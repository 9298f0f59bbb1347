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

from impact import tools
from impact.clean import accounting, clean, review
from impact.definitions import load_survey
from impact.errors import ImpactError
from impact.io import read_export

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
            columns = list(getattr(tools.adapter_for(raw.provenance.format), "identifying", ()))
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


# --- label exports ---------------------------------------------------------------------

LIMESURVEY = next(f.path for w in SURVEY.waves for f in w.files if f.mapping == "limesurvey")
WHO5_COLUMNS = [
    column
    for column, spec in SURVEY.mappings["limesurvey"].columns.items()
    if spec.target.instrument == "who5"
]
WHO5_LABELS = INSTRUMENTS["who5"].response.labels


def _limesurvey_rows() -> list[list[str]]:
    text = (FIXTURES / LIMESURVEY).read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@st.composite
def label_exports(draw) -> bytes:
    """The LimeSurvey export (codes 1..6, recoded to 0..5) with any of its WHO-5 cells
    written as answer texts instead ("full answers"): German or English, numbered, in
    capitals or padded with spaces."""
    rows = _limesurvey_rows()
    header = rows[0]
    for row in rows[1:]:
        for column in WHO5_COLUMNS:
            at = header.index(column)
            if not row[at].isdigit() or not 1 <= int(row[at]) <= 6:
                continue
            value = int(row[at]) - 1
            form = draw(st.sampled_from(["code", "de", "en", "numbered", "upper", "padded"]))
            text = WHO5_LABELS[value][draw(st.sampled_from(["de", "en"]))]
            row[at] = {
                "code": row[at],
                "de": WHO5_LABELS[value].de,
                "en": WHO5_LABELS[value].en,
                "numbered": f"{value} = {text}",
                "upper": text.upper(),
                "padded": f"  {text} ",
            }[form]
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def numeric_responses(workspace):
    _restore(workspace)
    return clean(SURVEY, INSTRUMENTS, workspace).responses.astype(str)


@fuzz(examples=20)
@given(export=label_exports())
def test_a_label_export_gives_the_numeric_exports_values(workspace, numeric_responses, export):
    """Texts are on the scale already: the recode for the codes must not touch them."""
    _restore(workspace)
    (workspace / LIMESURVEY).write_bytes(export)
    cleaned = clean(SURVEY, INSTRUMENTS, workspace)
    pd.testing.assert_frame_equal(cleaned.responses.astype(str), numeric_responses)


# --- Unicode keys ----------------------------------------------------------------------

_LATIN_TWINS = {"A": "АΑ", "B": "ВΒ", "E": "ЕΕ", "H": "НΗ", "K": "КΚ", "M": "МΜ"}
_LATIN_TWINS |= {"O": "ОΟ", "P": "РΡ", "C": "С", "T": "ТΤ", "X": "ХΧ", "N": "Ν"}
_SPACES = ["\u00a0", "\u2009", "\u3000", "\u202f", " ", "\t"]


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@st.composite
def typed_keys(draw) -> tuple[str, str, int]:
    """A registered key as typed on a phone or in another keyboard layout: the key, what
    was typed, and how many letters were swapped for look-alikes of another script."""
    key = draw(st.sampled_from(REGISTERED))
    typed = list(key)
    for i in range(len(typed)):
        change = draw(st.sampled_from(["keep", "keep", "lower", "wide", "twin"]))
        if change == "lower":
            typed[i] = typed[i].lower()
        elif change == "wide":
            typed[i] = _full_width(typed[i])
        elif change == "twin" and typed[i] in _LATIN_TWINS:
            typed[i] = draw(st.sampled_from(_LATIN_TWINS[typed[i]]))
        if draw(st.integers(0, 5)) == 0:
            typed[i] += draw(st.sampled_from(_SPACES))
    twins = sum(ord(c) > 0x36F and ord(c) < 0x500 for c in "".join(typed))
    return key, "".join(typed), twins


@fuzz(examples=30)
@given(typed=typed_keys())
def test_a_key_typed_in_other_scripts_or_widths_is_matched_or_flagged_never_lost(workspace, typed):
    key, text, twins = typed
    _restore(workspace)
    rows = _limesurvey_rows()
    at = rows[0].index(SURVEY.mappings["limesurvey"].key)
    row = next(n for n, r in enumerate(rows) if n and r[at] != key)
    rows[row][at] = text
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    (workspace / LIMESURVEY).write_bytes(buffer.getvalue().encode("utf-8"))
    cleaned = _clean_or_fail_clearly(workspace)
    if cleaned is None:
        return  # e.g. the key now duplicates another submission of the file: refused
    submissions = cleaned.submissions
    mine = submissions[submissions["file"].str.endswith(LIMESURVEY)].iloc[row - 1]
    flagged = review(cleaned)
    if twins == 0:
        assert mine["participant"] == key, "width, case and spaces never make a new person"
    elif mine["participant"] != key:
        confusable = flagged[flagged["rule"].eq("key_confusable")]
        assert key in set(confusable["new_value"]), "a look-alike is flagged with its twin"
    else:
        assert not flagged.empty, "a look-alike matched as a typo is up for review"


# --- hostile free text -----------------------------------------------------------------

SCRUB_NAMES = ["Zoë Zimmer", "Jonas Krüger", "Ben Müller", "AN12KL", "TH02TT"]
FILLER = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz ÄÖÜäöüßé.,;:!?()-'\"0123456789")),
    max_size=40,
)


@st.composite
def secrets(draw) -> tuple[str, str]:
    """An identifying value as people write it, and the part of it that must go."""
    kind = draw(st.sampled_from(["email", "spelled", "wide", "phone", "ip", "name", "code"]))
    local = draw(st.sampled_from(["zoe", "j.krueger", "ben_m", "info"]))
    domain = draw(st.sampled_from(["gmx", "uni-marburg", "web"]))
    if kind == "email":
        return f"{local}@{domain}.de", f"{domain}.de"
    if kind == "spelled":
        at = draw(st.sampled_from([" at ", "(at)", " [at] ", " (at) "]))
        dot = draw(st.sampled_from([" dot ", "(dot)", " [dot] ", " punkt "]))
        return f"{local}{at}{domain}{dot}de", domain
    if kind == "wide":
        return _full_width(f"{local}@{domain}.de"), domain
    if kind == "phone":
        sep = draw(st.sampled_from([" ", ".", "/", "-", ""]))
        prefix = draw(st.sampled_from(["0171", "+49 171", "0049 171", "(0171)"]))
        return f"{prefix}{sep}2345678", "2345678"
    if kind == "ip":
        return draw(st.sampled_from(["192.0.2.44", "10.1.20.3", "2001:db8::8a2e:370:7334"])), "2."
    if kind == "name":
        name = draw(st.sampled_from(["Zoë", "Zoe", "ZOE", "Krüger", "Krueger", "Kruger", "Müller"]))
        suffix = draw(st.sampled_from(["", "s", "'s", "’s", "'"]))
        return name + suffix, name
    code = draw(st.sampled_from(["AN12KL", "th02tt", "QX55RB", "ТН02ТТ", _full_width("TH02TT")]))
    return code, code


@fuzz(examples=60)
@given(parts=st.lists(st.tuples(FILLER, secrets()), min_size=1, max_size=6), tail=FILLER)
def test_scrubbing_removes_every_identifying_value_from_hostile_text(parts, tail):
    import signal
    import unicodedata

    from impact.scrub import scrub_text

    text = " ".join(f"{filler} {secret}" for filler, (secret, _) in parts) + " " + tail

    def expired(signum, frame):
        raise TimeoutError("scrubbing took more than 2 s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(2)
    try:
        scrubbed = scrub_text(text, names=SCRUB_NAMES)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    folded = unicodedata.normalize("NFKC", scrubbed).casefold()
    for _, (secret, part) in parts:
        if part == "2.":  # an IP address: none of its dotted numbers is left
            assert unicodedata.normalize("NFKC", secret) not in scrubbed
            continue
        assert unicodedata.normalize("NFKC", part).casefold() not in folded, (text, scrubbed)
