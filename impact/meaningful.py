"""Minimal important change: the share of participants who changed by at least the MIC.

An instrument's ``minimal_important_change`` (MIC) is the smallest change in its score that
matters to the people measured (anchor-based, from the instrument's literature). Per outcome
and later wave, this counts the participants whose change reached it in the better direction
(*improved*) and in the worse one (*deteriorated*), with Wilson score 95% CIs of the
shares — the interval of ``prop.test(x, n, correct = FALSE)`` in R. "At least" allows for
floating-point rounding: a change counts when it is within 1e-10 of the MIC.

Examples
--------
>>> import pandas as pd
>>> data = pd.DataFrame({"participant": list("abcd") * 2, "scale": "who5",
...     "wave": ["kickoff"] * 4 + ["final"] * 4,
...     "score": [40, 52, 60, 44, 52, 56, 48, 44]})
>>> shares = meaningful_change(data, mic={"who5": 10}, baseline="kickoff")
>>> shares[["scale", "wave", "n", "n_improved", "n_deteriorated", "n_unchanged"]]
  scale   wave  n  n_improved  n_deteriorated  n_unchanged
0  who5  final  4           1               1            2
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

MEANINGFUL_COLUMNS = [
    "scale",
    "baseline",
    "wave",
    "mic",
    "n",
    "n_improved",
    "share_improved",
    "improved_ci_low",
    "improved_ci_high",
    "n_deteriorated",
    "share_deteriorated",
    "deteriorated_ci_low",
    "deteriorated_ci_high",
    "n_unchanged",
]


def wilson_interval(count: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of the proportion ``count / n`` (statsmodels' ``wilson``).

    Examples
    --------
    >>> [round(x, 4) for x in wilson_interval(7, 20)]
    [0.1812, 0.5671]
    >>> wilson_interval(0, 0)
    (nan, nan)
    """
    if n == 0:
        return (np.nan, np.nan)
    low, high = proportion_confint(count, n, alpha=1 - level, method="wilson")
    return (float(low), float(high))


def meaningful_change(
    data: pd.DataFrame,
    *,
    mic: dict[str, float],
    higher_is_better: dict[str, bool] | None = None,
    baseline: str = "kickoff",
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
) -> pd.DataFrame:
    """Shares of participants who improved and deteriorated by at least the MIC.

    Parameters
    ----------
    data : DataFrame
        Long scores (:func:`impact.score.score`), one frame (no ``_then`` scales).
    mic : dict
        Scale → minimal important change, in score units; scales without one are left out.
    higher_is_better : dict, optional
        Scale → whether a higher score is better (default: every scale).
    baseline : str
        The baseline wave.
    dv, within, subject, scale : str
        Column names.

    Returns
    -------
    DataFrame
        One row per scale × later wave with complete pairs:

        - ``scale``, ``baseline``, ``wave``; ``mic``: the bound used
        - ``n``: participants with a score at both waves
        - ``n_improved``, ``share_improved``, ``improved_ci_low``, ``improved_ci_high``:
          changed by at least ``mic`` in the better direction; Wilson 95% CI
        - ``n_deteriorated``, ``share_deteriorated``, ``deteriorated_ci_low``,
          ``deteriorated_ci_high``: by at least ``mic`` in the worse direction
        - ``n_unchanged``: the others (``n − n_improved − n_deteriorated``)

        The counts are of participants: a report must apply the privacy threshold to them.
    """
    higher_is_better = higher_is_better or {}
    valid = data.dropna(subset=[dv])
    rows = []
    for scale_id, part in valid.groupby(scale, sort=True, observed=True):
        bound = mic.get(str(scale_id))
        if bound is None:
            continue
        sign = 1.0 if higher_is_better.get(str(scale_id), True) else -1.0
        wide = part.pivot(index=subject, columns=within, values=dv)
        if baseline not in wide.columns:
            continue
        later = [w for w in wide.columns if w != baseline and wide[w].notna().any()]
        if isinstance(part[within].dtype, pd.CategoricalDtype):
            order = list(part[within].cat.categories)
            later = sorted(later, key=order.index)
        for wave in later:
            pairs = wide[[baseline, wave]].dropna()
            change = sign * (pairs[wave] - pairs[baseline]).to_numpy(float)
            n = len(change)
            improved = int((change - bound >= -1e-10).sum())
            deteriorated = int((-change - bound >= -1e-10).sum())
            row = {"scale": scale_id, "baseline": baseline, "wave": wave, "mic": bound, "n": n}
            for name, count in (("improved", improved), ("deteriorated", deteriorated)):
                low, high = wilson_interval(count, n)
                row |= {
                    f"n_{name}": count,
                    f"share_{name}": count / n if n else np.nan,
                    f"{name}_ci_low": low,
                    f"{name}_ci_high": high,
                }
            rows.append(row | {"n_unchanged": n - improved - deteriorated})
    result = pd.DataFrame(rows, columns=MEANINGFUL_COLUMNS)
    for column in ("n", "n_improved", "n_deteriorated", "n_unchanged"):
        result[column] = result[column].astype(int)
    if isinstance(data[within].dtype, pd.CategoricalDtype):
        result["wave"] = result["wave"].astype(data[within].dtype)
    return result
