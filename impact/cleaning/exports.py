"""One export read and cleaned: its item matrix, submissions, free texts, columns and log.

The steps of :func:`clean_export`, in order: the mapped columns checked to be there,
unused columns dropped (identifying ones logged as such), keys normalised, the tool's
submission metadata read (:mod:`impact.tools`), free-text answers taken apart, the cells
parsed (:mod:`impact.cleaning.cells`), then the per-item rules
(:mod:`impact.cleaning.item_rules`) and the straight-lining flag of each row.

Examples
--------
>>> from impact.definitions import load_survey
>>> from impact.demo import DEMO_SURVEY
>>> survey, instruments = load_survey(DEMO_SURVEY)
>>> wave = survey.waves[0]
>>> export = read_and_clean(DEMO_SURVEY.parent, wave.id, wave.files[0], survey, instruments)
>>> export.provenance.format, len(export.submissions) == export.items.values.shape[0]
('sosci', True)
"""

from __future__ import annotations

import fnmatch
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from impact import tools
from impact.cleaning import item_rules
from impact.cleaning.cells import column_labels, parse_columns
from impact.cleaning.cleaned import RANGE_COLUMNS, TEXT_COLUMNS
from impact.cleaning.item_rules import ItemMatrix
from impact.cleaning.keys import check_no_total_row, normalise_key
from impact.cleaning.log import log_rows
from impact.cleaning.quality import straightliners
from impact.cleaning.registry import Registry, read_registry
from impact.definitions import ExportFile, Instrument, Survey, key_column
from impact.errors import InputError, suggestion
from impact.io import Provenance, RawExport, read_export


@dataclass(frozen=True)
class FileItems:
    """One export's item answers as a matrix: a row per raw row, a column per mapped item.

    ``values`` are the cleaned item values (missing as NaN); ``targets`` the
    ``(instrument, frame, item)`` of each column. Cleaning works on this matrix, one
    column at a time, so no cell is looked up or copied one by one; the kept rows of these
    matrices are scored and written as the long table from :class:`impact.items.KeptItems`.
    """

    values: np.ndarray
    targets: list[tuple[str, str, str]]


@dataclass(frozen=True)
class CleanedExport:
    """One export, cleaned (see :func:`clean_export`).

    Attributes
    ----------
    wave : str
        The wave the export belongs to.
    provenance : Provenance
        The file read.
    items : FileItems
        The item values, a row per raw row.
    answered : ndarray
        The number of items each row answered (NaN when the export maps no items).
    submissions : DataFrame
        A row per raw row: ``wave, file, raw_row, key, participant, started, duration,
        finished, progress, straightlining``.
    texts : DataFrame
        The answered free-text cells: ``raw_row, instrument, item, text, wave, file``.
    log : tuple of DataFrame
        The log rows of the export's decisions, in the order they were taken.
    columns : DataFrame
        A row per mapped item column with a response scale (``RANGE_COLUMNS``).
    key_column : str
        The export's column of participant keys.
    """

    wave: str
    provenance: Provenance
    items: FileItems
    answered: np.ndarray
    submissions: pd.DataFrame
    texts: pd.DataFrame
    log: tuple[pd.DataFrame, ...]
    columns: pd.DataFrame
    key_column: str

    @property
    def path(self) -> str:
        """The file's path as read."""
        return self.provenance.path


def read_and_clean_all(
    survey: Survey, instruments: dict[str, Instrument], base: Path
) -> tuple[Registry, list[CleanedExport]]:
    """The registry and every export of every wave, read and cleaned side by side.

    Arrow and numpy work outside the GIL; results are taken in file order, so output and
    the first error are as if serial (the registry's first). Workbooks go one at a time:
    reading one holds a Python object per cell (~0.6 GB at 100,000 rows), and two at once
    took the import past 2 GB.
    """
    exports = [(wave, file) for wave in survey.waves for file in wave.files]
    workbooks = any(Path(file.path).suffix.lower() == ".xlsx" for _, file in exports)
    workers = 1 if workbooks else min(len(exports), os.cpu_count() or 1) or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        registry_read = pool.submit(read_registry, survey, base)
        cleaned = [
            pool.submit(read_and_clean, base, wave.id, file, survey, instruments)
            for wave, file in exports
        ]
        try:
            registry = Registry(*registry_read.result())
        except BaseException:
            pool.shutdown(cancel_futures=True)  # its error comes first, as if read alone
            raise
        return registry, [future.result() for future in cleaned]


def combined_submissions(
    survey: Survey, exports: list[CleanedExport]
) -> tuple[pd.DataFrame, np.ndarray]:
    """The submissions of all exports as one table (``wave`` an ordered categorical), and
    the number of each row's file (an export named twice is one file, as in a groupby)."""
    submissions = pd.concat([export.submissions for export in exports], ignore_index=True)
    sizes = [len(export.submissions) for export in exports]
    first_of = {path: g for g, path in enumerate(dict.fromkeys(e.path for e in exports))}
    file_code = np.repeat([first_of[export.path] for export in exports], sizes)
    waves = pd.CategoricalDtype(survey.wave_ids, ordered=True)
    submissions["wave"] = pd.Categorical.from_codes(
        np.repeat([survey.wave_ids.index(e.wave) for e in exports], sizes), dtype=waves
    )
    return submissions, file_code


def kept_texts(
    exports: list[CleanedExport], submissions: pd.DataFrame, kept: pd.Series
) -> pd.DataFrame:
    """The free-text answers of kept submissions: ``TEXT_COLUMNS``."""
    keep_rows = submissions.loc[kept, ["file", "raw_row", "participant"]]
    texts = pd.concat([export.texts for export in exports], ignore_index=True)
    return texts.merge(keep_rows, on=["file", "raw_row"], how="inner")[TEXT_COLUMNS]


def read_and_clean(
    base: Path, wave: str, file: ExportFile, survey: Survey, instruments: dict[str, Instrument]
) -> CleanedExport:
    """One export of a wave read (relative to ``base``) and cleaned by the definitions."""
    raw = read_export(
        base / file.path,
        format=file.format,
        encoding=file.encoding,
        delimiter=file.delimiter,
        sheet=file.sheet,
    )
    return clean_export(raw, wave, file, survey, instruments)


def clean_export(
    raw: RawExport,
    wave: str,
    file: ExportFile,
    survey: Survey,
    instruments: dict[str, Instrument],
) -> CleanedExport:
    """Item values, answered items and the straight-lining flag of each row, free texts and
    submission metadata of one export, with its log."""
    path = raw.provenance.path
    _check_columns(raw, file, survey)
    table = raw.table
    specs = survey.mappings[file.mapping].columns
    key_name = key_column(survey, file)
    key = normalise_key(table[key_name])
    check_no_total_row(key, file=path, column=key_name)
    submissions = _submissions(raw, wave, key_name, key)
    logs = [_dropped_columns(raw, file, survey, wave), *_normalised_keys(raw, wave, key_name, key)]

    targets = {column: spec.target for column, spec in specs.items()}
    text_columns = [c for c, t in targets.items() if instruments[t.instrument].kind == "text"]
    columns = [c for c in specs if c not in text_columns]
    texts = _texts(table, text_columns, targets).assign(wave=wave, file=path)
    instrument_of = {c: targets[c].instrument for c in columns}
    labels, on_scale = column_labels(raw, file, survey, instruments)
    values, label_cells = parse_columns(table, columns, labels, instrument_of, path, on_scale)
    matrix = ItemMatrix(values, columns, table, key, wave, path)
    position = {column: j for j, column in enumerate(columns)}
    # Instruments in the order their first column appears, each with its columns in order.
    of_instrument: dict[str, list[int]] = {}
    for column in columns:
        of_instrument.setdefault(instrument_of[column], []).append(position[column])

    adapter = tools.adapter_for(raw.provenance.format)
    logs += item_rules.user_missing(matrix, raw.user_missing, position)
    logs += item_rules.missing_codes(
        matrix,
        of_instrument,
        instruments,
        survey_codes=survey.missing_codes,
        tool_codes=adapter.missing_codes if adapter else (),
    )
    # Straight-lining looks at the answer codes as exported (the same column clicked
    # everywhere), so before recodes and reverse keying.
    submissions["straightlining"] = straightliners(
        values,
        [instrument_of[c] for c in columns],
        instruments,
        survey.quality.straightlining_min_items,
    )
    logs += item_rules.recodes(matrix, specs, position, label_cells)
    ranges, scale_logs = item_rules.scale_rules(
        matrix, of_instrument, instruments, targets=targets, specs=specs, label_cells=label_cells
    )
    return CleanedExport(
        wave=wave,
        provenance=raw.provenance,
        items=FileItems(
            values=values,
            targets=[(t.instrument, t.frame, t.item) for t in (targets[c] for c in columns)],
        ),
        answered=(~np.isnan(values)).sum(axis=1) if columns else np.full(len(table), np.nan),
        submissions=submissions,
        texts=texts,
        log=(*logs, *scale_logs),
        columns=pd.DataFrame(ranges, columns=RANGE_COLUMNS),
        key_column=key_name,
    )


def _submissions(raw: RawExport, wave: str, key_name: str, key: pd.Series) -> pd.DataFrame:
    """A row per raw row: where it is, its key as exported and normalised, and the
    tool's submission metadata."""
    table = raw.table
    submissions = pd.DataFrame(
        {
            "wave": wave,
            "file": raw.provenance.path,
            "raw_row": table.index.to_numpy(),
            "key": table[key_name].to_numpy(),
            "participant": key.to_numpy(),
        }
    )
    meta = submission_metadata(raw)
    for column in tools.METADATA_COLUMNS:
        submissions[column] = meta[column].to_numpy()
    return submissions


def submission_metadata(raw: RawExport) -> pd.DataFrame:
    """Start, duration (s), finished and progress (%) of each row, as the tool records them
    (a plain table records none: every row counts as finished)."""
    adapter = tools.adapter_for(raw.provenance.format)
    if adapter is not None:
        return adapter.submission_metadata(raw.table, raw.provenance.path)
    meta = pd.DataFrame(index=raw.table.index)
    meta["started"] = pd.Series(pd.NaT, index=raw.table.index, dtype="datetime64[ns]")
    meta["duration"] = np.nan
    meta["finished"] = True
    meta["progress"] = np.nan
    return meta


def _normalised_keys(
    raw: RawExport, wave: str, key_name: str, key: pd.Series
) -> list[pd.DataFrame]:
    """Log rows of the keys normalisation changed."""
    table = raw.table
    renamed = key.ne(table[key_name]) & key.ne("")
    if not renamed.any():
        return []
    return [
        log_rows(
            wave=wave,
            file=raw.provenance.path,
            raw_row=table.index[renamed],
            participant=key[renamed].to_numpy(),
            column=key_name,
            old_value=table.loc[renamed, key_name].to_numpy(),
            new_value=key[renamed].to_numpy(),
            rule="key_normalised",
        )
    ]


def _matches(column: str, patterns: list[str] | tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(column, pattern) for pattern in patterns)


def _check_columns(raw: RawExport, file: ExportFile, survey: Survey) -> None:
    columns = list(raw.table.columns)
    for column in [key_column(survey, file), *survey.mappings[file.mapping].columns]:
        if column not in columns:
            raise InputError(
                f"the export has no column {column!r} named in mapping {file.mapping!r}",
                file=raw.provenance.path,
                column=column,
                hint=suggestion(column, columns) or "check the export or the mapping",
            )


def _dropped_columns(raw: RawExport, file: ExportFile, survey: Survey, wave: str) -> pd.DataFrame:
    """Log of the columns not used: identifying ones, ignored ones, the rest."""
    mapping = survey.mappings[file.mapping]
    used = {key_column(survey, file), *mapping.columns}
    adapter = tools.adapter_for(raw.provenance.format)
    tool_identifying = adapter.identifying if adapter else ()
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
    return log_rows(wave=wave, file=raw.provenance.path, column=columns, rule=rules)


def _texts(table: pd.DataFrame, columns: list[str], targets: dict) -> pd.DataFrame:
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
