"""Key normalising and registry matching: the fast (arrow) routes give what the plain
definitions give.

The plain definitions are written out here: Python's ``re`` for whitespace, and every
pair of keys compared for one-edit typos (Levenshtein distance 1).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impact.clean import normalise_key, typo_candidates
from impact.cleaning.registry import match_registry

SETTINGS = settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SURROGATES = range(0xD800, 0xE000)  # not encodable as UTF-8, so never in an export


def _plain_normalise(keys: pd.Series) -> pd.Series:
    """The definition: NFKC, Python's ``\\s`` removed (pandas runs this pattern through
    ``re``), then upper case."""
    keys = keys.astype(str).str.normalize("NFKC")
    return keys.astype(str).str.replace(r"\s+", "", regex=True).str.upper()


def _one_edit_apart(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _plain_typo_candidates(unknown: list[str], known: list[str]) -> list[dict[str, str]]:
    """Every pair compared: an unknown key with exactly one known key one edit away."""
    pairs = []
    for key in sorted(set(unknown)):
        close = {k for k in known if _one_edit_apart(key, k)}
        if len(close) == 1:
            pairs.append({"key": key, "match": close.pop()})
    return pairs


def test_every_whitespace_code_point_is_removed_as_python_re_removes_it():
    points = [c for c in range(0x110000) if c not in SURROGATES]
    keys = pd.Series([f"a{chr(c)}b" for c in points], name="IC01_01")
    plain = _plain_normalise(keys)
    pd.testing.assert_series_equal(normalise_key(keys), plain)
    removed = {chr(c) for c, key in zip(points, plain, strict=True) if key == "AB"}
    # What NFKC turns into whitespace only (the 29 of \s, and e.g. U+2000..U+200A) goes.
    spaces = {chr(c) for c in points if re.fullmatch(r"\s+", unicodedata.normalize("NFKC", chr(c)))}
    assert removed == spaces
    assert {"\t", "\x0b", "\xa0", "\u3000", "\u2028"} <= removed
    assert {chr(c) for c in points if re.fullmatch(r"\s", chr(c))} <= removed


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        (" ab12cd", "AB12CD"),
        ("AB 12\tCD\r\n", "AB12CD"),
        ("ab\u00a012\u3000cd", "AB12CD"),  # no-break and ideographic spaces
        ("äö12üß", "ÄÖ12Üẞ"),  # arrow's upper ß is ẞ (Python's str.upper gives SS)
        ("gr\u00e9\u200b01", "GR\u00c9\u200b01"),  # a zero-width space is not whitespace
        ("   ", ""),
        ("", ""),
    ],
)
def test_keys_normalise_as_before(raw, normalised):
    keys = pd.Series([raw])
    assert normalise_key(keys).tolist() == [normalised] == _plain_normalise(keys).tolist()


@pytest.mark.parametrize(
    "keys",
    [
        pd.Series(["ab 1", None, np.nan, "cd"], index=[5, 3, 9, 1], name="code"),
        pd.Series(["ab 1", None], dtype=object),
        pd.Series(["x y", pd.NA], dtype="string"),
        pd.Series([1.5, np.nan]),
        pd.Series([12, 7]),
        pd.Series([], dtype="str"),
    ],
)
def test_missing_keys_other_types_index_and_name_as_before(keys):
    pd.testing.assert_series_equal(normalise_key(keys), _plain_normalise(keys))


@SETTINGS
@given(st.lists(st.text(st.characters(exclude_categories=["Cs"]), max_size=8), max_size=30))
def test_any_text_normalises_as_python_re_does(values):
    keys = pd.Series(values, dtype="str")
    pd.testing.assert_series_equal(normalise_key(keys), _plain_normalise(keys))


# Small alphabets make many keys one edit from each other (ambiguous typos), and keys of
# different lengths exercise added and lost characters; non-ASCII letters are one
# character each, not one byte.
KEYS = st.text(st.sampled_from(list("AB1Ä日")), min_size=0, max_size=6)


@SETTINGS
@given(st.lists(KEYS, min_size=1, max_size=25), st.lists(KEYS, min_size=1, max_size=25))
def test_typo_candidates_are_every_unambiguous_one_edit_pair(unknown, known):
    pairs = typo_candidates(pd.Series(unknown), pd.Series(known))
    assert pairs.to_dict("records") == _plain_typo_candidates(unknown, known)
    assert list(pairs.columns) == ["key", "match"]


def test_typo_candidates_at_scale_match_comparing_every_pair():
    rng = np.random.default_rng(7)
    letters = np.array(list("ABCDEFGHKLMN0123456789ÄÖ"))
    known = pd.Series(["".join(rng.choice(letters, 6)) for _ in range(600)]).drop_duplicates()
    keys = known.sample(400, random_state=1).tolist()
    unknown = []
    for key in keys:
        at, letter = int(rng.integers(0, 6)), str(rng.choice(letters))
        edit = [key[:at] + letter + key[at + 1 :], key[:at] + letter + key[at:]]
        unknown.append([*edit, key[:at] + key[at + 1 :]][int(rng.integers(0, 3))])
    unknown = [key for key in unknown if key not in set(known)]
    pairs = typo_candidates(pd.Series(unknown), known)
    assert len(pairs) > 300
    assert pairs.to_dict("records") == _plain_typo_candidates(unknown, known.tolist())


def test_a_known_key_among_the_unknown_is_not_its_own_typo():
    pairs = typo_candidates(pd.Series(["AB12CD", "AB12C"]), pd.Series(["AB12CD", "AB12CE"]))
    assert pairs.to_dict("records") == [{"key": "AB12CD", "match": "AB12CE"}]


def test_missing_unknown_keys_have_no_candidates():
    pairs = typo_candidates(pd.Series([None, "AB12C"], dtype="str"), pd.Series(["AB12CD"]))
    assert pairs.to_dict("records") == [{"key": "AB12C", "match": "AB12CD"}]
    assert pairs["key"].dtype == "str" and pairs["match"].dtype == "str"


def _submissions(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "wave": [wave for wave, _ in rows],
            "file": "raw/wave.csv",
            "raw_row": range(len(rows)),
            "participant": pd.Series([key for _, key in rows], dtype="str"),
        }
    )


def test_corrected_keys_count_as_registered_and_the_rest_are_reported():
    registry = pd.Series(["AB12CD", "XY34ZW", "QR56ST"], dtype="str")
    submissions = _submissions(
        [
            ("kickoff", "AB12CD"),  # registered
            ("final", "AB12CE"),  # one edit from AB12CD: corrected
            ("kickoff", "XY34ZV"),  # one edit from XY34ZW, but XY34ZW answered kickoff
            ("kickoff", "XY34ZW"),
            ("kickoff", "ZZ99ZZ"),  # far from every key
            ("final", ""),  # no key: neither registered nor reported
            ("final", "QR56S"),  # a lost character: corrected
        ]
    )
    participant, log, registered = match_registry(submissions, registry, typo_tolerant=True)
    assert participant.tolist() == [
        "AB12CD",
        "AB12CD",
        "XY34ZV",
        "XY34ZW",
        "ZZ99ZZ",
        "",
        "QR56ST",
    ]
    assert registered.tolist() == [True, True, False, True, False, False, True]
    assert registered.index.equals(submissions.index)
    matched = log[log["rule"] == "key_typo_matched"]
    assert matched[["raw_row", "old_value", "new_value"]].values.tolist() == [
        [1, "AB12CE", "AB12CD"],
        [6, "QR56S", "QR56ST"],
    ]
    unknown = log[log["rule"] == "key_not_in_registry"]
    assert unknown[["raw_row", "old_value"]].values.tolist() == [[2, "XY34ZV"], [4, "ZZ99ZZ"]]
    assert not submissions["participant"].eq(participant).all()  # a copy was corrected
    assert submissions["participant"].tolist()[1] == "AB12CE"  # not the input


def test_without_typo_tolerance_every_unknown_key_is_reported():
    registry = pd.Series(["AB12CD"], dtype="str")
    submissions = _submissions([("kickoff", "AB12CE"), ("kickoff", "AB12CD")])
    participant, log, registered = match_registry(submissions, registry, typo_tolerant=False)
    assert participant.tolist() == ["AB12CE", "AB12CD"]
    assert registered.tolist() == [False, True]
    assert log["rule"].tolist() == ["key_not_in_registry"]
