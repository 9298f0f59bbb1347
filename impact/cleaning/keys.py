"""Participant keys: normalised, compared, and matched to a registry key one edit away.

Examples
--------
>>> keys = normalise_key(pd.Series(["ab12ce ", "ZZ99ZZ"]))
>>> typo_candidates(keys, pd.Series(["AB12CD"]))
      key   match
0  AB12CE  AB12CD
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from impact.errors import InputError

# The characters Python's ``\s`` (``str.isspace``) matches, spelled out: pandas runs
# ``\s`` through Python's ``re`` one value at a time (arrow's RE2 ``\s`` misses some of
# them), an explicit class runs in arrow. tests/test_matching.py checks the set against
# ``re`` over every code point.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def normalise_key(keys: pd.Series) -> pd.Series:
    """Self-generated codes and tokens compared without case, whitespace or width.

    Keys are NFKC-normalised first, so full-width (``ＴＨ０２ＴＴ``) and other compatibility
    forms become the letters and digits they stand for; whitespace is what Python's
    ``str.isspace`` calls so (tabs, no-break spaces, …); missing keys stay missing. Look-alike
    letters of other scripts (Cyrillic ``Т``) are not changed: see :func:`confusable_skeleton`.

    Examples
    --------
    >>> normalise_key(pd.Series([" ab12cd", "AB 12CD", "äb\\t12cd", "ＡＢ１２ｃｄ", None])).tolist()
    ['AB12CD', 'AB12CD', 'ÄB12CD', 'AB12CD', nan]
    """
    keys = keys.astype(str)
    if not keys.str.isascii().all():
        keys = keys.str.normalize("NFKC")
    spaced = f"[{_WHITESPACE}]"
    # Most exports have no whitespace in any key: one scan instead of a rewrite.
    if keys.str.contains(spaced, regex=True).any():
        keys = keys.str.replace(spaced + "+", "", regex=True)
    return keys.str.upper()


# Upper-case letters of other scripts that look like Latin capitals (after NFKC and upper
# case, the only form keys are compared in). Unicode's confusables.txt has thousands of
# entries for every script; keys are short Latin codes, so these few dozen letters are the
# ones that turn up in them (a phone keyboard set to Cyrillic or Greek).
LOOK_ALIKES = str.maketrans(
    "АВЕЅІЈКМНОРСТХУԚԜΑΒΕΖΗΙΚΜΝΟΡΤΥΧӀΪЁЇ",
    "ABESIJKMHOPCTXYQWABEZHIKMNOPTYXIIEI",
)


def confusable_skeleton(keys: pd.Series) -> pd.Series:
    """Normalised keys with look-alike letters of other scripts read as the Latin letters
    they look like: ``ТН02ТТ`` (Cyrillic) → ``TH02TT``. Used only to flag a key for review,
    never to match it.

    Examples
    --------
    >>> confusable_skeleton(pd.Series(["\u0422\u041d02\u0422\u0422", "AB12CD"])).tolist()
    ['TH02TT', 'AB12CD']
    """
    return keys.astype(str).map(lambda key: key.translate(LOOK_ALIKES))


def arrow_strings(keys: pd.Series) -> pa.Array:
    """The keys as one arrow string array (no copy for pandas' own ``str`` columns)."""
    array = pa.array(keys.astype("str").array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def arrow_keys(keys: pd.Series) -> pa.Array:
    """The distinct keys present, as one arrow string array (first appearance order)."""
    return pc.unique(arrow_strings(keys).drop_null())


def key_positions(keys: pd.Series, distinct: pa.Array) -> np.ndarray:
    """Where each key is among the ``distinct`` keys, -1 where it is not one (or missing);
    an arrow hash lookup."""
    found = pc.index_in(arrow_strings(keys), value_set=distinct)
    return found.fill_null(-1).to_numpy(zero_copy_only=False, writable=True).astype(np.int64)


def _deletions(
    keys: pa.Array, lengths: np.ndarray, width: int
) -> list[tuple[np.ndarray, pa.Array]]:
    """For each position ``i < width``: the keys longer than ``i`` characters (their
    positions) and each of them without its ``i``-th character."""
    variants = []
    for i in range(width):
        at = np.flatnonzero(lengths > i)
        some = keys if at.size == len(keys) else keys.take(at)
        variants.append((at, pc.utf8_replace_slice(some, i, i + 1, "")))
    return variants


def _found(values: pa.Array, keys: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the ``values`` that are one of the (distinct) ``keys``, and which."""
    where = pc.index_in(values, value_set=keys)
    at = np.flatnonzero(pc.is_valid(where).to_numpy(zero_copy_only=False))
    return at, where.take(at).to_numpy(zero_copy_only=False).astype(np.int64)


def _equal_pairs(left: pa.Array, right: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """All positions ``(i, j)`` with ``left[i] == right[j]``, by hashing, not comparing all."""
    encoded = pc.dictionary_encode(left)
    left_code = encoded.indices.to_numpy(zero_copy_only=False)
    right_at, right_code = _found(right, encoded.dictionary)
    # Left positions grouped by value; each right position pairs with its value's group.
    order = np.argsort(left_code, kind="stable")
    count = np.bincount(left_code, minlength=len(encoded.dictionary))
    first = np.cumsum(count) - count
    repeats = count[right_code]
    start = np.repeat(first[right_code] - np.cumsum(repeats) + repeats, repeats)
    return order[start + np.arange(repeats.sum())], np.repeat(right_at, repeats)


def _sharing_a_half(known: pa.Array, unknown: pa.Array) -> np.ndarray:
    """Positions of the known keys that can be one edit from an unknown key.

    One edit leaves the characters before it and those after it in place, so two keys one
    edit apart share their first or their last ``h`` characters, for any ``h`` up to half
    the shorter key: a cheap filter before the deletion variants of every known key.
    """
    shortest = min(pc.min(pc.utf8_length(keys)).as_py() or 0 for keys in (known, unknown))
    half = shortest // 2
    if half == 0:
        return np.arange(len(known))
    starts = pc.unique(pc.utf8_slice_codeunits(unknown, 0, half))
    ends = pc.unique(pc.utf8_slice_codeunits(unknown, -half))
    near = pc.or_(
        pc.is_in(pc.utf8_slice_codeunits(known, 0, half), value_set=starts),
        pc.is_in(pc.utf8_slice_codeunits(known, -half), value_set=ends),
    )
    return np.flatnonzero(near.to_numpy(zero_copy_only=False))


def typo_pairs(unknown: pa.Array, known: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the unknown keys with exactly one known key one edit away, and of that
    key (both arrays of distinct keys, no nulls); see :func:`typo_candidates`."""
    near = _sharing_a_half(known, unknown)
    close = known.take(near)
    unknown_length = pc.utf8_length(unknown).to_numpy()
    close_length = pc.utf8_length(close).to_numpy()
    width = int(max(unknown_length.max(initial=0), close_length.max(initial=0)))
    unknown_variants = _deletions(unknown, unknown_length, width)
    close_variants = _deletions(close, close_length, width)
    pairs: list[tuple[np.ndarray, np.ndarray]] = [(np.empty(0, np.int64), np.empty(0, np.int64))]
    for (unknown_at, unknown_variant), (close_at, close_variant) in zip(
        unknown_variants, close_variants, strict=True
    ):
        left, right = _equal_pairs(unknown_variant, close_variant)  # replaced
        pairs.append((unknown_at[left], close_at[right]))
    if width:
        unknown_at = np.concatenate([at for at, _ in unknown_variants])
        at, close_at = _found(pa.concat_arrays([v for _, v in unknown_variants]), close)
        pairs.append((unknown_at[at], close_at))  # added
        close_at = np.concatenate([at for at, _ in close_variants])
        at, unknown_at = _found(pa.concat_arrays([v for _, v in close_variants]), unknown)
        pairs.append((unknown_at, close_at[at]))  # lost
    key = np.concatenate([k for k, _ in pairs]).astype(np.int64)
    match = np.concatenate([m for _, m in pairs]).astype(np.int64)
    # "Replaced" pairs a key with itself when it is known too: no edit, no candidate.
    same = pc.index_in(unknown, value_set=close).fill_null(-1).to_numpy()
    distinct = match != same[key]
    size = max(len(close), 1)
    key, match = np.divmod(np.unique(key[distinct] * size + match[distinct]), size)
    alone = np.bincount(key, minlength=len(unknown))[key] == 1
    return key[alone], near[match[alone]]


def typo_candidates(unknown: pd.Series, known: pd.Series) -> pd.DataFrame:
    """Pairs of an unknown key and the only known key one edit away from it.

    An edit is one character replaced, added or lost. Keys one edit apart are found by
    hashing deletion variants, never by comparing every pair: a replaced ``i``-th
    character leaves both keys equal without their ``i``-th; an added one, the unknown key
    without it equal to the known key; a lost one, the other way round. A key with two or
    more candidates is ambiguous and has none. Missing keys have none.

    Returns
    -------
    DataFrame
        One row per matched unknown key, sorted by it:

        - ``key``: the unknown key;
        - ``match``: the known key.

    Examples
    --------
    >>> typo_candidates(pd.Series(["AB12CE", "AB12C", "ZZ99ZZ"]),
    ...                 pd.Series(["AB12CD", "XY34ZW"]))
          key   match
    0   AB12C  AB12CD
    1  AB12CE  AB12CD
    """
    if unknown.empty or known.empty:
        return pd.DataFrame({"key": pd.Series(dtype=object), "match": pd.Series(dtype=object)})
    unknown_keys, known_keys = arrow_keys(unknown), arrow_keys(known)
    key, match = typo_pairs(unknown_keys, known_keys)
    result = pd.DataFrame(
        {
            "key": pd.Series(unknown_keys.take(key), dtype="str"),
            "match": pd.Series(known_keys.take(match), dtype="str"),
        }
    )
    return result.sort_values("key").reset_index(drop=True)


# A row that sums up a list, not a participant: its key is a word for "total".
_TOTAL_KEY = (
    r"^(?:TOTALS?|SUMS?|SUMME|GESAMT|INSGESAMT|GESAMTSUMME|GESAMTZAHL|ANZAHL|COUNT|Σ|∑)"
    r"(?![A-ZÄÖÜ0-9])"
)


def check_no_total_row(keys: pd.Series, *, file: str | Path, column: str) -> None:
    """Refuse a "Total" row (a spreadsheet's sum line): it would count as one more person.

    Examples
    --------
    >>> check_no_total_row(pd.Series(["AB12CD", "GESAMT:"], index=[1, 2]), file="r.csv",
    ...                     column="code")
    Traceback (most recent call last):
    impact.errors.InputError: file 'r.csv', column 'code', row 2: the row looks like a total ...
    """
    total = keys.fillna("").astype(str).str.contains(_TOTAL_KEY, regex=True)
    if total.any():
        row = total.index[total.to_numpy()][0]
        raise InputError(
            f"the row looks like a total row ({keys[row]!r}), not a participant",
            file=file,
            column=column,
            row=int(row),
            hint="delete the total row (and anything below the list) from the file",
        )
