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
>>> survey, instruments = load_survey("surveys/demo/survey.yml")
>>> cleaned = clean(survey, instruments, "surveys/demo")
>>> table = accounting(cleaned)
>>> bool((table["raw_rows"] == table["kept"] + table["excluded"]).all())
True
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from impact.definitions import ExportFile, Instrument, Survey, key_column
from impact.errors import InputError
from impact.io import IDENTIFYING_METADATA, Provenance, RawExport, read_export
from impact.privacy import load_salt, pseudonymise

LOG_COLUMNS = ["wave", "file", "raw_row", "participant", "column", "old_value", "new_value", "rule"]
RESPONSE_COLUMNS = ["participant", "wave", "instrument", "item", "frame", "value"]
TEXT_COLUMNS = ["participant", "wave", "instrument", "item", "text"]
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
REVIEW_RULES = ("key_typo_matched", "key_not_in_registry")


@dataclass
class Cleaned:
    """The result of cleaning a programme's exports.

    Attributes
    ----------
    responses : DataFrame
        One row per kept participant × wave × item: ``participant, wave, instrument, item,
        frame, value``, sorted by participant, wave, instrument, frame and item.
        ``participant``, ``instrument``, ``item`` and ``frame`` are unordered categoricals
        whose categories are sorted as text; ``wave`` is an ordered categorical in the
        order of the waves; ``frame`` is ``now`` or ``then`` (retrospective rating);
        ``value`` is a float (missing as NaN), recoded, reverse-keyed items already
        reversed.
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
    """

    responses: pd.DataFrame
    submissions: pd.DataFrame
    log: pd.DataFrame
    registry: pd.DataFrame
    provenance: list[Provenance] = field(default_factory=list)
    texts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TEXT_COLUMNS))


def normalise_key(keys: pd.Series) -> pd.Series:
    """Self-generated codes and tokens compared without case or spaces.

    Examples
    --------
    >>> normalise_key(pd.Series([" ab12cd", "AB 12CD"])).tolist()
    ['AB12CD', 'AB12CD']
    """
    return keys.astype(str).str.replace(r"\s+", "", regex=True).str.upper()


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


def _one_edit_apart(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _deletions(keys: pd.Series) -> pd.DataFrame:
    """Each key with itself and every variant one character shorter."""
    keys = pd.Series(keys.unique(), dtype=object)
    width = int(keys.str.len().max()) if len(keys) else 0
    variants = [keys] + [keys.str.slice(0, i) + keys.str.slice(i + 1) for i in range(width)]
    frame = pd.DataFrame({"key": pd.concat([keys] * len(variants), ignore_index=True)})
    frame["variant"] = pd.concat(variants, ignore_index=True).to_numpy()
    return frame.drop_duplicates()


def typo_candidates(unknown: pd.Series, known: pd.Series) -> pd.DataFrame:
    """Pairs of an unknown key and the only known key one edit away from it.

    Candidates are found through shared deletion variants (substitution, insertion and
    deletion all leave one), then checked; a key with two or more candidates is ambiguous
    and has none.

    Returns
    -------
    DataFrame
        ``key`` (the unknown key) and ``match`` (the known key).

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
    pairs = (
        _deletions(unknown)
        .merge(_deletions(known).rename(columns={"key": "match"}), on="variant")[["key", "match"]]
        .drop_duplicates()
    )
    close = [_one_edit_apart(a, b) for a, b in zip(pairs["key"], pairs["match"], strict=True)]
    pairs = pairs[np.asarray(close, dtype=bool)]
    unique = pairs.groupby("key")["match"].transform("size").eq(1)
    return pairs[unique].sort_values("key").reset_index(drop=True)


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
    keys = normalise_key(table[spec.key])
    blank = keys.isna() | keys.eq("")
    if blank.any():
        raise InputError(
            "a registry row has no participant key",
            file=raw.provenance.path,
            column=spec.key,
            row=int(keys.index[blank.to_numpy()][0]),
            hint="every registered participant needs a key; remove the row or fill in the key",
        )
    repeated = keys[keys.duplicated(keep=False)]
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
    return registry.reset_index(drop=True), log, raw.provenance


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
) -> dict[str, dict[str, float]]:
    """Per mapped column: every exported text that stands for a code."""
    labels = {}
    for column, spec in survey.mappings[file.mapping].columns.items():
        known = dict(_label_values(instruments[spec.target.instrument]))
        for code, label in raw.value_labels.get(column, {}).items():
            try:
                known[label.strip().casefold()] = float(code)
            except ValueError:
                continue
        known.update({k.strip().casefold(): v for k, v in spec.labels.items()})
        labels[column] = known
    return labels


def _to_numbers(text: pd.Series) -> pd.Series:
    """Numbers (decimal comma or point) from stripped text; NaN where there is none.

    Arrow casts a column of plain numbers at once; a column with any other text (labels)
    takes the slower road of ``pandas.to_numeric``.
    """
    try:
        values = pa.array(text, type=pa.large_string())
        values = pc.replace_substring(values, ",", ".")
        values = pc.if_else(pc.equal(values, ""), None, values)
        numbers = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
        if np.isinf(numbers).any():  # arrow reads "inf": leave such cells to pandas
            raise ValueError("infinite")
        return pd.Series(numbers, index=text.index, dtype=float)
    except (ValueError, TypeError, pa.ArrowInvalid):
        return pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")


def _parse_values(long: pd.DataFrame, labels: dict[str, dict[str, float]], path: str) -> pd.Series:
    text = long["raw"].str.strip()
    numbers = _to_numbers(text)
    unparsed = numbers.isna() & text.ne("")
    if unparsed.any():
        lookup = {
            f"{column}\x00{label}": value
            for column, mapping in labels.items()
            for label, value in mapping.items()
        }
        keys = long.loc[unparsed, "column"].astype("str") + "\x00" + text[unparsed].str.casefold()
        numbers.loc[unparsed] = keys.map(lookup).astype(float)
        still = numbers.isna() & text.ne("")
        if still.any():
            first = long[still].iloc[0]
            raise InputError(
                f"{first['raw']!r} is neither a number nor a response label of "
                f"{first['instrument']!r} ({int(still.sum())} such cell(s) in this file)",
                file=path,
                column=first["column"],
                row=int(first["raw_row"]),
                hint="add the label to the mapping's 'labels' or fix the export",
            )
    return numbers.astype(float)


def _text_column(table: pd.DataFrame, column: str) -> pd.Series:
    if column in table:
        return table[column].str.strip()
    return pd.Series("", index=table.index)


def _number_column(table: pd.DataFrame, column: str) -> pd.Series:
    text = _text_column(table, column).str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce")


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.replace("", None), errors="coerce")


def _submission_metadata(raw: RawExport) -> pd.DataFrame:
    """Start, duration (s), finished and progress (%) of each row, as the tool records them."""
    table = raw.table
    tool = raw.provenance.format
    meta = pd.DataFrame(index=table.index)
    if tool == "sosci":
        meta["started"] = _dates(_text_column(table, "STARTED"))
        meta["duration"] = _number_column(table, "TIME_SUM")
        finished = _text_column(table, "FINISHED")
        meta["finished"] = finished.eq("1") | ("FINISHED" not in table)
        meta["progress"] = (
            100 * _number_column(table, "LASTPAGE") / _number_column(table, "MAXPAGE")
        )
    elif tool == "limesurvey":
        started = _dates(_text_column(table, "startdate"))
        ended = _dates(_text_column(table, "datestamp"))
        meta["started"] = started
        seconds = (ended - started).dt.total_seconds()
        meta["duration"] = _number_column(table, "interviewtime").fillna(seconds)
        meta["finished"] = _text_column(table, "submitdate").ne("")
        # LimeSurvey records the last page seen; the pages of the survey are those a
        # submitted response reached.
        pages = _number_column(table, "lastpage")
        meta["progress"] = 100 * pages / pages[meta["finished"]].max()
    elif tool == "qualtrics":
        meta["started"] = _dates(_text_column(table, "StartDate"))
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


def _long_table(table: pd.DataFrame, specs: dict, key: pd.Series) -> pd.DataFrame:
    """The mapped columns stacked column by column (as ``melt`` would): ``raw_row, column,
    raw, instrument, item, frame, participant`` and ``target`` (the column's position in
    ``specs``).

    This is the largest table of the import (rows × mapped columns), so nothing in it is
    looked up one by one: ``column``, ``instrument``, ``item`` and ``frame`` are
    categoricals (one small code per cell), repeated from the mapping.
    """
    columns = list(specs)
    rows = len(table)
    of_column = np.repeat(np.arange(len(columns)), rows)

    def repeated(values: list[str]) -> pd.Categorical:
        return pd.Categorical(values).take(of_column)

    targets = [specs[c].target for c in columns]
    raw = pd.concat([table[c] for c in columns], ignore_index=True)
    return pd.DataFrame(
        {
            "raw_row": np.tile(table.index.to_numpy(), len(columns)),
            "column": repeated(columns),
            "raw": raw.astype("str"),
            "instrument": repeated([t.instrument for t in targets]),
            "item": repeated([t.item for t in targets]),
            "frame": repeated([t.frame for t in targets]),
            "participant": pd.Series(
                key.astype("str").array.take(np.tile(np.arange(rows), len(columns)))
            ),
            "target": of_column,
        }
    )


def _clean_file(
    raw: RawExport,
    wave: str,
    file: ExportFile,
    survey: Survey,
    instruments: dict[str, Instrument],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[pd.DataFrame]]:
    """Item values, free texts and submission metadata of one export, with its log."""
    path = raw.provenance.path
    _check_columns(raw, file, survey)
    table = raw.table
    mapping = survey.mappings[file.mapping]
    key_name = key_column(survey, file)
    key = normalise_key(table[key_name])

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
    long = _long_table(table, specs, key)
    text_ids = [i for i in long["instrument"].unique() if instruments[i].kind == "text"]
    if text_ids:
        is_text = long["instrument"].isin(text_ids)
        texts = long[is_text].copy()
        long = long[~is_text].reset_index(drop=True)
    else:
        texts = long.iloc[:0].copy()
    texts = texts.astype({c: "str" for c in ("column", "instrument", "item", "frame")})
    long["value"] = _parse_values(long, _column_labels(raw, file, survey, instruments), path)

    def record(mask: pd.Series, rule: str) -> None:
        if mask.any():
            hit = long[mask]
            logs.append(
                _log(
                    wave=wave,
                    file=path,
                    raw_row=hit["raw_row"].to_numpy(),
                    participant=hit["participant"].to_numpy(),
                    column=hit["column"].to_numpy(),
                    old_value=hit["raw"].to_numpy(),
                    rule=rule,
                )
            )

    def record_column(column: str, old: object, new: object, rule: str) -> None:
        logs.append(
            _log(wave=[wave], file=path, column=column, old_value=old, new_value=new, rule=rule)
        )

    for column, ranges in raw.user_missing.items():
        rows = long["column"].eq(column)
        if not rows.any():
            continue
        declared = np.zeros(len(long), dtype=bool)
        for low, high in ranges:
            declared |= (rows & long["value"].between(low, high)).to_numpy()
        record(pd.Series(declared, index=long.index), "user_missing")
        long.loc[declared, "value"] = np.nan

    tool_codes = TOOL_MISSING_CODES.get(raw.provenance.format, ())
    for instrument_id in long["instrument"].unique():
        instrument = instruments[instrument_id]
        rows = long["instrument"].eq(instrument_id)
        codes = set(survey.missing_codes) | set(instrument.missing_codes)
        if instrument.response is not None:
            low, high = instrument.response.min, instrument.response.max
            codes |= {c for c in tool_codes if not low <= c <= high}
        else:
            codes |= set(tool_codes)
        is_code = rows & long["value"].isin(codes)
        record(is_code, "missing_code")
        long.loc[is_code, "value"] = np.nan
    # The answer code as exported, for straight-lining (same column clicked everywhere).
    long["code"] = long["value"]

    present = set(long["column"].unique())
    for column, spec in specs.items():
        if spec.recode and column in present:
            rows = long["column"].eq(column)
            long.loc[rows, "value"] = recode(long.loc[rows, "value"], spec.recode).to_numpy()
            pairs = ", ".join(f"{k:g}→{v:g}" for k, v in spec.recode.items())
            record_column(column, pairs, None, "recoded")

    for instrument_id in long["instrument"].unique():
        instrument = instruments[instrument_id]
        if instrument.response is None:
            continue
        rows = long["instrument"].eq(instrument_id)
        low, high = instrument.response.min, instrument.response.max
        outside = rows & long["value"].notna() & ~long["value"].between(low, high)
        record(outside, "out_of_range")
        long.loc[outside, "value"] = np.nan
        reverse = rows & long["item"].isin(instrument.reverse_items)
        long.loc[reverse, "value"] = reverse_key(long.loc[reverse, "value"], low=low, high=high)
        for column in long.loc[reverse, "column"].unique():
            record_column(column, None, None, "reverse_keyed")
    return long, texts, submissions, logs


def _straightliners(
    long: pd.DataFrame, instruments: dict[str, Instrument], min_items: int
) -> pd.Index:
    """Raw rows with one answer code per grid across grids that include reverse-keyed items.

    A grid is one scale instrument. A row is flagged when each of its grids has a single
    answer code, at least ``min_items`` items are answered, and one of the grids holds a
    reverse-keyed item (so the identical answers contradict each other).
    """
    scales = [i.id for i in instruments.values() if i.kind == "scale"]
    with_reverse = [i.id for i in instruments.values() if i.reverse_items]
    # One answer code per grid: its lowest and highest code are the same (integer group
    # keys and min/max are much cheaper than nunique over strings).
    instrument = _positions(long["instrument"], scales)
    grid = (instrument >= 0) & long["code"].notna().to_numpy()
    per_grid = (
        pd.DataFrame(
            {
                "raw_row": long["raw_row"].to_numpy()[grid],
                "instrument": instrument[grid],
                "code": long["code"].to_numpy()[grid],
            }
        )
        .groupby(["raw_row", "instrument"])["code"]
        .agg(["min", "max", "count"])
        .reset_index()
    )
    per_grid["distinct"] = np.where(per_grid["min"].eq(per_grid["max"]), 1, 2)
    reverse = [scales.index(i) for i in with_reverse if i in scales]
    per_grid["reverse"] = per_grid["instrument"].isin(reverse)
    per_row = per_grid.groupby("raw_row").agg(
        distinct=("distinct", "max"), answered=("count", "sum"), reverse=("reverse", "any")
    )
    flagged = per_row["distinct"].eq(1) & per_row["answered"].ge(min_items) & per_row["reverse"]
    return per_row.index[flagged]


def _positions(values: pd.Series, choices: list[str]) -> np.ndarray:
    """Position of each value in ``choices`` (-1 if absent), looked up once per category."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        found = np.append(pd.Index(choices).get_indexer(values.cat.categories), -1)
        return found[values.cat.codes.to_numpy()]  # code -1 (missing) → the appended -1
    return pd.Index(choices).get_indexer(values)


def _match_registry(
    submissions: pd.DataFrame, registry_keys: pd.Series, typo_tolerant: bool
) -> tuple[pd.Series, pd.DataFrame]:
    """Keys one edit from exactly one registry key mapped onto it; the rest reported."""
    participant = submissions["participant"].copy()
    known = set(registry_keys)
    logs = []
    unknown = participant[~participant.isin(known) & participant.ne("")]
    if typo_tolerant and not unknown.empty:
        pairs = typo_candidates(pd.Series(unknown.unique()), registry_keys)
        target = unknown.map(pairs.set_index("key")["match"]).dropna()
        # No match where the registry key already answered the same wave: two people.
        taken = pd.MultiIndex.from_frame(submissions[["wave", "participant"]])
        proposed = pd.MultiIndex.from_arrays(
            [submissions.loc[target.index, "wave"], target.to_numpy()]
        )
        target = target[~proposed.isin(taken)]
        if not target.empty:
            rows = submissions.loc[target.index]
            logs.append(
                _log(
                    wave=rows["wave"].to_numpy(),
                    file=rows["file"].to_numpy(),
                    raw_row=rows["raw_row"].to_numpy(),
                    participant=target.to_numpy(),
                    column="key",
                    old_value=rows["participant"].to_numpy(),
                    new_value=target.to_numpy(),
                    rule="key_typo_matched",
                )
            )
            participant.loc[target.index] = target
    missing = ~participant.isin(known) & participant.ne("")
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
    return participant, pd.concat(logs, ignore_index=True) if logs else _log()


# Scaffolded programmes carry planned wave dates up to a year ahead and are tried out with
# test exports; an export of a wave dated further ahead is a typo in the date (2205, 2052).
FUTURE_WAVE_DAYS = 730


def _check_files_exist(survey: Survey, base: Path) -> None:
    latest = dt.date.today() + dt.timedelta(days=FUTURE_WAVE_DAYS)
    for w, wave in enumerate(survey.waves):
        for f, file in enumerate(wave.files):
            path = base / file.path
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
                    f"the survey definition names this export (waves.{w}.files.{f}.path), "
                    "but it does not exist",
                    file=path,
                    hint=f"did you mean {near[0]!r}?" if near else "check 'path' in survey.yml",
                )


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
    registry, registry_log, registry_provenance = read_registry(survey, base)
    provenance = [registry_provenance]
    longs, texts, all_submissions, logs = [], [], [], [registry_log]
    key_columns: dict[str, str] = {}
    offset = 0
    target_ids: dict[tuple[str, str, str], int] = {}
    for wave in survey.waves:
        for file in wave.files:
            raw = read_export(
                base / file.path,
                format=file.format,
                encoding=file.encoding,
                delimiter=file.delimiter,
                sheet=file.sheet,
            )
            provenance.append(raw.provenance)
            long, text, submissions, file_logs = _clean_file(
                raw, wave.id, file, survey, instruments
            )
            flagged = _straightliners(long, instruments, policy.straightlining_min_items)
            submissions["straightlining"] = submissions["raw_row"].isin(flagged)
            text["wave"] = wave.id
            text["file"] = raw.provenance.path
            # Each item row's submission, as a position in the submissions of all files,
            # and its target (instrument, frame, item) as a number shared by all files.
            long["submission"] = offset + long["raw_row"].to_numpy() - 1
            offset += len(submissions)
            ids = np.array(
                [
                    target_ids.setdefault((t.instrument, t.frame, t.item), len(target_ids))
                    for t in (
                        spec.target for spec in survey.mappings[file.mapping].columns.values()
                    )
                ]
            )
            long["target"] = ids[long["target"].to_numpy()]
            longs.append(long[["submission", "target", "value"]])
            key_columns[raw.provenance.path] = key_column(survey, file)
            texts.append(text)
            all_submissions.append(submissions)
            logs.extend(file_logs)

    submissions = pd.concat(all_submissions, ignore_index=True)
    long = pd.concat(longs, ignore_index=True)
    submissions["participant"], match_log = _match_registry(
        submissions, registry["participant"], policy.typo_tolerant_keys
    )
    logs.append(match_log)
    in_registry = submissions["participant"].isin(set(registry["participant"]))
    matched = in_registry.groupby(submissions["file"], sort=False).any()
    if not matched.all():
        path = matched.index[~matched.to_numpy()][0]
        keys = submissions.loc[submissions["file"].eq(path), "key"].head(3).tolist()
        raise InputError(
            f"none of the keys of this wave file is in the registry (e.g. {keys})",
            file=path,
            column=key_columns[path],
            hint="is 'key_column' the right column, and the registry the right file?",
        )

    submissions["status"] = "kept"
    submissions["reason"] = None

    def exclude(mask: pd.Series, reason: str) -> None:
        mask = mask & submissions["status"].eq("kept")
        submissions.loc[mask, "status"] = "excluded"
        submissions.loc[mask, "reason"] = reason

    median = submissions[submissions["finished"]].groupby("file")["duration"].median()
    submissions["speeder"] = submissions["duration"].lt(
        policy.speeder_ratio * submissions["file"].map(median)
    )
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
    position = long["submission"].to_numpy()
    answered = np.bincount(position, long["value"].notna(), minlength=len(submissions))
    has_items = np.bincount(position, minlength=len(submissions)) > 0
    submissions["answered"] = (
        answered.astype(np.int64) if has_items.all() else np.where(has_items, answered, np.nan)
    )
    order = (
        ["finished", "answered", "started"]
        if policy.duplicates == "keep-most-complete"
        else ["finished", "started"]
    )
    kept = submissions["status"].eq("kept")
    ranked = submissions[kept].sort_values(order, kind="stable")
    duplicate = ranked.duplicated(["wave", "participant"], keep="last")
    exclude(submissions.index.isin(ranked.index[duplicate]), "duplicate")

    flags = pd.DataFrame(
        {
            "speeder": submissions["speeder"] & (policy.speeders == "flag"),
            "straight_lining": submissions["straightlining"] & (policy.straightlining == "flag"),
        }
    )
    kept = submissions["status"].eq("kept")
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
    text = pd.concat(texts, ignore_index=True).drop(columns="participant")
    text = text.merge(keep_rows, on=["file", "raw_row"], how="inner")
    text = text[text["raw"].str.strip().ne("")].rename(columns={"raw": "text"})[TEXT_COLUMNS]

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

    waves = pd.CategoricalDtype(survey.wave_ids, ordered=True)
    responses = _kept_responses(long, submissions, kept.to_numpy(), target_ids, waves)
    text["wave"] = text["wave"].astype(waves)
    log["wave"] = log["wave"].astype(waves)
    log["raw_row"] = log["raw_row"].astype("Int64")
    submissions["wave"] = submissions["wave"].astype(waves)
    return Cleaned(
        responses=_as_categories(responses.reset_index(drop=True)),
        submissions=submissions,
        log=log[LOG_COLUMNS],
        registry=registry,
        provenance=provenance,
        texts=text.reset_index(drop=True),
    )


def _kept_responses(
    long: pd.DataFrame,
    submissions: pd.DataFrame,
    kept: np.ndarray,
    target_ids: dict[tuple[str, str, str], int],
    waves: pd.CategoricalDtype,
) -> pd.DataFrame:
    """Item rows of kept submissions, sorted by participant, wave, instrument, frame, item.

    The sort order is built from the few kept submissions (participant, wave) and the few
    targets (instrument, frame, item), then applied to the long table with one ``take``:
    sorting millions of rows by their strings would cost more than all the cleaning.
    """
    position = long["submission"].to_numpy()
    rows = np.flatnonzero(kept[position])
    kept_at = np.flatnonzero(kept)
    wave = pd.Categorical(submissions["wave"], dtype=waves).codes
    participant, _ = pd.factorize(submissions["participant"].to_numpy()[kept_at], sort=True)
    rank = np.zeros(len(submissions), dtype=np.int64)
    rank[kept_at[np.lexsort((wave[kept_at], participant))]] = np.arange(len(kept_at))
    targets = list(target_ids)
    target_rank = np.empty(len(targets), dtype=np.int64)
    target_rank[sorted(range(len(targets)), key=targets.__getitem__)] = np.arange(len(targets))
    key = rank[position[rows]] * len(targets) + target_rank[long["target"].to_numpy()[rows]]
    # Each kept submission has each target at most once, so every row owns one slot of a
    # (submissions × targets) grid: placing rows in their slots sorts them in linear time.
    slots = np.full(len(kept_at) * len(targets), -1, dtype=np.int64)
    slots[key] = rows
    order = slots[slots >= 0]
    if len(order) != len(rows):  # two columns of one file mapped to one item: sort instead
        order = rows[np.argsort(key, kind="stable")]
    at = position[order]
    target = long["target"].to_numpy()[order]

    def of_target(part: int) -> pd.arrays.ArrowStringArray:
        return pd.array([t[part] for t in targets], dtype="str").take(target)

    return pd.DataFrame(
        {
            "participant": submissions["participant"].array.take(at),
            "wave": pd.Categorical.from_codes(wave[at], dtype=waves),
            "instrument": of_target(0),
            "item": of_target(2),
            "frame": of_target(1),
            "value": long["value"].to_numpy()[order],
        }
    )


def _as_categories(responses: pd.DataFrame) -> pd.DataFrame:
    """``participant``, ``instrument``, ``item`` and ``frame`` as categoricals (unordered,
    categories sorted as text): 16M-row tables at 100,000 participants stay small."""
    return responses.astype({c: "category" for c in ("participant", "instrument", "item", "frame")})


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
