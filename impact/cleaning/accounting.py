"""What became of every raw row, per file; and the decisions a person should check."""

from __future__ import annotations

import pandas as pd

from impact.cleaning.cleaned import Cleaned

# Rules that a person should look at.
REVIEW_RULES = ("key_typo_matched", "key_confusable", "key_not_in_registry")


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
