"""The per-item rules of one export, on its matrix of item values (a column per item).

In order: an SPSS file's user-missing values, missing codes (the survey's, the
instrument's, the tool's residual codes off the scale), the mapping's recodes, the column's
range beside its scale, values outside the scale, reverse keying. Each rule changes the
matrix in place and returns its log rows; every changed cell is logged, every column-wide
change once per column.

Examples
--------
>>> recode(pd.Series([1.0, 6.0]), {6: 5}).tolist()
[1.0, 5.0]
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from impact.cleaning.log import log_rows
from impact.definitions import ColumnSpec, Instrument, ItemTarget
from impact.errors import InputError


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


def check_recode(raw: np.ndarray, mapping: dict[float, float], *, file: str, column: str) -> None:
    """Refuse a recode the column's own values prove wrong: it maps a code onto a value the
    column also holds and the recode leaves as it is (``{1: 0, …, 6: 5}`` over an export
    that already stores 0..5 turns its 0s and 1s into 0 and its 5s into 4).

    Examples
    --------
    >>> check_recode(np.array([0.0, 1.0, 5.0]), {1: 0, 6: 5}, file="f.csv", column="WB01")
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


def check_not_shifted(
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


@dataclass
class ItemMatrix:
    """One export's item columns while they are cleaned.

    ``values`` (rows × ``columns``, Fortran order: cleaned column by column) is changed in
    place by the rules; ``table`` (the export's text), ``key`` (normalised keys), ``wave``
    and ``path`` say where each changed cell came from, for its log row.
    """

    values: np.ndarray
    columns: list[str]
    table: pd.DataFrame
    key: pd.Series
    wave: str
    path: str

    def cell_log(self, mask: np.ndarray, at: list[int], rule: str) -> list[pd.DataFrame]:
        """Log rows for the cells of ``mask`` (rows × ``at`` columns), column by column,
        with their values as exported."""
        hit_column, hit_row = np.nonzero(mask.T)
        if not hit_row.size:
            return []
        names = np.array(self.columns, dtype=object)[at][hit_column]
        old = np.empty(hit_row.size, dtype=object)
        for j in np.unique(hit_column):
            here = hit_column == j
            old[here] = self.table[self.columns[at[j]]].iloc[hit_row[here]].to_numpy()
        return [
            log_rows(
                wave=self.wave,
                file=self.path,
                raw_row=self.table.index.to_numpy()[hit_row],
                participant=self.key.iloc[hit_row].to_numpy(),
                column=names,
                old_value=old,
                rule=rule,
            )
        ]

    def column_log(self, column: str, old: object, new: object, rule: str) -> pd.DataFrame:
        """A log row for a change to a whole column."""
        return log_rows(
            wave=[self.wave], file=self.path, column=column, old_value=old, new_value=new, rule=rule
        )

    def where(self, at: list[int], test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """``test`` of each of the ``at`` columns, as a rows × columns mask (no copy of
        the values)."""
        mask = np.empty((len(self.values), len(at)), dtype=bool, order="F")
        for k, j in enumerate(at):
            mask[:, k] = test(self.values[:, j])
        return mask

    def set_missing(self, mask: np.ndarray, at: list[int], rule: str) -> list[pd.DataFrame]:
        """The cells of ``mask`` set missing; their log rows."""
        log = self.cell_log(mask, at, rule)
        for k, j in enumerate(at):
            if mask[:, k].any():
                self.values[mask[:, k], j] = np.nan
        return log


def user_missing(
    matrix: ItemMatrix, declared: dict[str, list[tuple[float, float]]], position: dict[str, int]
) -> list[pd.DataFrame]:
    """Values in the ranges an SPSS file declares missing → missing."""
    logs = []
    values = matrix.values
    for column, ranges in declared.items():
        if column not in position:
            continue
        j = position[column]
        missing = np.zeros(len(values), dtype=bool)
        for low, high in ranges:
            missing |= (values[:, j] >= low) & (values[:, j] <= high)
        logs += matrix.cell_log(missing[:, None], [j], "user_missing")
        values[missing, j] = np.nan
    return logs


def missing_codes(
    matrix: ItemMatrix,
    of_instrument: dict[str, list[int]],
    instruments: dict[str, Instrument],
    *,
    survey_codes: list[float],
    tool_codes: tuple[float, ...],
) -> list[pd.DataFrame]:
    """The survey's and the instrument's missing codes → missing, and the tool's residual
    codes where they are not on the instrument's response scale."""
    logs = []
    for instrument_id, at in of_instrument.items():
        instrument = instruments[instrument_id]
        codes = set(survey_codes) | set(instrument.missing_codes)
        if instrument.response is not None:
            low, high = instrument.response.min, instrument.response.max
            codes |= {c for c in tool_codes if not low <= c <= high}
        else:
            codes |= set(tool_codes)
        is_code = matrix.where(at, functools.partial(np.isin, test_elements=list(codes)))
        logs += matrix.set_missing(is_code, at, "missing_code")
    return logs


def recodes(
    matrix: ItemMatrix,
    specs: dict[str, ColumnSpec],
    position: dict[str, int],
    label_cells: dict[int, np.ndarray],
) -> list[pd.DataFrame]:
    """The mapping's recodes, except on cells read as the instrument's own labels (they
    are on its scale already); logged once per column."""
    logs = []
    values = matrix.values
    for column, spec in specs.items():
        if not spec.recode or column not in position:
            continue
        j = position[column]
        as_labels = label_cells.get(j, np.zeros(len(values), dtype=bool))
        check_recode(values[~as_labels, j], spec.recode, file=matrix.path, column=column)
        recoded = recode(pd.Series(values[:, j]), spec.recode).to_numpy()
        values[:, j] = np.where(as_labels, values[:, j], recoded)
        pairs = ", ".join(f"{k:g}→{v:g}" for k, v in spec.recode.items())
        logs.append(matrix.column_log(column, pairs, None, "recoded"))
        if as_labels.any():
            logs.append(matrix.column_log(column, int(as_labels.sum()), None, "labels_not_recoded"))
    return logs


def scale_rules(
    matrix: ItemMatrix,
    of_instrument: dict[str, list[int]],
    instruments: dict[str, Instrument],
    *,
    targets: dict[str, ItemTarget],
    specs: dict[str, ColumnSpec],
    label_cells: dict[int, np.ndarray],
) -> tuple[list[dict], list[pd.DataFrame]]:
    """Per instrument with a response scale: its columns checked not to be shifted, their
    range beside the scale (a row each), values outside the scale → missing, reverse-keyed
    items reversed."""
    ranges, logs = [], []
    for instrument_id, at in of_instrument.items():
        instrument = instruments[instrument_id]
        if instrument.response is None:
            continue
        low, high = instrument.response.min, instrument.response.max
        check_not_shifted(matrix.values, at, matrix.columns, instrument, file=matrix.path)
        for j in at:
            column = matrix.columns[j]
            ranges.append(
                _column_range(matrix, j, targets[column], instrument, specs[column], label_cells)
            )
        # NaN compares False either way: missing values are not outside.
        outside = matrix.where(at, lambda c, low=low, high=high: (c < low) | (c > high))
        logs += matrix.set_missing(outside, at, "out_of_range")
        for j in at:
            if targets[matrix.columns[j]].item in instrument.reverse_items:
                matrix.values[:, j] = reverse_key(matrix.values[:, j], low=low, high=high)
                logs.append(matrix.column_log(matrix.columns[j], None, None, "reverse_keyed"))
    return ranges, logs


def _column_range(
    matrix: ItemMatrix,
    j: int,
    target: ItemTarget,
    instrument: Instrument,
    spec: ColumnSpec,
    label_cells: dict[int, np.ndarray],
) -> dict:
    """One row of the columns table: the column's scale beside what it holds."""
    column = matrix.values[:, j]
    answered = int(np.count_nonzero(~np.isnan(column)))
    return {
        "wave": matrix.wave,
        "file": matrix.path,
        "column": matrix.columns[j],
        "item": f"{target.instrument}.{target.item}" + ("" if target.frame == "now" else "@then"),
        "scale_min": instrument.response.min,
        "scale_max": instrument.response.max,
        "observed_min": float(np.nanmin(column)) if answered else np.nan,
        "observed_max": float(np.nanmax(column)) if answered else np.nan,
        "answered": answered,
        "as_labels": int(label_cells[j].sum()) if j in label_cells else 0,
        "recoded": bool(spec.recode),
    }
