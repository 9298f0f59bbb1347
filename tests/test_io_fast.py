"""The fast CSV read path (arrow) against the careful one (Python's csv + pandas).

``read_export`` reads delimited text with arrow when it can vouch for the result and falls
back to the careful path otherwise, which also words every error. These tests prove the two
give the same ``RawExport`` for every good file and the same message for every bad one:
the fixtures, the demo, the bad-input catalogue, mutated fixtures and generated text.

Run as a script, the module compares and times both paths on large exports::

    .venv/bin/python tests/test_io_fast.py bench/data/csv_100000_1
"""

from __future__ import annotations

import csv
import math
import shutil
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from test_catalogue import CASES
from test_fuzz import fuzz, mutate, mutation

from impact import io as impact_io
from impact.demo import DEMO_SURVEY
from impact.errors import InputError
from impact.io import _read_text_careful, _read_text_fast, read_export

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEXT_FILES = sorted(
    p
    for p in [*FIXTURES.rglob("*"), *(DEMO_SURVEY.parent / "raw").glob("*")]
    if p.suffix in (".csv", ".txt") and p.is_file()
)
ALL_FILES = sorted(
    [*TEXT_FILES, *FIXTURES.rglob("*.xlsx"), *FIXTURES.rglob("*.sav")],
)
PATH = Path("generated.csv")
FUZZ = fuzz(examples=150)  # IMPACT_FUZZ=long: fifty times as many (see test_fuzz.py)


def _careful_export(path: Path, **options) -> impact_io.RawExport | str:
    """``read_export`` with the fast path switched off (its message where it fails)."""
    fast = impact_io._read_text_fast
    impact_io._read_text_fast = lambda *args: None
    try:
        return read_export(path, **options)
    except InputError as error:
        return str(error)
    finally:
        impact_io._read_text_fast = fast


def _export(path: Path, **options) -> impact_io.RawExport | str:
    try:
        return read_export(path, **options)
    except InputError as error:
        return str(error)


def _assert_same_export(path: Path, **options) -> None:
    careful, fast = _careful_export(path, **options), _export(path, **options)
    if isinstance(careful, str) or isinstance(fast, str):
        assert fast == careful
        return
    pd.testing.assert_frame_equal(fast.table, careful.table, check_exact=True)
    assert fast.provenance == careful.provenance
    assert fast.questions == careful.questions
    assert fast.value_labels == careful.value_labels
    assert fast.user_missing == careful.user_missing


def _same_read(data: bytes, encoding: str | None = None, delimiter: str | None = None) -> bool:
    """Assert the fast path, where it answers, gives what the careful path gives; say if it
    answered."""
    fast = _read_text_fast(data, PATH, encoding, delimiter)
    if fast is None:
        return False
    try:
        careful = _read_text_careful(data, PATH, encoding, delimiter)
    except Exception as error:  # noqa: BLE001 - the fast path must not pass what this refuses
        pytest.fail(f"the careful path refuses what the fast path read: {error}")
    pd.testing.assert_frame_equal(fast[0], careful[0], check_exact=True)
    assert fast[1:] == careful[1:]
    return True


# --- every file in the fixtures and the demo ---------------------------------------------


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_text_fixture_is_read_fast_and_the_same(path):
    assert _same_read(path.read_bytes()), "a good export should take the fast path"


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_fixture_export_is_the_same_raw_export(path):
    _assert_same_export(path)


def test_utf16_is_read_fast_and_the_same():
    data = (FIXTURES / "tools" / "sosci_unicode.txt").read_bytes()
    assert data.startswith(b"\xff\xfe")
    assert _same_read(data)


# --- the bad-input catalogue and the import cases: the same message ----------------------

EXPORT_CASES = [case for case in CASES if case.area in ("export", "registry")]


@pytest.mark.parametrize("case", EXPORT_CASES, ids=lambda case: case.id)
def test_every_catalogued_bad_export_gives_the_same_message(case, tmp_path):
    folder = tmp_path / "programme"
    shutil.copytree(FIXTURES / "tools", folder, ignore=shutil.ignore_patterns("*.py"))
    case.make(folder)
    for path in sorted(folder.iterdir()):
        if path.suffix in (".csv", ".txt", ".xlsx", ".sav"):
            _assert_same_export(path)


OFFICE = (FIXTURES / "tools" / "office.csv").read_bytes()
LIME = (FIXTURES / "tools" / "limesurvey.csv").read_bytes()
BAD = {
    "empty": b"",
    "blank": b" \r\n\t\n",
    "header only": OFFICE.splitlines(keepends=True)[0],
    "truncated last line": OFFICE[:-40],
    "short row": b"a;b;c\n1;2;3\n4;5\n6;7;8\n",
    "long row": b"a;b;c\n1;2;3;4\n",
    "undecodable": LIME.replace(b"AN12KL", b"AN\xff12KL"),
    "broken UTF-8 in a UTF-8 file": "ä;b\nü;1\n".encode() + b"\xc3(;2\n",
    "repeated column": OFFICE.replace(b"Datum;", b"Kompetenz_2;", 1),
    "repeated after stripping": b"a; a;b\n1;2;3\n",
    "unnamed column with data": b"a;;b\n1;2;3\n",
    "unnamed column without data": b"a;;b\n1;;3\n",
    "lone CR": LIME.replace(b"\n", b"\r", 2),
    "lone CR at the end": b"a;b\n1;2\r",
    "CR inside quotes": b'a;b\n"x\ry";2\n',
    "NUL": LIME.replace(b"192.0.2.12", b"192.0.2.\x0012"),
    "BOM in the middle": LIME + b"\xef\xbb\xbf" + LIME,
    "two BOMs at the start": b"\xef\xbb\xbf\xef\xbb\xbfa;b\n1;2\n",
    "quote never closed": LIME[: LIME.index(b'"WHO5[SQ001]') + 5],
    "quote open at the end": b'a;b\n1;2\n3;"4\n',
    "quote open at the end, no line end": b'a;b\n1;2\n3;"4',
    "quote open with doubled quotes": b'a;b\n1;"2""\n',
    "one column": b"code\nAB\n\nCD\n",
    "header in quotes over many lines": b'"a' + b"\n" * 40 + b'";b\n1;2\n',
    "huge field": b"a;b\n1;" + b"x" * 140_000 + b"\n",
    "header with spaces": b" a ;b \n1;2\n",
    "blank lines": b"a;b\n\n1;2\r\n\r\n\n3;4\n\n",
    "whitespace line": b"a;b\n1;2\n   \n3;4\n",
    "quoted line ends": b'a;b\r\n"1\r\n2";"3\n4"\r\n',
    "text kept as text": b'a;b\nNA; null \n"";3,50\n007;"x""y"\n',
}


@pytest.mark.parametrize("name", list(BAD))
@pytest.mark.parametrize("delimiter", [None, ";", ","])
def test_odd_and_bad_text_gives_the_same_table_or_message(name, delimiter, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(BAD[name])
    _assert_same_export(path, format="csv", delimiter=delimiter)
    _assert_same_export(path, delimiter=delimiter)


def test_the_fast_path_refuses_what_it_cannot_vouch_for():
    for name in ["lone CR", "NUL", "BOM in the middle", "quote open at the end", "huge field"]:
        assert _read_text_fast(BAD[name], PATH, None, None) is None, name
    assert _same_read(BAD["quoted line ends"]) and _same_read(BAD["text kept as text"])
    assert _same_read(BAD["blank lines"])


@pytest.mark.parametrize("extra", [-1, 0, 1])
@pytest.mark.parametrize("row", [1, 30_000, 60_000])
def test_a_field_beyond_the_csv_size_limit_is_left_to_the_careful_path(extra, row):
    limit = csv.field_size_limit()
    rows = [b"1;2\n"] * 60_000
    rows.insert(row - 1, b'5;"' + b"x" * (limit + extra) + b'"\n')
    data = b"a;b\n" + b"".join(rows)
    assert (_read_text_fast(data, PATH, None, None) is None) == (extra >= 0)
    if extra > 0:
        with pytest.raises(InputError, match=f"line {row + 1}: malformed CSV: field larger"):
            _read_text_careful(data, PATH, None, None)
    else:
        assert len(_read_text_careful(data, PATH, None, None)[0]) == 60_001


def test_encodings_and_delimiters_named_in_the_survey_are_honoured():
    text = "Name;Größe\nä;1,5\n"
    for encoding in ("utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"):
        data = text.encode(encoding)
        assert _same_read(data, encoding=encoding), encoding
    assert _same_read(b"a|b\n1|2\n", delimiter="|")
    assert _read_text_fast(b"a;b\n1;2\n", PATH, "no-such-codec", None) is None


# --- SPSS: numbers printed as an export would print them ----------------------------------


def _printed(number: float) -> str:
    """One number as the SPSS reader prints it, value by value."""
    if math.isnan(number):
        return ""
    if abs(number) < 2**53 and number == math.floor(number):
        return str(int(number))
    return pd.Series([number]).astype(str).iloc[0]


EDGES = [3.0, -9.0, -99.0, 2.5, 1e20, math.inf, -math.inf, -0.0, 2.0**53, 2.0**53 - 1, 0.1 + 0.2]
EDGES += [-(2.0**53), 1e-300, 5e-324, 123456789.0, 1e6, -1.5, math.nan, 4095.0, -4096.0]


@FUZZ
@given(
    numbers=st.lists(
        st.sampled_from(EDGES) | st.integers(-10_000, 10_000).map(float) | st.floats(),
        max_size=40,
    )
)
def test_spss_numbers_are_printed_value_by_value_the_same(numbers):
    values = pd.Series(numbers, dtype=float)
    text = impact_io._numbers_as_text(values)
    assert text.tolist() == [_printed(number) for number in numbers]
    assert text.dtype == pd.Series(["x"]).astype(str).dtype
    assert text.index.equals(values.index)


def test_spss_whole_numbers_far_apart_are_printed_too():
    values = pd.Series([0.0, 1e9, -5.0, math.nan, 7.25])
    assert impact_io._numbers_as_text(values).tolist() == ["0", "1000000000", "-5", "", "7.25"]


# --- fuzzing: mutated fixtures and generated text -----------------------------------------

MUTABLE = [p for p in TEXT_FILES if p.parent.name in ("tools", "raw") and p.stat().st_size < 20_000]


@FUZZ
@given(
    path=st.sampled_from(MUTABLE),
    mutations=st.lists(mutation, min_size=1, max_size=4),
)
def test_mutated_exports_read_the_same_by_both_paths(path, mutations):
    data = mutate(path.read_bytes(), mutations)
    event("fast" if _same_read(data) else "careful")


TOKENS = ["a", "b7", " ", "ä", "€", '"', '""', ";", ",", "\t", "\n", "\r\n", "\r", "NA", "-99"]
TOKENS += ["x", "y", "1", "2,5"] * 3  # mostly plain cells, so many files are well formed
cell = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=3).map("".join),
    st.lists(st.sampled_from(TOKENS), max_size=4).map(lambda t: '"' + "".join(t) + '"'),
)


@st.composite
def generated_text(draw) -> str:
    """A header of unique names and rows mostly of the header's width, any delimiter, line
    end and quoting; now and then a row one field short or long."""
    header = draw(
        st.lists(
            st.sampled_from(["a", "b", " c", "d ", '"e;f"', '"g""h"', '"i\nj"']),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [delimiter.join(header)]
    for _ in range(draw(st.integers(0, 5))):
        width = len(header) + draw(st.sampled_from([0, 0, 0, 0, 0, 0, -1, 1]))
        lines.append(delimiter.join(draw(st.lists(cell, min_size=width, max_size=width))))
        if draw(st.integers(0, 9)) == 0:
            lines.append("")
    return newline.join(lines) + draw(st.sampled_from(["", newline]))


@FUZZ
@given(
    text=generated_text(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)
def test_generated_text_reads_the_same_by_both_paths(text, encoding):
    data = text.encode(encoding, errors="replace")
    event("fast" if _same_read(data) else "careful")
    for delimiter in (";", ",", "\t"):
        event("fast, named" if _same_read(data, delimiter=delimiter) else "careful, named")


def test_generated_files_often_take_the_fast_path():
    """The generated-text fuzz would prove little if the fast path always declined."""
    rng = np.random.default_rng(7)
    taken = 0
    for _ in range(200):
        header = ["a", "b", "c"]
        rows = [
            [
                rng.choice(["1", "", "x y", '"q;u""o"', '"line\nbreak"', "NA"])
                for _ in range(len(header))
            ]
            for _ in range(rng.integers(1, 6))
        ]
        text = "\n".join(";".join(row) for row in [header, *rows]) + "\n"
        taken += _same_read(text.encode())
    assert taken == 200


# --- as a script: equality and timing on large exports ------------------------------------


def _best_of(repeat: int, read, *args, **options) -> tuple[float, object]:
    """The shortest of ``repeat`` wall times (the machine is shared) and the last result."""
    times = []
    for _ in range(repeat):
        clock = time.perf_counter()
        result = read(*args, **options)
        times.append(time.perf_counter() - clock)
    return min(times), result


def _compare_folder(folder: Path, repeat: int = 3) -> None:
    """Each export of ``folder`` (and its registry): plain ``pandas.read_csv`` (as
    bench/bench.py calls it), ``read_export`` by the careful path alone and with the fast
    path, best of ``repeat``, side by side; the two ``RawExport`` compared."""
    files = sorted((folder / "raw").glob("*.csv")) + sorted(folder.glob("registry.csv"))
    totals = np.zeros(3)
    print(f"{'file':<20}{'MB':>6}{'read_csv':>10}{'careful':>10}{'fast':>10}{'fast/csv':>10}")
    for path in files:
        header = path.read_text(encoding="utf-8-sig")[:5000].splitlines()[0]
        plain, _ = _best_of(repeat, pd.read_csv, path, sep=max(";\t,", key=header.count))
        slow, careful = _best_of(repeat, _careful_export, path)
        fast, raw = _best_of(repeat, read_export, path)
        assert not isinstance(careful, str)
        pd.testing.assert_frame_equal(raw.table, careful.table, check_exact=True)
        assert raw.provenance == careful.provenance and raw.questions == careful.questions
        totals += (plain, slow, fast)
        times = f"{plain:10.2f}{slow:10.2f}{fast:10.2f}{fast / plain:10.2f}"
        print(f"{path.name:<20}{path.stat().st_size / 1e6:6.1f}{times}")
    plain, slow, fast = totals
    print(f"{'total':<26}{plain:10.2f}{slow:10.2f}{fast:10.2f}{fast / plain:10.2f}")
    print("tables, provenance and questions: identical by both paths")


if __name__ == "__main__":
    warnings.simplefilter("ignore", pd.errors.DtypeWarning)  # plain read_csv's mixed columns
    for argument in sys.argv[1:]:
        _compare_folder(Path(argument))
