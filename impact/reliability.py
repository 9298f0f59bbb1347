"""Internal consistency: Cronbach's alpha with confidence intervals and McDonald's omega total.

The statistics follow R's ``psych`` package (``psych::alpha`` and ``psych::omega`` with one
factor), so evaluators can reproduce them:

- **Missing items** are handled pairwise: the item covariance (and correlation) matrix is
  computed from all participants who answered both items of each pair; a participant with a
  missing item still contributes to every other pair. ``n`` counts every participant with at
  least one answered item, as psych does for the confidence intervals.
- **Alpha** is ``k/(k−1) · (1 − tr(C)/ΣC)`` on the covariance matrix ``C`` (raw alpha).
- **95% CI (Feldt)**: ``1 − (1−α)·F⁻¹(.975 / .025; n−1, (n−1)(k−1))``. The Duhachek
  asymptotic standard error ``ase`` is returned too (``α ± 1.96·ase``).
- **Omega total**: a one-factor minimum-residual (unweighted least squares) solution on the
  correlation matrix ``R``, ``ω_t = 1 − Σ(1−λ²)/ΣR``.

Examples
--------
>>> import pandas as pd
>>> items = pd.DataFrame({"i1": [1, 2, 3, 4, 5, 3], "i2": [2, 2, 3, 5, 4, 3],
...                       "i3": [1, 3, 3, 4, 5, 2]})
>>> result = cronbach_alpha(items)
>>> round(float(result["alpha"].iloc[0]), 3), int(result["n"].iloc[0])
(0.932, 6)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats

from impact.definitions import Instrument
from impact.score import scale_name

ALPHA_COLUMNS = [
    "n",
    "n_complete",
    "n_items",
    "alpha",
    "alpha_std",
    "average_r",
    "ci_low",
    "ci_high",
    "ase",
]
RELIABILITY_COLUMNS = [
    "scale",
    "instrument",
    "wave",
    *ALPHA_COLUMNS,
    "omega_total",
]


def _answered(items: pd.DataFrame) -> pd.DataFrame:
    return items.loc[items.notna().any(axis=1)].astype(float)


def cronbach_alpha(items: pd.DataFrame) -> pd.DataFrame:
    """Cronbach's alpha of one scale, with Feldt's 95% CI and Duhachek's standard error.

    Parameters
    ----------
    items : DataFrame
        Wide item responses: one row per participant, one column per item (reverse-keyed
        items already recoded). Missing answers are NaN; they are handled pairwise.

    Returns
    -------
    DataFrame
        One row:

        - ``n``: participants with at least one answered item; ``n_complete``: with all
        - ``n_items``: items
        - ``alpha``: raw Cronbach's alpha from the pairwise covariance matrix
        - ``alpha_std``: standardised alpha (from the correlation matrix)
        - ``average_r``: mean inter-item correlation
        - ``ci_low``, ``ci_high``: Feldt's 95% confidence interval
        - ``ase``: Duhachek's asymptotic standard error of alpha

    Examples
    --------
    >>> items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 3, 3, 4], "c": [2, 2, 4, 4]})
    >>> cronbach_alpha(items)[["n", "n_items", "alpha"]].round(3)
       n  n_items  alpha
    0  4        3  0.939
    """
    data = _answered(items)
    n, k = data.shape
    row = dict.fromkeys(ALPHA_COLUMNS, np.nan) | {
        "n": n,
        "n_complete": int(data.notna().all(axis=1).sum()),
        "n_items": k,
    }
    if n < 3 or k < 2:
        return pd.DataFrame([row], columns=ALPHA_COLUMNS)
    c = data.cov().to_numpy()  # pairwise complete, ddof = 1, as cov(x, use = "pairwise")
    total = c.sum()
    trace = np.trace(c)
    alpha = k / (k - 1) * (1 - trace / total)
    sd = np.sqrt(np.diag(c))
    with np.errstate(divide="ignore", invalid="ignore"):  # an item nobody varied on: NaN
        r = c / np.outer(sd, sd)
    sum_r = r.sum()
    c2 = c @ c
    q = (2 * k**2 / ((k - 1) ** 2 * total**3)) * (
        total * (np.trace(c2) + trace**2) - 2 * trace * c2.sum()
    )
    df1, df2 = n - 1, (n - 1) * (k - 1)
    row |= {
        "alpha": alpha,
        "alpha_std": k / (k - 1) * (1 - k / sum_r),
        "average_r": (sum_r - k) / (k * (k - 1)),
        "ci_low": 1 - (1 - alpha) * stats.f.ppf(0.975, df1, df2),
        "ci_high": 1 - (1 - alpha) * stats.f.ppf(0.025, df1, df2),
        "ase": float(np.sqrt(q / n)),
    }
    return pd.DataFrame([row], columns=ALPHA_COLUMNS)


def item_statistics(items: pd.DataFrame) -> pd.DataFrame:
    """Per item: valid answers, corrected item–total correlation and alpha if dropped.

    Parameters
    ----------
    items : DataFrame
        Wide item responses, as for :func:`cronbach_alpha`.

    Returns
    -------
    DataFrame
        One row per item:

        - ``item``
        - ``n``: valid answers
        - ``r_drop``: correlation of the item with the sum of the other items (from the
          pairwise covariance matrix, as ``psych::alpha``'s ``r.drop``)
        - ``alpha_if_dropped``: raw alpha of the other items

    Examples
    --------
    >>> items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 3, 3, 4], "c": [2, 2, 4, 4]})
    >>> item_statistics(items)["r_drop"].round(2).tolist()
    [0.99, 0.83, 0.81]
    """
    data = _answered(items)
    c = data.cov().to_numpy()
    k = c.shape[0]
    rows = []
    for i, item in enumerate(data.columns):
        rest = np.delete(np.arange(k), i)
        sub = c[np.ix_(rest, rest)]
        m = len(rest)
        cov_rest = c[i, rest].sum()
        rows.append(
            {
                "item": item,
                "n": int(data[item].notna().sum()),
                "r_drop": cov_rest / np.sqrt(c[i, i] * sub.sum()),
                "alpha_if_dropped": (
                    m / (m - 1) * (1 - np.trace(sub) / sub.sum()) if m > 1 else np.nan
                ),
            }
        )
    return pd.DataFrame(rows, columns=["item", "n", "r_drop", "alpha_if_dropped"])


def one_factor_loadings(correlations: np.ndarray) -> np.ndarray:
    """Minimum-residual loadings of one factor: minimise Σ_{i≠j} (r_ij − λ_i λ_j)².

    Examples
    --------
    >>> r = np.array([[1, .48, .40], [.48, 1, .30], [.40, .30, 1]])
    >>> one_factor_loadings(r).round(3).tolist()
    [0.8, 0.6, 0.5]
    """
    r = np.asarray(correlations, dtype=float)
    off = ~np.eye(len(r), dtype=bool)

    def loss(lam: np.ndarray) -> tuple[float, np.ndarray]:
        residual = np.where(off, r - np.outer(lam, lam), 0.0)
        return float((residual**2).sum()), -4 * residual @ lam

    values, vectors = np.linalg.eigh(r)
    start = vectors[:, -1] * np.sqrt(values[-1])
    start = start if start.sum() >= 0 else -start
    fit = optimize.minimize(
        loss, start, jac=True, method="BFGS", options={"gtol": 1e-12, "maxiter": 10_000}
    )
    lam = fit.x
    return lam if lam.sum() >= 0 else -lam


def omega_total(items: pd.DataFrame) -> float:
    """McDonald's omega total from a one-factor minimum-residual solution.

    ``ω_t = 1 − Σ(1−λ²)/ΣR`` with ``R`` the pairwise correlation matrix, as
    ``psych::omega(x, nfactors = 1)``.

    Examples
    --------
    >>> items = pd.DataFrame({"a": [1, 2, 3, 4, 2], "b": [1, 3, 3, 4, 2],
    ...                       "c": [2, 2, 4, 4, 1]})
    >>> round(omega_total(items), 3)
    0.93
    """
    data = _answered(items)
    if len(data) < 3 or data.shape[1] < 2:
        return np.nan
    r = data.corr().to_numpy()
    if not np.isfinite(r).all():
        return np.nan
    lam = one_factor_loadings(r)
    return float(1 - (1 - lam**2).sum() / r.sum())


def reliability(
    responses: pd.DataFrame,
    instruments: dict[str, Instrument],
    *,
    within: str = "wave",
    subject: str = "participant",
    item: str = "item",
    dv: str = "value",
) -> pd.DataFrame:
    """Alpha (with CI) and omega total for every scale instrument and wave.

    Parameters
    ----------
    responses : DataFrame
        Long item responses with ``participant, wave, instrument, item, frame, value``, as
        :func:`impact.clean.clean` returns them (reverse-keyed items recoded).
    instruments : dict
        Instrument id → Instrument; only ``kind: scale`` instruments have a reliability.
    within, subject, item, dv : str
        Column names of the wave, the participant, the item and the value.

    Returns
    -------
    DataFrame
        One row per scale × wave, the columns of :func:`cronbach_alpha` after:

        - ``scale``: instrument id, ``_then`` for retrospective ratings
        - ``instrument``, ``wave``

        and then ``omega_total``.

    Examples
    --------
    >>> from impact.demo import DEMO_SURVEY
    >>> from impact.pipeline import load_programme
    >>> programme = load_programme(DEMO_SURVEY)
    >>> table = reliability(programme.responses, programme.instruments)
    >>> table.query("scale == 'who5'")["wave"].astype(str).tolist()
    ['kickoff', 'milestone-1', 'milestone-2', 'final']
    """
    scale_ids = [i for i, inst in instruments.items() if inst.kind == "scale"]
    data = responses[responses["instrument"].isin(scale_ids)]
    rows = []
    groups = data.groupby(["instrument", "frame", within], observed=True, sort=True)
    for (instrument_id, frame, wave), part in groups:
        wide = part.pivot_table(
            index=subject, columns=item, values=dv, aggfunc="first", dropna=False
        )
        order = [i for i in instruments[str(instrument_id)].item_ids if i in wide.columns]
        wide = wide[order]
        row = cronbach_alpha(wide).iloc[0].to_dict()
        rows.append(
            {"scale": scale_name(str(instrument_id), str(frame)), "instrument": instrument_id}
            | {"wave": wave}
            | row
            | {"omega_total": omega_total(wide)}
        )
    result = pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)
    for column in ("n", "n_complete", "n_items"):
        result[column] = result[column].astype(int)
    if isinstance(responses[within].dtype, pd.CategoricalDtype):
        result[within] = result[within].astype(responses[within].dtype)
    return result.sort_values(["scale", within], ignore_index=True)
