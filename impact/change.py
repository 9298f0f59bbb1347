"""Change from the baseline wave to each later wave, per outcome (paired, complete pairs).

Examples
--------
>>> import pandas as pd
>>> data = pd.DataFrame({
...     "participant": list("abcdef") * 2,
...     "wave": ["kickoff"] * 6 + ["final"] * 6,
...     "scale": "who5",
...     "score": [40, 52, 60, 44, 68, 56, 52, 56, 64, 52, 72, 56]})
>>> result = paired_change(data, baseline="kickoff")
>>> result[["scale", "wave", "n", "mean_diff", "t", "df"]].round(3)
  scale   wave  n  mean_diff      t  df
0  who5  final  6      5.333  3.162   5
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

CHANGE_COLUMNS = [
    "scale",
    "baseline",
    "wave",
    "n",
    "mean_pre",
    "sd_pre",
    "mean_post",
    "sd_post",
    "mean_diff",
    "sd_diff",
    "ci_low",
    "ci_high",
    "t",
    "df",
    "p_value",
    "d_z",
]


def paired_pairs(
    data: pd.DataFrame,
    *,
    baseline: str,
    wave: str,
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
) -> pd.DataFrame:
    """Participants with a valid ``dv`` at both waves: columns ``subject, pre, post``."""
    valid = data.dropna(subset=[dv])
    pre = valid[valid[within] == baseline].set_index(subject)[dv]
    post = valid[valid[within] == wave].set_index(subject)[dv]
    pairs = pd.concat({"pre": pre, "post": post}, axis=1, join="inner")
    return pairs.rename_axis(subject).reset_index()


def _paired_row(pre: np.ndarray, post: np.ndarray) -> dict[str, float]:
    diff = post - pre
    n = len(diff)
    row: dict[str, float] = {
        "n": n,
        "mean_pre": pre.mean() if n else np.nan,
        "sd_pre": pre.std(ddof=1) if n > 1 else np.nan,
        "mean_post": post.mean() if n else np.nan,
        "sd_post": post.std(ddof=1) if n > 1 else np.nan,
        "mean_diff": diff.mean() if n else np.nan,
    }
    if n < 2:
        return row | dict.fromkeys(
            ("sd_diff", "ci_low", "ci_high", "t", "df", "p_value", "d_z"), np.nan
        )
    sd_diff = diff.std(ddof=1)
    se = sd_diff / np.sqrt(n)
    df = n - 1
    margin = stats.t.ppf(0.975, df) * se
    t = row["mean_diff"] / se if se > 0 else np.nan
    p_value = 2 * stats.t.sf(abs(t), df) if se > 0 else np.nan
    return row | {
        "sd_diff": sd_diff,
        "ci_low": row["mean_diff"] - margin,
        "ci_high": row["mean_diff"] + margin,
        "t": t,
        "df": df,
        "p_value": p_value,
        "d_z": row["mean_diff"] / sd_diff if sd_diff > 0 else np.nan,
    }


def paired_change(
    data: pd.DataFrame,
    *,
    baseline: str = "kickoff",
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
) -> pd.DataFrame:
    """Paired change from ``baseline`` to every later wave, for each scale.

    Only participants with a score at both waves enter a comparison (complete pairs).

    Parameters
    ----------
    data : DataFrame
        Long scores, e.g. from :func:`impact.score.score`.
    baseline : str
        The baseline wave.
    dv, within, subject, scale : str
        Column names of the score, the wave, the participant and the scale.

    Returns
    -------
    DataFrame
        One row per scale × later wave:

        - ``scale``, ``baseline``, ``wave``
        - ``n``: complete pairs
        - ``mean_pre``, ``sd_pre``, ``mean_post``, ``sd_post``: of the complete pairs
        - ``mean_diff``, ``sd_diff``: of post − pre
        - ``ci_low``, ``ci_high``: 95% confidence interval of ``mean_diff`` (t distribution)
        - ``t``, ``df``, ``p_value``: paired t-test, two-sided
        - ``d_z``: standardised mean difference, ``mean_diff / sd_diff``
    """
    waves = data[within]
    ordered = (
        list(waves.cat.categories)
        if isinstance(waves.dtype, pd.CategoricalDtype)
        else list(pd.unique(waves))
    )
    if baseline not in ordered:
        raise ValueError(f"baseline wave {baseline!r} is not among the waves {ordered}")
    present = set(waves.dropna().unique())
    later = [w for w in ordered[ordered.index(baseline) + 1 :] if w in present]
    rows = []
    for scale_id, part in data.groupby(scale, sort=True, observed=True):
        for wave in later:
            pairs = paired_pairs(
                part, baseline=baseline, wave=wave, dv=dv, within=within, subject=subject
            )
            row = _paired_row(pairs["pre"].to_numpy(float), pairs["post"].to_numpy(float))
            rows.append({"scale": scale_id, "baseline": baseline, "wave": wave} | row)
    result = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    result["n"] = result["n"].astype(int)
    result["wave"] = pd.Categorical(result["wave"], categories=ordered, ordered=True)
    return result
