"""Start and submit times, in the forms tools and people write them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from impact.errors import InputError

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
