"""The cleaning log: one row per decision, and how its rows are written.

Examples
--------
>>> log = log_rows(file="k.csv", column=["EMAIL"], rule="identifying_column_dropped")
>>> log[["file", "column", "rule"]]
    file column                        rule
0  k.csv  EMAIL  identifying_column_dropped
>>> list(log.columns) == LOG_COLUMNS
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LOG_COLUMNS = ["wave", "file", "raw_row", "participant", "column", "old_value", "new_value", "rule"]


def log_rows(frame: pd.DataFrame | None = None, **columns: object) -> pd.DataFrame:
    """Log rows from columns (arrays or scalars); missing log columns are None."""
    index = None if frame is None else frame.index
    if index is None and all(np.ndim(v) == 0 for v in columns.values()):
        return pd.DataFrame(columns=LOG_COLUMNS)
    log = pd.DataFrame({c: columns.get(c) for c in LOG_COLUMNS}, index=index)
    return log.reset_index(drop=True)


def submission_log(rows: pd.DataFrame, rule: object) -> pd.DataFrame:
    """Log rows for whole submissions (``rows`` of the submissions table): one rule for
    all, or a rule per row."""
    return log_rows(
        wave=rows["wave"].to_numpy(),
        file=rows["file"].to_numpy(),
        raw_row=rows["raw_row"].to_numpy(),
        participant=rows["participant"].to_numpy(),
        rule=rule.to_numpy() if isinstance(rule, pd.Series) else rule,
    )
