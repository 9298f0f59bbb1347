"""Cleaning by the definitions: raw exports → one tidy long table, and a log of every decision.

The steps, in order, for each export file of each wave:

1. map export columns to instrument items (``survey.yml`` ``mappings``); identifying,
   ignored and unused columns are dropped, and the drop is logged;
2. parse values (decimal commas, response labels in German or English, the mapping's
   own labels, an SPSS file's value labels);
3. missing codes (the survey's, the instrument's, the tool's residual codes, an SPSS
   file's user-missing values) → missing (logged per cell);
4. per-item recodes of the mapping (logged once per column);
5. values outside the response scale → missing (logged per cell);
6. reverse-keyed items recoded (logged once per column);

then, over all files, submission-level decisions: keys normalised and matched to the
registry (one-edit typos only when unambiguous, logged for review), rows without a key,
incomplete responses, speeders, straight-lining and duplicate submissions handled by the
survey's quality policy. Every raw row ends as kept or excluded-with-a-reason.

Examples
--------
>>> from impact.definitions import load_survey
>>> from impact.clean import clean, accounting
>>> from impact.demo import DEMO_SURVEY
>>> survey, instruments = load_survey(DEMO_SURVEY)
>>> cleaned = clean(survey, instruments, DEMO_SURVEY.parent)
>>> table = accounting(cleaned)
>>> bool((table["raw_rows"] == table["kept"] + table["excluded"]).all())
True
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from impact.definitions import ExportFile, Instrument, Survey, key_column
from impact.errors import InputError
from impact.io import IDENTIFYING_METADATA, Provenance, RawExport, read_export
from impact.items import KeptItems
from impact.privacy import load_salt, pseudonymise

LOG_COLUMNS = ["wave", "file", "raw_row", "participant", "column", "old_value", "new_value", "rule"]
RESPONSE_COLUMNS = ["participant", "wave", "instrument", "item", "frame", "value"]
TEXT_COLUMNS = ["participant", "wave", "instrument", "item", "text"]
# Per mapped item column of each export: its response scale beside what it holds (after
# recoding, before values outside the scale are set missing).
RANGE_COLUMNS = [
    "wave",
    "file",
    "column",
    "item",
    "scale_min",
    "scale_max",
    "observed_min",
    "observed_max",
    "answered",
    "as_labels",
    "recoded",
]
SUBMISSION_COLUMNS = [
    "wave",
    "file",
    "raw_row",
    "key",
    "participant",
    "started",
    "duration",
    "finished",
    "progress",
]
# Residual codes a tool writes for "no answer" (SoSci: -1 don't know, -2/-3 filtered or not
# shown, -8 error, -9 not answered); values inside an item's response range are left alone.
TOOL_MISSING_CODES: dict[str, tuple[float, ...]] = {"sosci": (-1, -2, -3, -8, -9)}
# Rules that a person should look at.
REVIEW_RULES = ("key_typo_matched", "key_confusable", "key_not_in_registry")


class _BuiltOnFirstRead:
    """A dataclass field that may be given as :class:`KeptItems`: the table is then built
    from them when first read (and kept). Given a table, the table is the value."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> pd.DataFrame:
        if instance is None:
            raise AttributeError(self.name)  # no default: the field is required
        state = instance.__dict__
        if self.name not in state:
            state[self.name] = state["_kept_items"].long_table()
        return state[self.name]

    def __set__(self, instance: object, value: pd.DataFrame | KeptItems) -> None:
        state = instance.__dict__
        state.pop(self.name, None)
        state["_kept_items"] = value if isinstance(value, KeptItems) else None
        if not isinstance(value, KeptItems):
            state[self.name] = value


@dataclass
class Cleaned:
    """The result of cleaning a programme's exports.

    Attributes
    ----------
    responses : DataFrame
        One row per kept participant × wave × item: ``participant, wave, instrument, item,
        frame, value``, sorted in that order. ``wave`` is an ordered categorical in the
        order of the waves; ``participant``, ``instrument``, ``item`` and ``frame`` are
        categoricals whose categories are their values in lexicographic order (16 million
        rows at 100,000 participants: a code per cell instead of a string); ``frame`` is
        ``now`` or ``then`` (retrospective rating); ``value`` is a float (missing as NaN),
        recoded, reverse-keyed items already reversed. :func:`clean` passes the kept item
        matrices (:class:`impact.items.KeptItems`) instead, and the table is written from
        them when first read; scores do not need it (:func:`impact.score.score_items`).
    submissions : DataFrame
        One row per raw row of every export: ``wave, file, raw_row, key, participant,
        started, duration, finished, progress, answered, speeder, straightlining,
        status`` (``kept`` / ``excluded``), ``reason`` and ``flags`` (``;``-separated).
    log : DataFrame
        One row per cleaning decision: ``wave, file, raw_row, participant, column,
        old_value, new_value, rule``.
    registry : DataFrame
        ``participant`` plus the registry attributes named in the survey definition;
        identifying columns are not in it.
    provenance : list of Provenance
        The raw files read, with their SHA-256.
    texts : DataFrame
        Answers to free-text instruments of kept rows: ``participant, wave, instrument,
        item, text`` (free text marked identifying never gets here).
    columns : DataFrame
        One row per mapped item column of each export: ``wave, file, column, item,
        scale_min, scale_max, observed_min, observed_max`` (after recoding, before values
        outside the scale are set missing), ``answered``, ``as_labels`` (cells read as
        the instrument's response labels) and ``recoded``.
    """

    responses: pd.DataFrame = _BuiltOnFirstRead()  # type: ignore[assignment]
    submissions: pd.DataFrame
    log: pd.DataFrame
    registry: pd.DataFrame
    provenance: list[Provenance] = field(default_factory=list)
    texts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TEXT_COLUMNS))
    columns: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RANGE_COLUMNS))

    def provenance_table(self) -> pd.DataFrame:
        """The raw files read, one row each: ``path, sha256, format, container, encoding,
        delimiter, sheet, header_rows, rows`` (the registry first)."""
        columns = ["path", "sha256", "format", "container", "encoding", "delimiter"]
        columns += ["sheet", "header_rows", "rows"]
        return pd.DataFrame(
            [{c: getattr(p, c) for c in columns} for p in self.provenance], columns=columns
        )

    @property
    def kept_items(self) -> KeptItems | None:
        """The kept item matrices the responses are written from; None when the responses
        were given as a table."""
        return self.__dict__.get("_kept_items")


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


def reverse_key(values: pd.Series, *, low: float, high: float) -> pd.Series:
    """Reverse-key values on the scale ``low..high`` (``low + high - value``).

    Examples
    --------
    >>> reverse_key(pd.Series([1.0, 2.0, None]), low=1, high=5).tolist()
    [5.0, 4.0, nan]
    """
    return low + high - values


def recode(values: pd.Series, mapping: dict[float, float]) -> pd.Series:
    """Replace the codes in ``mapping`` by their values; other values pass unchanged.

    Examples
    --------
    >>> recode(pd.Series([1.0, 6.0, -9.0]), {1: 0, 6: 5}).tolist()
    [0.0, 5.0, -9.0]
    """
    if not mapping:
        return values
    keys = np.fromiter(mapping.keys(), dtype=float)
    targets = np.fromiter(mapping.values(), dtype=float)
    order = np.argsort(keys)
    keys, targets = keys[order], targets[order]
    data = values.to_numpy(dtype=float)
    position = np.clip(np.searchsorted(keys, data), 0, len(keys) - 1)
    hit = keys[position] == data
    return pd.Series(np.where(hit, targets[position], data), index=values.index)


def _arrow_strings(keys: pd.Series) -> pa.Array:
    """The keys as one arrow string array (no copy for pandas' own ``str`` columns)."""
    array = pa.array(keys.astype("str").array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _arrow_keys(keys: pd.Series) -> pa.Array:
    """The distinct keys present, as one arrow string array (first appearance order)."""
    return pc.unique(_arrow_strings(keys).drop_null())


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


def _typo_pairs(unknown: pa.Array, known: pa.Array) -> tuple[np.ndarray, np.ndarray]:
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
    unknown_keys, known_keys = _arrow_keys(unknown), _arrow_keys(known)
    key, match = _typo_pairs(unknown_keys, known_keys)
    result = pd.DataFrame(
        {
            "key": pd.Series(unknown_keys.take(key), dtype="str"),
            "match": pd.Series(known_keys.take(match), dtype="str"),
        }
    )
    return result.sort_values("key").reset_index(drop=True)


def _log(frame: pd.DataFrame | None = None, **columns: object) -> pd.DataFrame:
    """Log rows from columns (arrays or scalars); missing log columns are None."""
    index = None if frame is None else frame.index
    if index is None and all(np.ndim(v) == 0 for v in columns.values()):
        return pd.DataFrame(columns=LOG_COLUMNS)
    log = pd.DataFrame({c: columns.get(c) for c in LOG_COLUMNS}, index=index)
    return log.reset_index(drop=True)


def _matches(column: str, patterns: list[str] | tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(column, pattern) for pattern in patterns)


def read_registry(survey: Survey, base: Path) -> tuple[pd.DataFrame, pd.DataFrame, Provenance]:
    """The programme office's registry, keys normalised, identifying columns dropped."""
    spec = survey.registry
    raw = read_export(base / spec.file)
    table = raw.table
    needed = [spec.key, *spec.columns.values()]
    for column in needed:
        if column not in table.columns:
            close = difflib.get_close_matches(column, list(table.columns), n=1)
            raise InputError(
                "the registry has no such column",
                file=raw.provenance.path,
                column=column,
                hint=f"did you mean {close[0]!r}?" if close else f"columns: {list(table.columns)}",
            )
    empty = table.apply(lambda column: column.str.strip().eq("")).all(axis=1)
    skipped = table.index[empty.to_numpy()]
    table = table[~empty.to_numpy()]
    keys = normalise_key(table[spec.key])
    _check_no_total_row(keys, file=raw.provenance.path, column=spec.key)
    blank = keys.isna() | keys.eq("")
    if blank.any():
        raise InputError(
            "a registry row has no participant key",
            file=raw.provenance.path,
            column=spec.key,
            row=int(keys.index[blank.to_numpy()][0]),
            hint="every registered participant needs a key; remove the row or fill in the key",
        )
    # A hash check first; which keys repeat is worked out only when some do.
    repeated = keys[keys.duplicated(keep=False)] if not keys.is_unique else keys.iloc[:0]
    if not repeated.empty:
        raise InputError(
            f"the key {repeated.iloc[0]!r} appears more than once (rows {repeated.index.tolist()})",
            file=raw.provenance.path,
            column=spec.key,
            row=int(repeated.index[0]),
            hint="each participant must be registered once",
        )
    registry = pd.DataFrame({"participant": keys})
    for attribute, column in spec.columns.items():
        registry[attribute] = table[column].str.strip().replace("", np.nan)
    dropped = [c for c in table.columns if c not in needed]
    log = _log(
        file=raw.provenance.path,
        column=dropped,
        rule=[
            "identifying_column_dropped" if c in spec.identifying else "column_not_used"
            for c in dropped
        ],
    )
    if len(skipped):
        log = pd.concat(
            [
                log,
                _log(
                    file=raw.provenance.path, raw_row=skipped.to_numpy(), rule="blank_row_skipped"
                ),
            ],
            ignore_index=True,
        )
    return registry.reset_index(drop=True), log, raw.provenance


# A row that sums up a list, not a participant: its key is a word for "total".
_TOTAL_KEY = (
    r"^(?:TOTALS?|SUMS?|SUMME|GESAMT|INSGESAMT|GESAMTSUMME|GESAMTZAHL|ANZAHL|COUNT|Σ|∑)"
    r"(?![A-ZÄÖÜ0-9])"
)


def _check_no_total_row(keys: pd.Series, *, file: str | Path, column: str) -> None:
    """Refuse a "Total" row (a spreadsheet's sum line): it would count as one more person.

    Examples
    --------
    >>> _check_no_total_row(pd.Series(["AB12CD", "GESAMT:"], index=[1, 2]), file="r.csv",
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


def _check_columns(raw: RawExport, file: ExportFile, survey: Survey) -> None:
    columns = list(raw.table.columns)
    for column in [key_column(survey, file), *survey.mappings[file.mapping].columns]:
        if column not in columns:
            close = difflib.get_close_matches(column, columns, n=1)
            raise InputError(
                f"the export has no column {column!r} named in mapping {file.mapping!r}",
                file=raw.provenance.path,
                column=column,
                hint=f"did you mean {close[0]!r}?" if close else "check the export or the mapping",
            )


def _label_values(instrument: Instrument) -> dict[str, float]:
    """Response labels (German and English, with or without their number) → values."""
    labels: dict[str, float] = {}
    if instrument.response is None:
        return labels
    for value, text in instrument.response.labels.items():
        for language_text in (text.de, text.en):
            key = language_text.strip().casefold()
            labels[key] = float(value)
            labels[f"{value} = {key}"] = float(value)
            labels[f"{value}={key}"] = float(value)
    return labels


def _column_labels(
    raw: RawExport, file: ExportFile, survey: Survey, instruments: dict[str, Instrument]
) -> tuple[dict[str, dict[str, float]], dict[str, set[str]]]:
    """Per mapped column: every exported text that stands for a number, and which of those
    texts are the instrument's own response labels.

    The instrument's labels give values on its scale; an SPSS file's value labels and the
    mapping's ``labels`` give codes as the tool exports them, which the mapping's
    ``recode`` then turns into scale values. So a label export is never recoded twice.
    """
    labels, on_scale = {}, {}
    for column, spec in survey.mappings[file.mapping].columns.items():
        scale = _label_values(instruments[spec.target.instrument])
        codes: dict[str, float] = {}
        for code, label in raw.value_labels.get(column, {}).items():
            try:
                codes[label.strip().casefold()] = float(code)
            except ValueError:
                continue
        codes.update({k.strip().casefold(): v for k, v in spec.labels.items()})
        labels[column] = {**scale, **codes}
        on_scale[column] = set(scale) - set(codes)
    return labels, on_scale


def _to_numbers(text: pd.Series) -> pd.Series:
    """Numbers (decimal comma or point) from stripped text; NaN where there is none.

    A column of plain numbers takes one arrow cast (:func:`_plain_numbers`); a column with
    any other text (labels) takes the slower road of ``pandas.to_numeric``.
    """
    plain = _plain_numbers(text)
    if plain is not None:
        return pd.Series(plain, index=text.index, dtype=float)
    return pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")


def _text_column(table: pd.DataFrame, column: str) -> pd.Series:
    if column in table:
        return table[column].str.strip()
    return pd.Series("", index=table.index)


def _number_column(table: pd.DataFrame, column: str) -> pd.Series:
    return _to_numbers(_text_column(table, column))


_ISO_TIME = (
    r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_DOTTED_TIME = r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2}),?(?: +(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
_SLASHED_TIME = (
    r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2}),?(?: +(\d{1,2}):(\d{2})(?::(\d{2}))?(?: *([AaPp][Mm]))?)?"
)
# Excel's serial date numbers: days since 1899-12-30; 20000 is 1954, 80000 is 2119.
_EXCEL_SERIAL = r"[2-7]\d{4}(?:[.,]\d+)?"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def parse_times(values: pd.Series, *, file: str | Path, column: str) -> pd.Series:
    """Start and submit times as written by tools and by people: one rule per column.

    Read are ISO 8601 (``2023-11-10 09:30:00``, what the tools write), German day-first
    dates (``10.11.2023 09:30``), Excel serial numbers (``45240.396``: a date column
    saved from Excel as numbers) and slashed dates (``11/10/2023``), whose order is taken
    from the column: a first part above 12 means day first, a second part above 12 month
    first; a column where both could be either is refused rather than guessed. Blank
    cells are missing; any other text is refused, naming the row.

    Examples
    --------
    >>> times = parse_times(pd.Series(["10.11.2023 09:30", "2023-11-10 09:30", "45240.5", ""]),
    ...                     file="f.csv", column="STARTED")
    >>> [str(t) for t in times]
    ['2023-11-10 09:30:00', '2023-11-10 09:30:00', '2023-11-10 12:00:00', 'NaT']
    """
    text = values.fillna("").astype(str).str.strip()
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    distinct = pd.Series(text.unique())
    distinct = distinct[distinct.ne("")]
    if distinct.empty:
        return result
    parsed = pd.Series(pd.NaT, index=distinct.index, dtype="datetime64[ns]")
    iso = distinct.str.fullmatch(_ISO_TIME)
    if iso.any():
        stamps = pd.to_datetime(distinct[iso], format="ISO8601", errors="coerce", utc=True)
        parsed[iso] = stamps.dt.tz_localize(None)
    every = distinct
    distinct = distinct[~iso]  # the other forms are looked for only in what is left
    serial = distinct.str.fullmatch(_EXCEL_SERIAL)
    if serial.any():
        days = distinct[serial].str.replace(",", ".", regex=False).astype(float)
        stamps = EXCEL_EPOCH + pd.to_timedelta(days * 86400, unit="s").dt.round("s")
        parsed.loc[stamps.index] = stamps.to_numpy()
    dotted = distinct.str.extract(f"^{_DOTTED_TIME}$")
    at = dotted[0].notna()
    if at.any():
        stamps = _assemble(dotted[at], day=0, month=1)
        parsed.loc[stamps.index] = stamps.to_numpy()
    slashed = distinct.str.extract(f"^{_SLASHED_TIME}$")
    at = slashed[0].notna()
    if at.any():
        first, second = slashed.loc[at, 0].astype(int), slashed.loc[at, 1].astype(int)
        if (first > 12).any() and (second > 12).any():
            order = None
        elif (first > 12).any():
            order = (0, 1)
        elif (second > 12).any():
            order = (1, 0)
        else:
            order = None
        if order is None:
            example = distinct[at].iloc[0]
            raise InputError(
                f"the dates with slashes (e.g. {example!r}) could be day first or month first",
                file=file,
                column=column,
                hint="export the dates as YYYY-MM-DD (ISO 8601) or as DD.MM.YYYY",
            )
        stamps = _assemble(slashed[at], day=order[0], month=order[1], meridiem=6)
        parsed.loc[stamps.index] = stamps.to_numpy()
    distinct = every
    bad = parsed.isna()
    if bad.any():
        example = distinct[bad].iloc[0]
        row = int(np.flatnonzero(text.eq(example).to_numpy())[0])
        raise InputError(
            f"{example!r} is not a date and time",
            file=file,
            column=column,
            row=int(values.index[row]),
            hint="export the times as YYYY-MM-DD HH:MM:SS, or correct the cell",
        )
    lookup = pd.Series(parsed.to_numpy(), index=distinct.to_numpy())
    present = text.ne("")
    result[present] = lookup.reindex(text[present].to_numpy()).to_numpy()
    return result


def _assemble(
    parts: pd.DataFrame, *, day: int, month: int, meridiem: int | None = None
) -> pd.Series:
    """Timestamps from extracted day, month, year and time parts (NaT for an impossible
    date such as 30 February)."""
    year = parts[2].astype(int)
    year = year.where(year >= 100, year + 2000)
    hour = parts[3].fillna("0").astype(int)
    if meridiem is not None:
        half = parts[meridiem].fillna("").str.upper()
        hour = hour.where(~half.eq("PM") | hour.eq(12), hour + 12)
        hour = hour.where(~(half.eq("AM") & hour.eq(12)), 0)
    frame = pd.DataFrame(
        {
            "year": year,
            "month": parts[month].astype(int),
            "day": parts[day].astype(int),
            "hour": hour,
            "minute": parts[4].fillna("0").astype(int),
            "second": parts[5].fillna("0").astype(int),
        }
    )
    return pd.to_datetime(frame, errors="coerce")


def _submission_metadata(raw: RawExport) -> pd.DataFrame:
    """Start, duration (s), finished and progress (%) of each row, as the tool records them."""
    table = raw.table
    tool = raw.provenance.format
    meta = pd.DataFrame(index=table.index)

    def _dates(column: str) -> pd.Series:
        return parse_times(_text_column(table, column), file=raw.provenance.path, column=column)

    if tool == "sosci":
        meta["started"] = _dates("STARTED")
        meta["duration"] = _number_column(table, "TIME_SUM")
        finished = _text_column(table, "FINISHED")
        meta["finished"] = finished.eq("1") | ("FINISHED" not in table)
        meta["progress"] = (
            100 * _number_column(table, "LASTPAGE") / _number_column(table, "MAXPAGE")
        )
    elif tool == "limesurvey":
        started = _dates("startdate")
        ended = _dates("datestamp")
        meta["started"] = started
        seconds = (ended - started).dt.total_seconds()
        meta["duration"] = _number_column(table, "interviewtime").fillna(seconds)
        meta["finished"] = _text_column(table, "submitdate").ne("")
        # LimeSurvey records the last page seen; the pages of the survey are those a
        # submitted response reached.
        pages = _number_column(table, "lastpage")
        meta["progress"] = 100 * pages / pages[meta["finished"]].max()
    elif tool == "qualtrics":
        meta["started"] = _dates("StartDate")
        meta["duration"] = _number_column(table, "Duration (in seconds)")
        meta["finished"] = _text_column(table, "Finished").str.casefold().isin(["1", "true"])
        meta["progress"] = _number_column(table, "Progress")
    else:
        meta["started"] = pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
        meta["duration"] = np.nan
        meta["finished"] = True
        meta["progress"] = np.nan
    return meta


def _dropped_columns(raw: RawExport, file: ExportFile, survey: Survey, wave: str) -> pd.DataFrame:
    """Log of the columns not used: identifying ones, ignored ones, the rest."""
    mapping = survey.mappings[file.mapping]
    used = {key_column(survey, file), *mapping.columns}
    tool_identifying = IDENTIFYING_METADATA.get(raw.provenance.format, ())
    columns, rules = [], []
    for column in raw.table.columns:
        if column in used:
            continue
        if _matches(column, mapping.identifying) or column in tool_identifying:
            rule = "identifying_column_dropped"
        elif _matches(column, mapping.ignore):
            rule = "column_ignored"
        else:
            rule = "column_not_used"
        columns.append(column)
        rules.append(rule)
    return _log(wave=wave, file=raw.provenance.path, column=columns, rule=rules)


@dataclass
class _FileItems:
    """One export's item answers as a matrix: a row per raw row, a column per mapped item.

    ``values`` are the cleaned item values (missing as NaN); ``targets`` the
    ``(instrument, frame, item)`` of each column. Cleaning works on this matrix, one
    column at a time, so no cell is looked up or copied one by one; the kept rows of these
    matrices are scored and written as the long table from :class:`impact.items.KeptItems`.
    """

    values: np.ndarray
    targets: list[tuple[str, str, str]]


def _plain_numbers(text: pd.Series) -> np.ndarray | None:
    """A column's numbers (NaN for blanks) when every other cell of the stripped text is a
    plain finite number (decimal point or comma), else None: one arrow cast, no lookups."""
    try:
        values = pa.array(text)
        values = pc.if_else(pc.equal(values, ""), None, values)
        numbers = pc.cast(pc.replace_substring(values, ",", "."), pa.float64())
    except (ValueError, TypeError, pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    if pc.any(pc.or_(pc.is_nan(numbers), pc.is_inf(numbers))).as_py():
        return None  # "nan" or "inf" typed in a cell: left to the careful path
    return numbers.to_numpy(zero_copy_only=False)


def _cast_as_exported(column: pd.Series) -> np.ndarray | None:
    """A column's numbers (NaN for empty cells) when every other cell, as exported, is a
    plain finite number with a decimal point; else None (then the column is stripped,
    decimal commas read and labels looked up by the slower roads).

    Empty cells are made null from the string offsets (no comparison per cell), then one
    arrow cast: a cell the cast accepts has no surrounding space and no comma, so the
    stripped text would read the same.
    """
    try:
        values = pa.chunked_array(pa.array(column))
    except (TypeError, ValueError, pa.ArrowException):
        return None
    if values.type not in (pa.string(), pa.large_string()) or values.null_count:
        return None
    offset_type = np.int32 if values.type == pa.string() else np.int64
    chunks = []
    for chunk in values.chunks:
        _, offsets, data = chunk.buffers()
        ends = np.frombuffer(offsets, offset_type)[chunk.offset : chunk.offset + len(chunk) + 1]
        empty = ends[1:] == ends[:-1]
        if empty.any():
            present = np.concatenate([np.ones(chunk.offset, dtype=bool), ~empty])
            validity = pa.py_buffer(np.packbits(present, bitorder="little"))
            chunk = pa.Array.from_buffers(
                chunk.type, len(chunk), [validity, offsets, data], offset=chunk.offset
            )
        chunks.append(chunk)
    try:
        numbers = pa.chunked_array(chunks, type=values.type).cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    result = numbers.to_numpy()
    if np.isinf(result).any() or np.count_nonzero(np.isnan(result)) != numbers.null_count:
        return None  # "inf" or "nan" typed in a cell: left to the careful path
    return result


def _parse_columns(
    table: pd.DataFrame,
    columns: list[str],
    labels: dict[str, dict[str, float]],
    instrument_of: dict[str, str],
    path: str,
    on_scale: dict[str, set[str]] | None = None,
) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """The columns' cells as numbers, a column of the matrix each; labels looked up.

    Returns the matrix and, per column position where there are any, the cells read as
    one of ``on_scale``'s texts (the instrument's own labels: values on its scale).

    A cell that is neither blank, a number nor a label stops the import, naming the first
    such cell (columns in mapping order, then rows) and how many there are.
    """
    values = np.empty((len(table), len(columns)), order="F")  # cleaned column by column
    label_cells: dict[int, np.ndarray] = {}
    unreadable: list[tuple[str, np.ndarray]] = []
    for position, column in enumerate(columns):
        as_exported = _cast_as_exported(table[column])
        if as_exported is not None:
            values[:, position] = as_exported
            continue
        text = table[column].str.strip()
        plain = _plain_numbers(text)
        if plain is not None:
            values[:, position] = plain
            continue
        numbers = _to_numbers(text)
        unparsed = numbers.isna() & text.ne("")
        if unparsed.any():
            folded = text[unparsed].str.casefold()
            numbers.loc[unparsed] = folded.map(labels[column]).astype(float).to_numpy()
            if on_scale and on_scale.get(column):
                cells = np.zeros(len(table), dtype=bool)
                cells[np.flatnonzero(unparsed.to_numpy())] = folded.isin(on_scale[column])
                if cells.any():
                    label_cells[position] = cells
            still = (numbers.isna() & text.ne("")).to_numpy()
            if still.any():
                unreadable.append((column, still))
        values[:, position] = numbers.to_numpy(dtype=float)
    if unreadable:
        column, still = unreadable[0]
        row = int(np.flatnonzero(still)[0])
        raise InputError(
            f"{table[column].iloc[row]!r} is neither a number nor a response label of "
            f"{instrument_of[column]!r} "
            f"({sum(int(s.sum()) for _, s in unreadable)} such cell(s) in this file)",
            file=path,
            column=column,
            row=int(table.index[row]),
            hint="add the label to the mapping's 'labels' or fix the export",
        )
    return values, label_cells


def _clean_file(
    raw: RawExport,
    wave: str,
    file: ExportFile,
    survey: Survey,
    instruments: dict[str, Instrument],
) -> tuple[_FileItems, np.ndarray, np.ndarray, pd.DataFrame, pd.DataFrame, list[pd.DataFrame]]:
    """Item values, the straight-lining flag and answered items of each row, free texts
    and submission metadata of one export, with its log."""
    path = raw.provenance.path
    _check_columns(raw, file, survey)
    table = raw.table
    mapping = survey.mappings[file.mapping]
    key_name = key_column(survey, file)
    key = normalise_key(table[key_name])
    _check_no_total_row(key, file=path, column=key_name)

    submissions = pd.DataFrame(
        {
            "wave": wave,
            "file": path,
            "raw_row": table.index.to_numpy(),
            "key": table[key_name].to_numpy(),
            "participant": key.to_numpy(),
        }
    )
    meta = _submission_metadata(raw)
    for column in ("started", "duration", "finished", "progress"):
        submissions[column] = meta[column].to_numpy()

    logs: list[pd.DataFrame] = [_dropped_columns(raw, file, survey, wave)]
    renamed = key.ne(table[key_name]) & key.ne("")
    if renamed.any():
        logs.append(
            _log(
                wave=wave,
                file=path,
                raw_row=table.index[renamed],
                participant=key[renamed].to_numpy(),
                column=key_name,
                old_value=table.loc[renamed, key_name].to_numpy(),
                new_value=key[renamed].to_numpy(),
                rule="key_normalised",
            )
        )

    specs = mapping.columns
    targets = {column: spec.target for column, spec in specs.items()}
    text_columns = [c for c, t in targets.items() if instruments[t.instrument].kind == "text"]
    columns = [c for c in specs if c not in text_columns]
    texts = _texts(table, text_columns, targets, key)
    instrument_of = {c: targets[c].instrument for c in columns}
    labels, on_scale = _column_labels(raw, file, survey, instruments)
    values, label_cells = _parse_columns(table, columns, labels, instrument_of, path, on_scale)
    position = {column: j for j, column in enumerate(columns)}
    # Instruments in the order their first column appears, each with its columns in order.
    of_instrument: dict[str, list[int]] = {}
    for column in columns:
        of_instrument.setdefault(instrument_of[column], []).append(position[column])

    def record(mask: np.ndarray, at: list[int], rule: str) -> None:
        """Log the cells of ``mask`` (rows × ``at`` columns), column by column."""
        hit_column, hit_row = np.nonzero(mask.T)
        if not hit_row.size:
            return
        names = np.array(columns, dtype=object)[at][hit_column]
        old = np.empty(hit_row.size, dtype=object)
        for j in np.unique(hit_column):
            here = hit_column == j
            old[here] = table[columns[at[j]]].iloc[hit_row[here]].to_numpy()
        logs.append(
            _log(
                wave=wave,
                file=path,
                raw_row=table.index.to_numpy()[hit_row],
                participant=key.iloc[hit_row].to_numpy(),
                column=names,
                old_value=old,
                rule=rule,
            )
        )

    def record_column(column: str, old: object, new: object, rule: str) -> None:
        logs.append(
            _log(wave=[wave], file=path, column=column, old_value=old, new_value=new, rule=rule)
        )

    for column, ranges in raw.user_missing.items():
        if column not in position:
            continue
        j = position[column]
        declared = np.zeros(len(table), dtype=bool)
        for low, high in ranges:
            declared |= (values[:, j] >= low) & (values[:, j] <= high)
        record(declared[:, None], [j], "user_missing")
        values[declared, j] = np.nan

    def columns_where(at: list[int], test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """``test`` of each of the ``at`` columns, as a rows × columns mask (no copy of
        the values)."""
        mask = np.empty((len(values), len(at)), dtype=bool, order="F")
        for k, j in enumerate(at):
            mask[:, k] = test(values[:, j])
        return mask

    def set_missing(mask: np.ndarray, at: list[int], rule: str) -> None:
        record(mask, at, rule)
        for k, j in enumerate(at):
            if mask[:, k].any():
                values[mask[:, k], j] = np.nan

    tool_codes = TOOL_MISSING_CODES.get(raw.provenance.format, ())
    for instrument_id, at in of_instrument.items():
        instrument = instruments[instrument_id]
        codes = set(survey.missing_codes) | set(instrument.missing_codes)
        if instrument.response is not None:
            low, high = instrument.response.min, instrument.response.max
            codes |= {c for c in tool_codes if not low <= c <= high}
        else:
            codes |= set(tool_codes)
        is_code = columns_where(at, functools.partial(np.isin, test_elements=list(codes)))
        set_missing(is_code, at, "missing_code")
    # Straight-lining looks at the answer codes as exported (the same column clicked
    # everywhere), so before recodes and reverse keying.
    straightlining = _straightliners(
        values,
        [instrument_of[c] for c in columns],
        instruments,
        survey.quality.straightlining_min_items,
    )

    for column, spec in specs.items():
        if spec.recode and column in position:
            j = position[column]
            as_labels = label_cells.get(j, np.zeros(len(table), dtype=bool))
            _check_recode(values[~as_labels, j], spec.recode, file=path, column=column)
            recoded = recode(pd.Series(values[:, j]), spec.recode).to_numpy()
            values[:, j] = np.where(as_labels, values[:, j], recoded)
            pairs = ", ".join(f"{k:g}→{v:g}" for k, v in spec.recode.items())
            record_column(column, pairs, None, "recoded")
            if as_labels.any():
                record_column(column, int(as_labels.sum()), None, "labels_not_recoded")

    ranges = []
    for instrument_id, at in of_instrument.items():
        instrument = instruments[instrument_id]
        if instrument.response is None:
            continue
        low, high = instrument.response.min, instrument.response.max
        _check_not_shifted(values, at, columns, instrument, file=path)
        for j in at:
            column = values[:, j]
            answered = int(np.count_nonzero(~np.isnan(column)))
            ranges.append(
                {
                    "wave": wave,
                    "file": path,
                    "column": columns[j],
                    "item": targets[columns[j]].instrument
                    + "."
                    + targets[columns[j]].item
                    + ("" if targets[columns[j]].frame == "now" else "@then"),
                    "scale_min": low,
                    "scale_max": high,
                    "observed_min": float(np.nanmin(column)) if answered else np.nan,
                    "observed_max": float(np.nanmax(column)) if answered else np.nan,
                    "answered": answered,
                    "as_labels": int(label_cells[j].sum()) if j in label_cells else 0,
                    "recoded": bool(specs[columns[j]].recode),
                }
            )
        # NaN compares False either way: missing values are not outside.
        outside = columns_where(at, lambda c, low=low, high=high: (c < low) | (c > high))
        set_missing(outside, at, "out_of_range")
        for j in at:
            if targets[columns[j]].item in instrument.reverse_items:
                values[:, j] = reverse_key(values[:, j], low=low, high=high)
                record_column(columns[j], None, None, "reverse_keyed")
    answered = (~np.isnan(values)).sum(axis=1) if columns else np.full(len(table), np.nan)
    items = _FileItems(
        values=values,
        targets=[(t.instrument, t.frame, t.item) for t in (targets[c] for c in columns)],
    )
    columns_table = pd.DataFrame(ranges, columns=RANGE_COLUMNS)
    return items, straightlining, answered, texts, submissions, logs, columns_table


def _check_recode(raw: np.ndarray, mapping: dict[float, float], *, file: str, column: str) -> None:
    """Refuse a recode the column's own values prove wrong: it maps a code onto a value the
    column also holds and the recode leaves as it is (``{1: 0, …, 6: 5}`` over an export
    that already stores 0..5 turns its 0s and 1s into 0 and its 5s into 4).

    Examples
    --------
    >>> _check_recode(np.array([0.0, 1.0, 5.0]), {1: 0, 6: 5}, file="f.csv", column="WB01")
    Traceback (most recent call last):
    impact.errors.InputError: file 'f.csv', column 'WB01': the recode turns 1 into 0, but ...
    """
    present = np.unique(raw[~np.isnan(raw)])
    passing = {float(v) for v in present if float(v) not in mapping}
    for code, value in mapping.items():
        if code in present and float(value) in passing:
            raise InputError(
                f"the recode turns {code:g} into {value:g}, but the column also holds "
                f"{value:g}, which the recode leaves as it is: the export seems to need no "
                "recode (or another one)",
                file=file,
                column=column,
                hint="remove 'recode' from this column's mapping if the export already "
                "stores the instrument's values; else correct the recode",
            )


def _check_not_shifted(
    values: np.ndarray, at: list[int], columns: list[str], instrument: Instrument, *, file: str
) -> None:
    """Refuse an instrument's columns (after recoding) whose values look shifted by one.

    Over all of the instrument's columns in the file: values one step above the scale and
    none at its bottom (a 0..5 item exported as 1..6 without a recode), or one step below it
    and none at its top (values further off do not count: typos, set missing later). A lone
    typo one above the top, in a file where nobody chose the bottom, is reported the same
    way: the file has to be looked at either way.
    """
    low, high = instrument.response.min, instrument.response.max
    if not (float(low).is_integer() and float(high).is_integer()) or not at:
        return
    block = values[:, at]
    answered = block[~np.isnan(block)]
    if not answered.size:
        return
    # Values further off are typos or undeclared codes (set missing and logged below).
    above, below = answered == high + 1, answered == low - 1
    if above.any() and not below.any() and not (answered == low).any():
        step, edge, missing_end = "+1", high + 1, low
    elif below.any() and not above.any() and not (answered == high).any():
        step, edge, missing_end = "-1", low - 1, high
    else:
        return
    j = next(k for k in at if (values[:, k] == edge).any())
    shown = f"{low + (1 if step == '+1' else -1):g}..{high + (1 if step == '+1' else -1):g}"
    raise InputError(
        f"the values of {instrument.id!r} in this file lie in {shown}, not on its scale "
        f"{low:g}..{high:g} (some are {edge:g}, none is {missing_end:g}): the export looks "
        f"shifted by {step}",
        file=file,
        column=columns[j],
        hint=f"add a 'recode' to the mapping of these columns (e.g. {{{edge:g}: "
        f"{high if step == '+1' else low:g}, …}}); if the {edge:g}s are typos or a code for "
        "no answer, correct the export or add the code to 'missing_codes'",
    )


def _texts(table: pd.DataFrame, columns: list[str], targets: dict, key: pd.Series) -> pd.DataFrame:
    """The answered cells of free-text columns: ``raw_row, instrument, item, text``."""
    parts = []
    for column in columns:
        answered = table[column].str.strip().ne("").to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "raw_row": table.index.to_numpy()[answered],
                    "instrument": targets[column].instrument,
                    "item": targets[column].item,
                    "text": table[column].to_numpy()[answered],
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            {c: pd.Series(dtype="str") for c in ("instrument", "item", "text")}
        ).assign(raw_row=pd.Series(dtype=np.int64))[["raw_row", "instrument", "item", "text"]]
    return pd.concat(parts, ignore_index=True)


def _read_and_clean(
    path: Path, wave: str, file: ExportFile, survey: Survey, instruments: dict[str, Instrument]
) -> tuple:
    """One export read and cleaned (see :func:`_clean_file`), with its path and provenance."""
    raw = read_export(
        path, format=file.format, encoding=file.encoding, delimiter=file.delimiter, sheet=file.sheet
    )
    return raw.provenance.path, raw.provenance, *_clean_file(raw, wave, file, survey, instruments)


def _straightliners(
    codes: np.ndarray,
    instrument_of_column: list[str],
    instruments: dict[str, Instrument],
    min_items: int,
) -> np.ndarray:
    """Whether each row has one answer code per grid across grids with reverse-keyed items.

    A grid is one scale instrument (both frames). A row is flagged when each of its
    answered grids has a single answer code, at least ``min_items`` items are answered,
    and one of the answered grids holds a reverse-keyed item (so the identical answers
    contradict each other).
    """
    rows = len(codes)
    single = np.ones(rows, dtype=bool)
    answered = np.zeros(rows, dtype=np.int64)
    reverse = np.zeros(rows, dtype=bool)
    for instrument in instruments.values():
        if instrument.kind != "scale":
            continue
        at = [j for j, i in enumerate(instrument_of_column) if i == instrument.id]
        if not at:
            continue
        count = np.zeros(rows, dtype=np.int64)
        low, high = np.full(rows, np.inf), np.full(rows, -np.inf)
        for j in at:  # column by column: fmin and fmax pass over missing values
            column = codes[:, j]
            count += ~np.isnan(column)
            np.fmin(low, column, out=low)
            np.fmax(high, column, out=high)
        some = count > 0
        single &= ~some | (low == high)
        answered += count
        if instrument.reverse_items:
            reverse |= some
    return single & (answered >= min_items) & reverse


def _positions(keys: pd.Series, distinct: pa.Array) -> np.ndarray:
    """Where each key is among the ``distinct`` keys, -1 where it is not one (or missing);
    an arrow hash lookup."""
    found = pc.index_in(_arrow_strings(keys), value_set=distinct)
    return found.fill_null(-1).to_numpy(zero_copy_only=False, writable=True).astype(np.int64)


def _match_registry(
    submissions: pd.DataFrame, registry_keys: pd.Series, typo_tolerant: bool
) -> tuple[pd.Series, pd.DataFrame, pd.Series]:
    """Keys one edit from exactly one registry key mapped onto it; the rest reported.

    ``registry_keys`` are distinct (:func:`read_registry` refuses a repeated key). Returns
    the participant keys, the log, and whether each key is in the registry.
    """
    participant = submissions["participant"].copy()
    known = _arrow_strings(registry_keys)
    logs = []
    # Every key is looked up once; a corrected key's registry position is its match.
    position = _positions(participant, known)
    unknown_at = np.flatnonzero((position < 0) & participant.ne("").to_numpy())
    if typo_tolerant and unknown_at.size:
        unknown = participant.iloc[unknown_at]
        unknown_keys = _arrow_keys(unknown)
        key, match = _typo_pairs(unknown_keys, known)
        match_of = np.full(len(unknown_keys) + 1, -1)  # the last for missing keys
        match_of[key] = match
        proposal = match_of[_positions(unknown, unknown_keys)]
        at, proposal = unknown_at[proposal >= 0], proposal[proposal >= 0]
        # No match where the registry key already answered the same wave: two people.
        answered = np.flatnonzero(np.isin(position, proposal))
        taken = pd.MultiIndex.from_arrays(
            [submissions["wave"].iloc[answered].to_numpy(), position[answered]]
        )
        proposed = pd.MultiIndex.from_arrays([submissions["wave"].iloc[at].to_numpy(), proposal])
        free = ~proposed.isin(taken)
        at, proposal = at[free], proposal[free]
        if at.size:
            rows = submissions.iloc[at]
            target = pd.Series(known.take(proposal), dtype="str").to_numpy()
            logs.append(
                _log(
                    wave=rows["wave"].to_numpy(),
                    file=rows["file"].to_numpy(),
                    raw_row=rows["raw_row"].to_numpy(),
                    participant=target,
                    column="key",
                    old_value=rows["participant"].to_numpy(),
                    new_value=target,
                    rule="key_typo_matched",
                )
            )
            participant.iloc[at] = target
            position[at] = proposal
    registered = position >= 0
    missing = ~registered & participant.ne("").to_numpy()
    if missing.any():
        rows = submissions[missing]
        logs.append(
            _log(
                wave=rows["wave"].to_numpy(),
                file=rows["file"].to_numpy(),
                raw_row=rows["raw_row"].to_numpy(),
                participant=participant[missing].to_numpy(),
                column="key",
                old_value=participant[missing].to_numpy(),
                rule="key_not_in_registry",
            )
        )
    if missing.any():
        unknown = participant[missing]
        odd = ~unknown.str.isascii()
        if odd.any():
            skeleton = confusable_skeleton(unknown[odd])
            looks_like = skeleton.isin(set(registry_keys))
            if looks_like.any():
                rows = submissions.loc[skeleton.index[looks_like.to_numpy()]]
                logs.append(
                    _log(
                        wave=rows["wave"].to_numpy(),
                        file=rows["file"].to_numpy(),
                        raw_row=rows["raw_row"].to_numpy(),
                        participant=participant[rows.index].to_numpy(),
                        column="key",
                        old_value=participant[rows.index].to_numpy(),
                        new_value=skeleton[looks_like].to_numpy(),
                        rule="key_confusable",
                    )
                )
    log = pd.concat(logs, ignore_index=True) if logs else _log()
    return participant, log, pd.Series(registered, index=participant.index)


# Scaffolded programmes carry planned wave dates up to a year ahead and are tried out with
# test exports; an export of a wave dated further ahead is a typo in the date (2205, 2052).
FUTURE_WAVE_DAYS = 730


def _check_files_exist(survey: Survey, base: Path) -> None:
    """Every export named once, existing, inside the programme's folder (or a folder the
    definition allows), and no item fed by two columns of one mapping."""
    latest = dt.date.today() + dt.timedelta(days=FUTURE_WAVE_DAYS)
    allowed = allowed_folders(survey, base)
    seen: dict[Path, str] = {}
    for w, wave in enumerate(survey.waves):
        for f, file in enumerate(wave.files):
            path = base / file.path
            where = f"waves.{w}.files.{f}.path"
            check_inside(path, allowed, where=where)
            if wave.date > latest and path.exists():
                raise InputError(
                    f"wave {wave.id!r} is dated {wave.date.isoformat()} (waves.{w}.date), more "
                    f"than {FUTURE_WAVE_DAYS} days in the future, yet this export of it exists",
                    file=path,
                    hint="correct the wave's 'date' in survey.yml",
                )
            if not path.exists():
                near = difflib.get_close_matches(
                    path.name, [p.name for p in path.parent.glob("*")], n=1
                )
                raise InputError(
                    f"the survey definition names this export ({where}), but it does not exist",
                    file=path,
                    hint=f"did you mean {near[0]!r}?" if near else "check 'path' in survey.yml",
                )
            resolved = path.resolve()
            if resolved in seen:
                raise InputError(
                    f"the survey definition names this export twice ({seen[resolved]} and "
                    f"{where}): its rows would count twice",
                    file=path,
                    hint="list each export once, in the wave it belongs to",
                )
            seen[resolved] = where
    check_inside(base / survey.registry.file, allowed, where="registry.file")
    _check_one_column_per_item(survey)


def allowed_folders(survey: Survey, base: Path) -> list[Path]:
    """The folders raw files may be read from: the programme's, and those the definition
    lists under ``data_folders`` (relative to it, or absolute)."""
    return [base.resolve(), *((base / folder).resolve() for folder in survey.data_folders)]


def check_inside(path: Path, allowed: list[Path], *, where: str) -> None:
    """Refuse a raw file outside the allowed folders (links followed, ``..`` resolved).

    Examples
    --------
    >>> check_inside(Path("surveys/demo/../../etc/passwd"), [Path("surveys/demo").resolve()],
    ...              where="registry.file")
    Traceback (most recent call last):
    impact.errors.InputError: file 'surveys/demo/../../etc/passwd': ... outside the programme's ...
    """
    resolved = path.resolve()
    if not any(resolved.is_relative_to(folder) for folder in allowed):
        raise InputError(
            f"the survey definition names a file ({where}) outside the programme's folder "
            f"{str(allowed[0])!r}",
            file=path,
            hint="move the file into the programme's folder, or list its folder under "
            "'data_folders' in survey.yml",
        )


def _check_one_column_per_item(survey: Survey) -> None:
    from impact.errors import DefinitionError

    for name, mapping in survey.mappings.items():
        first: dict[object, str] = {}
        for column, spec in mapping.columns.items():
            target = spec.target
            if target in first:
                raise DefinitionError(
                    f"the columns {first[target]!r} and {column!r} are both mapped to "
                    f"{spec.item!r}: each item can take its answer from one column",
                    file=survey._source,
                    key=f"mappings.{name}.{column}" if survey._source else None,
                    hint="map one of them to another item, or leave it out of the mapping",
                )
            first[target] = column


def _check_distinct_contents(provenance: list[Provenance]) -> None:
    """Two exports with the same bytes are one export named twice (a copy)."""
    first: dict[str, str] = {}
    for source in provenance:
        if source.sha256 in first:
            raise InputError(
                f"this export has the same contents (SHA-256 {source.sha256[:12]}…) as "
                f"{first[source.sha256]!r}: its rows would count twice",
                file=source.path,
                hint="list each export once, in the wave it belongs to",
            )
        first[source.sha256] = source.path


def clean(survey: Survey, instruments: dict[str, Instrument], base: str | Path) -> Cleaned:
    """Read and clean every export of a programme.

    Parameters
    ----------
    survey : Survey
        The programme's survey definition.
    instruments : dict
        Instrument id → Instrument, as returned by :func:`impact.definitions.load_survey`.
    base : str or Path
        The folder of ``survey.yml``; file paths in the definition are relative to it.

    Returns
    -------
    Cleaned
        Responses, submissions, the cleaning log, the registry and provenance.

    Raises
    ------
    InputError
        Naming the file, column and row of input that cannot be read or mapped, and a
        wave file none of whose keys is in the registry.
    DefinitionError
        When keys are to be pseudonymised and there is no salt.
    """
    base = Path(base)
    _check_files_exist(survey, base)
    policy = survey.quality
    definition = base / "survey.yml"
    salt = (
        load_salt(base, definition=definition if definition.is_file() else None)
        if survey.privacy.pseudonymise_keys
        else None
    )
    files: list[_FileItems] = []
    texts, all_submissions, answered, paths, ranges = [], [], [], [], []
    key_columns: dict[str, str] = {}
    exports = [(wave, file) for wave in survey.waves for file in wave.files]
    # Files are read and cleaned side by side (arrow and numpy work outside the GIL);
    # results are taken in file order, so output and the first error are as if serial.
    # Workbooks go one at a time: reading one holds a Python object per cell (~0.6 GB at
    # 100,000 rows), and two at once took the import past 2 GB.
    workbooks = any(Path(file.path).suffix.lower() == ".xlsx" for _, file in exports)
    workers = 1 if workbooks else min(len(exports), os.cpu_count() or 1) or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        registry_read = pool.submit(read_registry, survey, base)
        cleaned_files = [
            pool.submit(_read_and_clean, base / file.path, wave.id, file, survey, instruments)
            for wave, file in exports
        ]
        try:
            registry, registry_log, registry_provenance = registry_read.result()
        except BaseException:
            pool.shutdown(cancel_futures=True)  # its error comes first, as if read alone
            raise
        provenance = [registry_provenance]
        logs = [registry_log]
        for (wave, file), future in zip(exports, cleaned_files, strict=True):
            (
                path,
                file_provenance,
                items,
                straightlining,
                file_answered,
                text,
                submissions,
                file_logs,
                file_columns,
            ) = future.result()
            ranges.append(file_columns)
            provenance.append(file_provenance)
            submissions["straightlining"] = straightlining
            answered.append(file_answered)
            text["wave"] = wave.id
            text["file"] = path
            files.append(items)
            key_columns[path] = key_column(survey, file)
            texts.append(text)
            all_submissions.append(submissions)
            paths.append(path)
            logs.extend(file_logs)

    _check_distinct_contents(provenance[1:])
    submissions = pd.concat(all_submissions, ignore_index=True)
    # Each export's rows are a block; an export named twice is one file, as in a groupby.
    first_of = {path: g for g, path in enumerate(dict.fromkeys(paths))}
    file_code = np.repeat([first_of[path] for path in paths], [len(f) for f in all_submissions])
    waves = pd.CategoricalDtype(survey.wave_ids, ordered=True)
    submissions["wave"] = pd.Categorical.from_codes(
        np.repeat(
            [survey.wave_ids.index(wave.id) for wave, _ in exports],
            [len(f) for f in all_submissions],
        ),
        dtype=waves,
    )
    submissions["participant"], match_log, in_registry = _match_registry(
        submissions, registry["participant"], policy.typo_tolerant_keys
    )
    logs.append(match_log)
    rows_of_file = np.bincount(file_code, minlength=len(first_of))
    registered_of_file = np.bincount(file_code, weights=in_registry, minlength=len(first_of))
    unmatched = np.flatnonzero((rows_of_file > 0) & (registered_of_file == 0))
    if unmatched.size:
        path = list(first_of)[unmatched[0]]
        keys = submissions.loc[file_code == unmatched[0], "key"].head(3).tolist()
        raise InputError(
            f"none of the keys of this wave file is in the registry (e.g. {keys})",
            file=path,
            column=key_columns[path],
            hint="is 'key_column' the right column, and the registry the right file?",
        )

    submissions["status"] = "kept"
    submissions["reason"] = None
    still_kept = np.ones(len(submissions), dtype=bool)
    reason = np.full(len(submissions), None, dtype=object)

    def exclude(mask: pd.Series | np.ndarray, why: str) -> None:
        mask = np.asarray(mask, dtype=bool) & still_kept
        still_kept[mask] = False
        reason[mask] = why

    duration = submissions["duration"]
    median = duration.where(submissions["finished"]).groupby(file_code).median().to_numpy()
    submissions["speeder"] = duration.lt(policy.speeder_ratio * median[file_code])
    complete = submissions["finished"] | submissions["progress"].ge(policy.min_progress)
    exclude(submissions["participant"].eq(""), "no_key")
    if policy.unregistered == "exclude":
        exclude(~in_registry, "not_in_registry")
    if policy.incomplete == "exclude":
        exclude(~complete, "incomplete")
    if policy.speeders == "exclude":
        exclude(submissions["speeder"], "speeder")
    if policy.straightlining == "exclude":
        exclude(submissions["straightlining"], "straight_lining")
    submissions["answered"] = np.concatenate(answered)
    order = (
        ["finished", "answered", "started"]
        if policy.duplicates == "keep-most-complete"
        else ["finished", "started"]
    )
    ranked = submissions.loc[still_kept, ["wave", "participant", *order]]
    ranked = ranked.sort_values(order, kind="stable")
    duplicate = ranked.duplicated(["wave", "participant"], keep="last")
    exclude(submissions.index.isin(ranked.index[duplicate]), "duplicate")
    submissions["status"] = np.where(still_kept, "kept", "excluded")
    submissions["reason"] = pd.Series(reason, index=submissions.index, dtype=object)

    flags = pd.DataFrame(
        {
            "speeder": submissions["speeder"] & (policy.speeders == "flag"),
            "straight_lining": submissions["straightlining"] & (policy.straightlining == "flag"),
        }
    )
    kept = pd.Series(still_kept, index=submissions.index)
    flags = flags[kept]
    submissions["flags"] = ""
    for name in flags.columns:
        hit = flags.index[flags[name]]
        submissions.loc[hit, "flags"] = (
            submissions.loc[hit, "flags"]
            .str.cat(pd.Series(name, index=hit), sep=";")
            .str.lstrip(";")
        )
        rows = submissions.loc[hit]
        logs.append(_submission_log(rows, f"flagged:{name}"))
    excluded = submissions[~kept]
    logs.append(_submission_log(excluded, "excluded:" + excluded["reason"]))

    keep_rows = submissions.loc[kept, ["file", "raw_row", "participant"]]
    text = pd.concat(texts, ignore_index=True)
    text = text.merge(keep_rows, on=["file", "raw_row"], how="inner")[TEXT_COLUMNS]

    logs = [frame for frame in logs if not frame.empty]
    log = pd.concat(logs, ignore_index=True) if logs else _log()
    if salt is not None:
        # Responses take their participant from the (pseudonymised) submissions below.
        _, text, submissions, log, registry = _pseudonymised(
            salt,
            pd.DataFrame({"participant": pd.Series(dtype="str")}),
            text,
            submissions,
            log,
            registry,
        )

    kept_items = KeptItems.of_submissions(
        [(items.values, items.targets) for items in files], submissions, kept.to_numpy(), waves
    )
    text["wave"] = text["wave"].astype(waves)
    log["wave"] = log["wave"].astype(waves)
    log["raw_row"] = log["raw_row"].astype("Int64")
    submissions["wave"] = submissions["wave"].astype(waves)
    return Cleaned(
        responses=kept_items,
        submissions=submissions,
        log=log[LOG_COLUMNS],
        registry=registry,
        provenance=provenance,
        texts=text.reset_index(drop=True),
        columns=pd.concat(ranges, ignore_index=True) if ranges else None,
    )


def _submission_log(rows: pd.DataFrame, rule: object) -> pd.DataFrame:
    return _log(
        wave=rows["wave"].to_numpy(),
        file=rows["file"].to_numpy(),
        raw_row=rows["raw_row"].to_numpy(),
        participant=rows["participant"].to_numpy(),
        rule=rule.to_numpy() if isinstance(rule, pd.Series) else rule,
    )


def _pseudonymised(salt, responses, text, submissions, log, registry):
    """Every participant key, and every logged key value, replaced by its pseudonym."""
    responses = responses.assign(participant=pseudonymise(responses["participant"], salt=salt))
    text = text.assign(participant=pseudonymise(text["participant"], salt=salt))
    registry = registry.assign(participant=pseudonymise(registry["participant"], salt=salt))
    submissions = submissions.assign(
        participant=pseudonymise(submissions["participant"], salt=salt),
        key=pseudonymise(normalise_key(submissions["key"]), salt=salt),
    )
    log = log.copy()
    keyed = log["rule"].str.startswith("key_")
    log["participant"] = pseudonymise(log["participant"], salt=salt)
    for column in ("old_value", "new_value"):
        values = log.loc[keyed, column]
        log.loc[keyed, column] = pseudonymise(
            normalise_key(values).where(values.notna()), salt=salt
        )
    return responses, text, submissions, log, registry


def accounting(cleaned: Cleaned) -> pd.DataFrame:
    """Per wave and file: raw rows = kept + excluded, with the count for each reason.

    Returns
    -------
    DataFrame
        ``wave, file, format, raw_rows, kept, excluded`` and one column per exclusion
        reason (``incomplete``, ``duplicate``, ``speeder``, ``straight_lining``, ``no_key``,
        ``not_in_registry``; only those that occur).

    Examples
    --------
    >>> from impact.pipeline import load_programme
    >>> table = accounting(load_programme("tests/fixtures/tools/survey.yml").cleaned)
    >>> table[["wave", "format", "raw_rows", "kept", "excluded"]].head(3)
              wave   format  raw_rows  kept  excluded
    0      kickoff    sosci         6     5         1
    1      kickoff     xlsx         2     2         0
    2  milestone-1  limesurvey      7     6         1
    """
    s = cleaned.submissions
    formats = {p.path: p.format for p in cleaned.provenance}
    table = (
        s.groupby(["wave", "file"], observed=True, sort=False)
        .agg(raw_rows=("raw_row", "size"), kept=("status", lambda x: int((x == "kept").sum())))
        .reset_index()
    )
    table.insert(2, "format", table["file"].map(formats))
    table["excluded"] = table["raw_rows"] - table["kept"]
    reasons = (
        s[s["status"].eq("excluded")]
        .groupby(["wave", "file", "reason"], observed=True)
        .size()
        .unstack("reason", fill_value=0)
    )
    table = table.merge(reasons.reset_index(), on=["wave", "file"], how="left")
    reason_columns = list(reasons.columns)
    table[reason_columns] = table[reason_columns].fillna(0).astype(int)
    return table


def review(cleaned: Cleaned) -> pd.DataFrame:
    """The decisions a person should check: typo-matched keys and keys not in the registry.

    Returns
    -------
    DataFrame
        The log rows with rule ``key_typo_matched`` or ``key_not_in_registry``, with the
        log's columns.
    """
    log = cleaned.log
    return log[log["rule"].isin(REVIEW_RULES)].reset_index(drop=True)
