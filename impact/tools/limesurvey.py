"""LimeSurvey (https://www.limesurvey.org): its response exports with question-code headings.

Examples
--------
>>> ADAPTER.signature
('id', 'submitdate', 'lastpage', 'startlanguage')
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from impact.cleaning.cells import number_column, text_column
from impact.cleaning.times import parse_times
from impact.tools import Adapter, Misexport

NAME = "limesurvey"


def submission_metadata(table: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """Started, time taken (``interviewtime``, else submit minus start), submitted, and the
    last page seen as a share of the pages a submitted response reached."""
    meta = pd.DataFrame(index=table.index)
    started = parse_times(text_column(table, "startdate"), file=path, column="startdate")
    ended = parse_times(text_column(table, "datestamp"), file=path, column="datestamp")
    meta["started"] = started
    seconds = (ended - started).dt.total_seconds()
    meta["duration"] = number_column(table, "interviewtime").fillna(seconds)
    meta["finished"] = text_column(table, "submitdate").ne("")
    # LimeSurvey records the last page seen; the pages of the survey are those a
    # submitted response reached.
    pages = number_column(table, "lastpage")
    meta["progress"] = 100 * pages / pages[meta["finished"]].max()
    return meta


ADAPTER = Adapter(
    title="LimeSurvey",
    signature=("id", "submitdate", "lastpage", "startlanguage"),
    submission_metadata=submission_metadata,
    identifying=("ipaddr", "refurl", "token", "email", "firstname", "lastname"),
    misexports=(
        Misexport(
            columns=("Response ID", "Date submitted", "Last page", "Start language"),
            message="this LimeSurvey export has full question texts as headings",
            hint="export the responses again with 'question code' headings",
        ),
    ),
)
