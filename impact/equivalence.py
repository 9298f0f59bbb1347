"""Equivalence of the paired change with zero: two one-sided tests (TOST) with ± the MIC.

A non-significant t-test does not show that nothing changed. TOST (Schuirmann, 1987;
Lakens, 2017) tests whether the mean change lies inside the bounds ``(−Δ, +Δ)``, here the
instrument's minimal important change: ``t_lower = (m + Δ) / se`` against H0 ``μ ≤ −Δ``
(upper tail) and ``t_upper = (m − Δ) / se`` against H0 ``μ ≥ +Δ`` (lower tail), both with
``df = n − 1`` and ``se = sd_diff / √n``. The change is equivalent to none at α = .05 when
both one-sided p-values are below .05 — when the 90% CI of the mean change lies inside the
bounds. The same as two calls of R's ``t.test(post, pre, paired = TRUE, mu = ∓Δ,
alternative = "greater" / "less")``, and ``TOSTER::t_TOST(paired = TRUE)``.

``p_no_decline`` is the one-sided test against a decline of at least Δ alone (a
non-inferiority test: the lower bound when higher scores are better), for a claim of
"no decline".

Examples
--------
>>> import pandas as pd
>>> change = pd.DataFrame({"scale": ["who5"], "wave": ["final"], "n": [40],
...     "mean_diff": [1.2], "sd_diff": [12.0], "p_value": [0.53]})
>>> result = equivalence(change, bounds={"who5": 10})
>>> result[["p_tost", "ci90_low", "ci90_high", "verdict"]].round(4)
   p_tost  ci90_low  ci90_high     verdict
0     0.0   -1.9968     4.3968  equivalent
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

EQUIVALENCE_COLUMNS = [
    "bound",
    "ci90_low",
    "ci90_high",
    "t_lower",
    "p_lower",
    "t_upper",
    "p_upper",
    "p_tost",
    "p_no_decline",
    "verdict",
]
VERDICTS = ("equivalent", "equivalent and different", "different", "inconclusive")


def tost(
    mean_diff: float,
    sd_diff: float,
    n: int,
    *,
    bound: float,
    p_value: float | None = None,
    higher_is_better: bool = True,
    alpha: float = 0.05,
) -> dict[str, float | str]:
    """TOST of a paired mean change against ``±bound`` from summary statistics.

    Returns a dict with the :data:`EQUIVALENCE_COLUMNS`. ``verdict`` (at ``alpha``):

    - ``equivalent``: inside the bounds, and not different from zero;
    - ``equivalent and different``: inside the bounds, but different from zero (a change
      too small to matter);
    - ``different``: not shown inside the bounds, and different from zero;
    - ``inconclusive``: neither.

    ``p_value`` is the two-sided t-test of the change (computed when not given). Undefined
    (NaN, verdict missing) with fewer than 2 pairs, no spread or no positive bound.

    Examples
    --------
    >>> row = tost(0.3, 0.9, 25, bound=0.5)
    >>> round(row["p_lower"], 5), round(row["p_upper"], 5), row["verdict"]
    (9e-05, 0.13876, 'inconclusive')
    """
    row: dict[str, float | str] = dict.fromkeys(EQUIVALENCE_COLUMNS, np.nan)
    row["bound"] = bound
    row["verdict"] = None
    if not (n >= 2 and np.isfinite(sd_diff) and sd_diff > 0 and bound is not None and bound > 0):
        return row
    df = n - 1
    se = sd_diff / np.sqrt(n)
    margin = stats.t.ppf(1 - alpha, df) * se
    t_lower = (mean_diff + bound) / se
    t_upper = (mean_diff - bound) / se
    p_lower = float(stats.t.sf(t_lower, df))
    p_upper = float(stats.t.cdf(t_upper, df))
    if p_value is None or not np.isfinite(p_value):
        p_value = float(2 * stats.t.sf(abs(mean_diff / se), df))
    equivalent = max(p_lower, p_upper) < alpha
    different = p_value < alpha
    verdict = VERDICTS[
        0 if equivalent and not different else 1 if equivalent else 2 if different else 3
    ]
    return row | {
        "ci90_low": mean_diff - margin,
        "ci90_high": mean_diff + margin,
        "t_lower": t_lower,
        "p_lower": p_lower,
        "t_upper": t_upper,
        "p_upper": p_upper,
        "p_tost": max(p_lower, p_upper),
        "p_no_decline": p_lower if higher_is_better else p_upper,
        "verdict": verdict,
    }


def equivalence(
    change: pd.DataFrame,
    *,
    bounds: dict[str, float],
    higher_is_better: dict[str, bool] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """TOST with ± the minimal important change for every row of a paired change table.

    Parameters
    ----------
    change : DataFrame
        :func:`impact.change.paired_change` (needs ``scale``, ``n``, ``mean_diff``,
        ``sd_diff``, ``p_value``).
    bounds : dict
        Scale → equivalence bound Δ (the MIC); rows of other scales are left out.
    higher_is_better : dict, optional
        Scale → direction, for ``p_no_decline`` (default: higher is better).
    alpha : float
        Level of each one-sided test; the CI is ``1 − 2α`` (90%).

    Returns
    -------
    DataFrame
        The identifying columns of ``change`` (``scale``, ``baseline``, ``wave``, ``n``,
        ``mean_diff`` where present) and ``bound``, ``ci90_low``, ``ci90_high``,
        ``t_lower``, ``p_lower``, ``t_upper``, ``p_upper``, ``p_tost`` (the larger one-sided
        p), ``p_no_decline`` and ``verdict`` (see :func:`tost`).
    """
    higher_is_better = higher_is_better or {}
    keep = [c for c in ("scale", "baseline", "wave", "n", "mean_diff") if c in change]
    rows = []
    for _, row in change.iterrows():
        bound = bounds.get(str(row["scale"]))
        if bound is None:
            continue
        result = tost(
            float(row["mean_diff"]),
            float(row["sd_diff"]),
            int(row["n"]),
            bound=bound,
            p_value=float(row["p_value"]),
            higher_is_better=higher_is_better.get(str(row["scale"]), True),
            alpha=alpha,
        )
        rows.append({c: row[c] for c in keep} | result)
    result = pd.DataFrame(rows, columns=[*keep, *EQUIVALENCE_COLUMNS])
    if "wave" in change and isinstance(change["wave"].dtype, pd.CategoricalDtype):
        result["wave"] = result["wave"].astype(change["wave"].dtype)
    return result
