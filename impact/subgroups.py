"""Change by subgroup (sector group, role, site), with small groups flagged for suppression.

A group with fewer than ``k`` complete pairs (the survey's ``privacy.min_group_size``,
default 5) is flagged ``suppressed``; by default its statistics are blanked so that no
table built from the result can show them. Subgroup results are descriptive: the groups are
small and many, so no correction across groups is applied and none should be tested.

Examples
--------
>>> import pandas as pd
>>> scores = pd.DataFrame({"participant": list("abcdefg") * 2,
...     "wave": ["kickoff"] * 7 + ["final"] * 7, "scale": "who5",
...     "score": [40, 52, 60, 44, 68, 56, 48, 52, 56, 64, 52, 72, 56, 60]})
>>> registry = pd.DataFrame({"participant": list("abcdefg"),
...                          "role": ["mentor"] * 5 + ["mentee"] * 2})
>>> table = subgroup_change(scores, registry, by="role")
>>> table[["group", "n", "suppressed", "mean_diff"]]
    group  n  suppressed  mean_diff
0  mentee  2        True        NaN
1  mentor  5       False        6.4
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact.change import PAIRED_COLUMNS, paired_change

SUBGROUP_COLUMNS = ["by", "group", "scale", "baseline", "wave", "suppressed", *PAIRED_COLUMNS]


def subgroup_change(
    data: pd.DataFrame,
    registry: pd.DataFrame,
    *,
    by: str,
    baseline: str = "kickoff",
    k: int = 5,
    suppress: bool = True,
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
) -> pd.DataFrame:
    """Paired change from ``baseline`` per group of a registry attribute.

    Parameters
    ----------
    data : DataFrame
        Long scores (:func:`impact.score.score`).
    registry : DataFrame
        ``participant`` (the ``subject`` key) and the attribute ``by``.
    by : str
        The registry column to group by, e.g. ``sector_group``, ``role`` or ``site``.
    baseline : str
        The baseline wave.
    k : int
        The privacy threshold: groups with fewer complete pairs are flagged.
    suppress : bool
        Blank every statistic but ``n`` of flagged groups (default).
    dv, within, subject, scale : str
        Column names.

    Returns
    -------
    DataFrame
        One row per group × scale × later wave:

        - ``by``: the attribute; ``group``: its value (missing values are left out)
        - ``scale``, ``baseline``, ``wave``
        - ``suppressed``: fewer than ``k`` complete pairs
        - the columns of :func:`impact.change.paired_change` from ``n`` on (no
          ``p_adjusted``: subgroup results are descriptive)
    """
    groups = registry.set_index("participant")[by]
    labelled = data.assign(_group=data[subject].map(groups)).dropna(subset=["_group"])
    parts = []
    for group, part in labelled.groupby("_group", sort=True, observed=True):
        change = paired_change(
            part.drop(columns="_group"),
            baseline=baseline,
            dv=dv,
            within=within,
            subject=subject,
            scale=scale,
            adjust=None,
        )
        parts.append(change.assign(by=by, group=group))
    if not parts:
        return pd.DataFrame(columns=SUBGROUP_COLUMNS)
    result = pd.concat(parts, ignore_index=True)
    result["suppressed"] = result["n"] < k
    if suppress:
        hidden = [c for c in PAIRED_COLUMNS if c not in ("n", "wilcoxon_exact")]
        result.loc[result["suppressed"], hidden] = np.nan
    return result[SUBGROUP_COLUMNS]
