"""Cells of an export's item columns as numbers: fast paths for plain numbers, then labels.

Examples
--------
>>> to_numbers(pd.Series(["2,5", "3", "", "sehr"])).tolist()
[2.5, 3.0, nan, nan]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from impact.errors import InputError

if TYPE_CHECKING:  # the survey-tool adapters read cells too, and the readers use them
    from impact.definitions import ExportFile, Instrument, Survey
    from impact.io import RawExport


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


def column_labels(
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


def text_column(table: pd.DataFrame, column: str) -> pd.Series:
    """A column's cells stripped; blank cells where the export has no such column.

    Examples
    --------
    >>> text_column(pd.DataFrame({"a": [" 1 "]}), "b").tolist()
    ['']
    """
    if column in table:
        return table[column].str.strip()
    return pd.Series("", index=table.index)


def number_column(table: pd.DataFrame, column: str) -> pd.Series:
    """A column's numbers (see :func:`to_numbers`); NaN where the export has no such column.

    Examples
    --------
    >>> number_column(pd.DataFrame({"TIME_SUM": [" 301", "12,5"]}), "TIME_SUM").tolist()
    [301.0, 12.5]
    """
    return to_numbers(text_column(table, column))


def to_numbers(text: pd.Series) -> pd.Series:
    """Numbers (decimal comma or point) from stripped text; NaN where there is none.

    A column of plain numbers takes one arrow cast (:func:`plain_numbers`); a column with
    any other text (labels) takes the slower road of ``pandas.to_numeric``.
    """
    plain = plain_numbers(text)
    if plain is not None:
        return pd.Series(plain, index=text.index, dtype=float)
    return pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")


def plain_numbers(text: pd.Series) -> np.ndarray | None:
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


def cast_as_exported(column: pd.Series) -> np.ndarray | None:
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


def parse_columns(
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
        as_exported = cast_as_exported(table[column])
        if as_exported is not None:
            values[:, position] = as_exported
            continue
        text = table[column].str.strip()
        plain = plain_numbers(text)
        if plain is not None:
            values[:, position] = plain
            continue
        numbers = to_numbers(text)
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
