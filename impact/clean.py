"""Cleaning by the definitions: raw exports → one tidy long table, and a log of every decision.

The steps, in order, for each export file of each wave:

1. map export columns to instrument items (``survey.yml`` ``mappings``);
2. parse values (decimal commas, response labels in German or English);
3. residual and missing codes → missing (logged);
4. values outside the response scale → missing (logged);
5. reverse-keyed items recoded (logged once per column);

then, over all files, submission-level decisions: keys normalised and matched to the
registry (one-character typos only when unambiguous, logged for review), incomplete
responses, duplicate submissions and straight-lining handled by the survey's quality
policy. Every raw row ends as kept or excluded-with-a-reason.

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

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from impact.definitions import ExportFile, Instrument, Survey, item_targets
from impact.errors import InputError
from impact.io import Provenance, RawExport, read_export

LOG_COLUMNS = ["wave", "file", "raw_row", "participant", "column", "old_value", "new_value", "rule"]
RESPONSE_COLUMNS = ["participant", "wave", "instrument", "item", "frame", "value"]
STRAIGHTLINE_MIN_ITEMS = 10


@dataclass
class Cleaned:
    """The result of cleaning a programme's exports.

    Attributes
    ----------
    responses : DataFrame
        One row per kept participant × wave × item: ``participant, wave, instrument, item,
        frame, value``. ``wave`` is an ordered categorical in the order of the waves;
        ``frame`` is ``now`` or ``then`` (retrospective rating); ``value`` is a float
        (missing as NaN), reverse-keyed items already recoded.
    submissions : DataFrame
        One row per raw row of every export: ``wave, file, raw_row, key, participant,
        started, duration, finished, status`` (``kept`` / ``excluded``), ``reason``,
        ``flags``.
    log : DataFrame
        One row per cleaning decision: ``wave, file, raw_row, participant, column,
        old_value, new_value, rule``.
    registry : DataFrame
        ``participant`` plus the registry attributes named in the survey definition;
        identifying columns are not in it.
    provenance : list of Provenance
        The raw files read, with their SHA-256.
    """

    responses: pd.DataFrame
    submissions: pd.DataFrame
    log: pd.DataFrame
    registry: pd.DataFrame
    provenance: list[Provenance] = field(default_factory=list)


def normalise_key(keys: pd.Series) -> pd.Series:
    """Self-generated codes and tokens compared without case or spaces.

    Examples
    --------
    >>> normalise_key(pd.Series([" ab12cd", "AB 12CD"])).tolist()
    ['AB12CD', 'AB12CD']
    """
    return keys.astype(str).str.replace(r"\s+", "", regex=True).str.upper()


def _one_edit_apart(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def read_registry(survey: Survey, base: Path) -> tuple[pd.DataFrame, list[dict], Provenance]:
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
    repeated = keys[keys.duplicated(keep=False)]
    if not repeated.empty:
        raise InputError(
            f"the key {repeated.iloc[0]!r} appears more than once (rows {repeated.index.tolist()})",
            file=raw.provenance.path,
            column=spec.key,
            row=int(repeated.index[0]),
        )
    registry = pd.DataFrame({"participant": keys})
    for attribute, column in spec.columns.items():
        registry[attribute] = table[column].str.strip().replace("", np.nan)
    dropped = [c for c in table.columns if c not in needed]
    log = [
        _log_row(
            None,
            raw.provenance.path,
            None,
            None,
            column,
            None,
            None,
            "identifying_column_dropped" if column in spec.identifying else "column_not_used",
        )
        for column in dropped
    ]
    return registry.reset_index(drop=True), log, raw.provenance


def _log_row(wave, file, raw_row, participant, column, old, new, rule) -> dict:
    return dict(
        zip(LOG_COLUMNS, [wave, file, raw_row, participant, column, old, new, rule], strict=True)
    )


def _check_columns(raw: RawExport, file: ExportFile, survey: Survey) -> None:
    columns = list(raw.table.columns)
    for column in [file.key_column, *survey.mappings[file.mapping]]:
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


def _parse_values(long: pd.DataFrame, instruments: dict[str, Instrument], path: str) -> pd.Series:
    text = long["raw"].str.strip()
    numbers = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    # Free text is never a number: its value stays missing (the text is read on request).
    free_text = long["instrument"].map({i: d.kind == "text" for i, d in instruments.items()})
    numbers[free_text.fillna(False).astype(bool)] = np.nan
    unparsed = numbers.isna() & text.ne("") & ~free_text.fillna(False).astype(bool)
    if unparsed.any():
        for instrument_id in long.loc[unparsed, "instrument"].unique():
            labels = _label_values(instruments[instrument_id])
            rows = unparsed & long["instrument"].eq(instrument_id)
            numbers[rows] = text[rows].str.casefold().map(labels)
        still = numbers.isna() & text.ne("")
        if still.any():
            first = long[still].iloc[0]
            raise InputError(
                f"{first['raw']!r} is neither a number nor a response label of "
                f"{first['instrument']!r} ({int(still.sum())} such cell(s) in this file)",
                file=path,
                column=first["column"],
                row=int(first["raw_row"]),
                hint="add the label to the instrument definition or fix the export",
            )
    return numbers.astype(float)


def _clean_file(
    raw: RawExport,
    wave: str,
    file: ExportFile,
    survey: Survey,
    instruments: dict[str, Instrument],
) -> tuple[pd.DataFrame, pd.DataFrame, list[pd.DataFrame]]:
    """Item values and submission metadata of one export, with its cell-level log."""
    path = raw.provenance.path
    _check_columns(raw, file, survey)
    table = raw.table
    targets = item_targets(survey, file.mapping)
    key = normalise_key(table[file.key_column])

    submissions = pd.DataFrame(
        {
            "wave": wave,
            "file": path,
            "raw_row": table.index.to_numpy(),
            "key": table[file.key_column].to_numpy(),
            "participant": key.to_numpy(),
        }
    )
    if file.format == "sosci":
        submissions["started"] = pd.to_datetime(table["STARTED"], errors="coerce").to_numpy()
        duration = table["TIME_SUM"] if "TIME_SUM" in table else pd.Series("", index=table.index)
        submissions["duration"] = pd.to_numeric(duration, errors="coerce").to_numpy()
        finished = table["FINISHED"] if "FINISHED" in table else pd.Series("1", index=table.index)
        submissions["finished"] = finished.str.strip().eq("1").to_numpy()
    else:
        submissions["started"] = pd.NaT
        submissions["duration"] = np.nan
        submissions["finished"] = True

    logs: list[pd.DataFrame] = []
    renamed = key.ne(table[file.key_column])
    if renamed.any():
        logs.append(
            pd.DataFrame(
                {
                    "wave": wave,
                    "file": path,
                    "raw_row": table.index[renamed],
                    "participant": key[renamed].to_numpy(),
                    "column": file.key_column,
                    "old_value": table.loc[renamed, file.key_column].to_numpy(),
                    "new_value": key[renamed].to_numpy(),
                    "rule": "key_normalised",
                }
            )
        )

    columns = list(targets)
    long = (
        table[columns]
        .rename_axis("raw_row")
        .reset_index()
        .melt(id_vars="raw_row", var_name="column", value_name="raw")
    )
    long["instrument"] = long["column"].map({c: t.instrument for c, t in targets.items()})
    long["item"] = long["column"].map({c: t.item for c, t in targets.items()})
    long["frame"] = long["column"].map({c: t.frame for c, t in targets.items()})
    long["participant"] = long["raw_row"].map(key)
    long["value"] = _parse_values(long, instruments, path)

    def record(mask: pd.Series, new_value: object, rule: str) -> None:
        if mask.any():
            hit = long[mask]
            logs.append(
                pd.DataFrame(
                    {
                        "wave": wave,
                        "file": path,
                        "raw_row": hit["raw_row"].to_numpy(),
                        "participant": hit["participant"].to_numpy(),
                        "column": hit["column"].to_numpy(),
                        "old_value": hit["raw"].to_numpy(),
                        "new_value": new_value,
                        "rule": rule,
                    }
                )
            )

    for instrument_id in long["instrument"].unique():
        instrument = instruments[instrument_id]
        rows = long["instrument"].eq(instrument_id)
        codes = set(survey.missing_codes) | set(instrument.missing_codes)
        is_code = rows & long["value"].isin(codes)
        record(is_code, None, "missing_code")
        long.loc[is_code, "value"] = np.nan
        if instrument.response is not None:
            low, high = instrument.response.min, instrument.response.max
            outside = rows & long["value"].notna() & ~long["value"].between(low, high)
            record(outside, None, "out_of_range")
            long.loc[outside, "value"] = np.nan
            reverse = rows & long["item"].isin(instrument.reverse_items)
            long.loc[reverse, "value"] = low + high - long.loc[reverse, "value"]
            for column in long.loc[reverse, "column"].unique():
                logs.append(
                    pd.DataFrame(
                        [_log_row(wave, path, None, None, column, None, None, "reverse_keyed")]
                    )
                )
    return long, submissions, logs


def _straightliners(long: pd.DataFrame, instruments: dict[str, Instrument]) -> pd.Index:
    """Raw rows with one identical answer across a grid that holds reverse-keyed items."""
    reverse = {(i.id, item) for i in instruments.values() for item in i.reverse_items}
    scale_ids = [i.id for i in instruments.values() if i.kind == "scale"]
    grid = long[long["instrument"].isin(scale_ids) & long["value"].notna()]
    is_reverse = pd.MultiIndex.from_frame(grid[["instrument", "item"]]).isin(list(reverse))
    answers = pd.to_numeric(grid["raw"].str.replace(",", "."), errors="coerce")
    per_row = (
        grid.assign(answer=answers, is_reverse=is_reverse)
        .groupby("raw_row")
        .agg(
            distinct=("answer", "nunique"),
            answered=("answer", "count"),
            reverse=("is_reverse", "any"),
        )
    )
    flagged = (
        per_row["distinct"].eq(1)
        & per_row["answered"].ge(STRAIGHTLINE_MIN_ITEMS)
        & per_row["reverse"]
    )
    return per_row.index[flagged]


def _match_typos(
    submissions: pd.DataFrame, registry_keys: set[str]
) -> tuple[pd.Series, list[dict]]:
    """Map keys one edit away from exactly one registry key onto it (logged for review)."""
    participant = submissions["participant"].copy()
    log = []
    unknown = sorted(set(participant) - registry_keys)
    for key in unknown:
        candidates = [k for k in registry_keys if _one_edit_apart(key, k)]
        rows = submissions.index[participant.eq(key)]
        if len(candidates) == 1:
            target = candidates[0]
            clash = (
                submissions["wave"].isin(submissions.loc[rows, "wave"]) & participant.eq(target)
            ).any()
            if not clash:
                participant[rows] = target
                for r in rows:
                    s = submissions.loc[r]
                    log.append(
                        _log_row(
                            s["wave"],
                            s["file"],
                            s["raw_row"],
                            target,
                            "key",
                            key,
                            target,
                            "key_typo_matched",
                        )
                    )
                continue
        for r in rows:
            s = submissions.loc[r]
            log.append(
                _log_row(
                    s["wave"], s["file"], s["raw_row"], key, "key", key, None, "key_not_in_registry"
                )
            )
    return participant, log


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
        Naming the file, column and row of input that cannot be read or mapped.
    """
    base = Path(base)
    registry, log_rows, registry_provenance = read_registry(survey, base)
    provenance = [registry_provenance]
    longs, all_submissions, logs = [], [], []
    for wave in survey.waves:
        for file in wave.files:
            raw = read_export(base / file.path, format=file.format, encoding=file.encoding)
            provenance.append(raw.provenance)
            long, submissions, file_logs = _clean_file(raw, wave.id, file, survey, instruments)
            flagged = _straightliners(long, instruments)
            submissions["straightlining"] = submissions["raw_row"].isin(flagged)
            long["wave"] = wave.id
            long["file"] = raw.provenance.path
            longs.append(long)
            all_submissions.append(submissions)
            logs.extend(file_logs)

    submissions = pd.concat(all_submissions, ignore_index=True)
    if survey.quality.typo_tolerant_keys:
        submissions["participant"], typo_log = _match_typos(
            submissions, set(registry["participant"])
        )
        log_rows.extend(typo_log)

    submissions["status"] = "kept"
    submissions["reason"] = None
    submissions["flags"] = ""
    policy = survey.quality

    def exclude(mask: pd.Series, reason: str) -> None:
        mask = mask & submissions["status"].eq("kept")
        submissions.loc[mask, "status"] = "excluded"
        submissions.loc[mask, "reason"] = reason

    if policy.incomplete == "exclude":
        exclude(~submissions["finished"], "incomplete")
    if policy.straightlining == "exclude":
        exclude(submissions["straightlining"], "straight_lining")
    else:
        submissions.loc[submissions["straightlining"], "flags"] = "straight_lining"
    kept = submissions["status"].eq("kept")
    answered = pd.concat(longs).groupby(["file", "raw_row"])["value"].count()
    submissions["answered"] = (
        pd.MultiIndex.from_frame(submissions[["file", "raw_row"]]).map(answered).to_numpy()
    )
    order = (
        ["finished", "answered", "started"]
        if policy.duplicates == "keep-most-complete"
        else [
            "finished",
            "started",
        ]
    )
    ranked = submissions[kept].sort_values(order, kind="stable")
    duplicate = ranked.duplicated(["wave", "participant"], keep="last")
    exclude(submissions.index.isin(ranked.index[duplicate]), "duplicate")

    for _, s in submissions[submissions["status"].eq("excluded")].iterrows():
        log_rows.append(
            _log_row(
                s["wave"],
                s["file"],
                s["raw_row"],
                s["participant"],
                None,
                None,
                None,
                f"excluded:{s['reason']}",
            )
        )
    for _, s in submissions[submissions["flags"].ne("") & kept].iterrows():
        log_rows.append(
            _log_row(
                s["wave"],
                s["file"],
                s["raw_row"],
                s["participant"],
                None,
                None,
                None,
                f"flagged:{s['flags']}",
            )
        )

    waves = pd.CategoricalDtype(survey.wave_ids, ordered=True)
    keep_rows = submissions.loc[
        submissions["status"].eq("kept"), ["file", "raw_row", "participant"]
    ]
    long = pd.concat(longs, ignore_index=True).drop(columns="participant")
    responses = long.merge(keep_rows, on=["file", "raw_row"], how="inner")[RESPONSE_COLUMNS]
    responses["wave"] = responses["wave"].astype(waves)
    responses = responses.sort_values(["participant", "wave", "instrument", "frame", "item"])

    log = pd.concat([pd.DataFrame(log_rows, columns=LOG_COLUMNS), *logs], ignore_index=True)
    log["wave"] = log["wave"].astype(waves)
    log["raw_row"] = log["raw_row"].astype("Int64")
    submissions["wave"] = submissions["wave"].astype(waves)
    return Cleaned(
        responses=responses.reset_index(drop=True),
        submissions=submissions,
        log=log[LOG_COLUMNS],
        registry=registry,
        provenance=provenance,
    )


def accounting(cleaned: Cleaned) -> pd.DataFrame:
    """Per wave and file: raw rows = kept + excluded, with the count for each reason.

    Returns
    -------
    DataFrame
        ``wave, file, raw_rows, kept, excluded`` and one column per exclusion reason.
    """
    s = cleaned.submissions
    table = (
        s.groupby(["wave", "file"], observed=True)
        .agg(raw_rows=("raw_row", "size"), kept=("status", lambda x: int((x == "kept").sum())))
        .reset_index()
    )
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
