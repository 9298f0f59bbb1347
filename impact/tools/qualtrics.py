"""Qualtrics (https://www.qualtrics.com): its CSV exports with three header rows.

Examples
--------
>>> ADAPTER.signature, ADAPTER.header_rows
(('StartDate', 'Progress', 'Finished', 'ResponseId'), 3)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from impact.cleaning.cells import number_column, text_column
from impact.cleaning.times import parse_times
from impact.errors import InputError
from impact.tools import Adapter

NAME = "qualtrics"


def submission_metadata(table: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """Started, ``Duration (in seconds)``, ``Finished`` (``1`` or ``True``) and ``Progress``."""
    meta = pd.DataFrame(index=table.index)
    meta["started"] = parse_times(text_column(table, "StartDate"), file=path, column="StartDate")
    meta["duration"] = number_column(table, "Duration (in seconds)")
    meta["finished"] = text_column(table, "Finished").str.casefold().isin(["1", "true"])
    meta["progress"] = number_column(table, "Progress")
    return meta


def read_header_rows(table: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """Drop Qualtrics' question-text and ImportId rows (header rows 2 and 3)."""
    import_ids = table.iloc[1] if len(table) > 1 else pd.Series(dtype=str)
    if not import_ids.str.startswith('{"ImportId"').mean() > 0.5:
        raise InputError(
            "a Qualtrics CSV has three header rows (names, question texts, ImportId JSON), "
            "but the third row is not the ImportId row",
            file=path,
            row=2,
            hint="export again as CSV with default options, or name 'format: csv'",
        )
    questions = {c: q for c, q in table.iloc[0].items() if q}
    return table.iloc[2:].reset_index(drop=True), questions


ADAPTER = Adapter(
    title="Qualtrics",
    signature=("StartDate", "Progress", "Finished", "ResponseId"),
    submission_metadata=submission_metadata,
    identifying=(
        "IPAddress",
        "RecipientLastName",
        "RecipientFirstName",
        "RecipientEmail",
        "ExternalReference",
        "LocationLatitude",
        "LocationLongitude",
    ),
    header_rows=3,
    read_header_rows=read_header_rows,
)
