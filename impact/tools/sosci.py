"""SoSci Survey (https://www.soscisurvey.de): its CSV and SPSS exports.

Examples
--------
>>> ADAPTER.signature
('CASE', 'QUESTNNR', 'STARTED')
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from impact.cleaning.cells import number_column, text_column
from impact.cleaning.times import parse_times
from impact.tools import Adapter

NAME = "sosci"


def submission_metadata(table: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """Started, time taken (``TIME_SUM``), finished and the share of pages reached
    (``LASTPAGE`` of ``MAXPAGE``); an export without ``FINISHED`` counts as finished."""
    meta = pd.DataFrame(index=table.index)
    meta["started"] = parse_times(text_column(table, "STARTED"), file=path, column="STARTED")
    meta["duration"] = number_column(table, "TIME_SUM")
    finished = text_column(table, "FINISHED")
    meta["finished"] = finished.eq("1") | ("FINISHED" not in table)
    meta["progress"] = 100 * number_column(table, "LASTPAGE") / number_column(table, "MAXPAGE")
    return meta


ADAPTER = Adapter(
    title="SoSci Survey",
    signature=("CASE", "QUESTNNR", "STARTED"),
    submission_metadata=submission_metadata,
    identifying=("SERIAL", "REF", "MAILSENT"),
    # -1 don't know, -2/-3 filtered or not shown, -8 error, -9 not answered.
    missing_codes=(-1, -2, -3, -8, -9),
)
