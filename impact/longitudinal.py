"""All waves together: a linear mixed model per outcome, completers, and attrition.

The mixed model uses every available score, so a participant who missed a wave still
counts with the waves they answered (valid under missing-at-random). It is fitted per
outcome by :func:`fit_random_intercept` (vectorised closed-form REML; statsmodels'
``MixedLM`` in :func:`fit_mixed_model` fits the same model, far slower at scale): a random
intercept per participant, the wave as a categorical fixed effect with the baseline as
reference (treatment contrasts), REML — the model of
``lme4::lmer(score ~ wave + (1 | participant), REML = TRUE)``. Estimated means per
wave are the contrasts ``L·β`` with ``SE = √(L V Lᵀ)`` and Wald 95% CIs (normal quantile).

The completers-only analysis (participants who answered every wave) is the sensitivity
check shown beside it.

Examples
--------
>>> import pandas as pd
>>> data = pd.read_csv("tests/reference/long.csv")
>>> data["scale"] = "score"
>>> means = mixed_model_means(data, waves=["kickoff", "milestone-1", "milestone-2", "final"])
>>> means[["wave", "n_obs", "estimate"]].round(2)
          wave  n_obs  estimate
0      kickoff     50     48.36
1  milestone-1     44     50.23
2  milestone-2     39     51.90
3        final     37     58.72
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from impact.change import hedges_j, paired_change
from impact.errors import ArgumentError, check_choice

Z975 = stats.norm.ppf(0.975)
MIXED_COLUMNS = [
    "scale",
    "wave",
    "n_obs",
    "estimate",
    "se",
    "df",
    "ci_low",
    "ci_high",
    "diff",
    "diff_se",
    "diff_df",
    "diff_ci_low",
    "diff_ci_high",
    "diff_p",
    "df_method",
    "n_participants",
    "var_participant",
    "var_residual",
    "icc",
    "converged",
]


def _wave_order(data: pd.DataFrame, within: str, waves: list[str] | None) -> list[str]:
    if waves is not None:
        order = list(waves)
    elif isinstance(data[within].dtype, pd.CategoricalDtype):
        order = list(data[within].cat.categories)
    else:
        order = list(pd.unique(data[within]))
    present = set(data[within].dropna().astype(str).unique())
    return [w for w in order if w in present]


def fit_mixed_model(
    data: pd.DataFrame,
    *,
    waves: list[str],
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
):
    """Fit ``dv ~ wave + (1 | subject)`` by REML; returns the statsmodels result.

    ``waves`` gives the order of the wave levels; the first is the reference. The model
    is of one outcome: data of several scales (a column ``scale`` with more than one
    value) are refused, since a model of their pooled scores means nothing; fit each
    scale's rows, or use :func:`mixed_model_means`, which fits each scale. The summary
    names the variables as the data do (``C(wave)[T.final]``).

    Warnings of the optimiser are not hidden: those of the fit that is returned are
    issued again (a ``ConvergenceWarning`` also when it did not converge) and kept in
    the result's ``fit_warnings`` (a list of messages).

    Raises
    ------
    ArgumentError
        For a column that is not in ``data`` (naming the argument and the columns), a
        wave of ``waves`` that the data lack, or data of several scales.

    Examples
    --------
    >>> data = pd.read_csv("tests/reference/long.csv")
    >>> fit = fit_mixed_model(data, waves=["kickoff", "milestone-1", "milestone-2", "final"])
    >>> round(float(fit.fe_params.iloc[0]), 3), fit.fit_warnings
    (48.364, [])
    >>> fit.fe_params.index[1]
    'C(wave)[T.milestone-1]'
    >>> two = pd.concat([data.assign(scale="who5"), data.assign(scale="swls")])
    >>> fit_mixed_model(two, waves=["kickoff", "final"])
    Traceback (most recent call last):
    impact.errors.ArgumentError: `data` holds 2 scales ['swls', 'who5']; ...
    """
    # statsmodels' formula API (formulaic) takes a quarter of a second to import; only
    # this cross-check needs it, not the reports.
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    columns = list(data.columns)
    for argument, name in (("dv", dv), ("within", within), ("subject", subject)):
        check_choice(name, columns, argument=argument, what="a column of `data`")
    if scale in columns:
        scales = sorted(map(str, data[scale].dropna().unique()))
        if len(scales) > 1:
            raise ArgumentError(
                f"`data` holds {len(scales)} scales {scales}; a mixed model is of one outcome: "
                f"fit each (data[data[{scale!r}] == {scales[0]!r}]) or use mixed_model_means, "
                "which fits every scale"
            )
    frame = data[[subject, within, dv]].dropna().copy()
    present = set(frame[within].astype(str))
    missing = [w for w in waves if w not in present]
    if missing:
        raise ArgumentError(f"`waves` names {missing}, which `data` has no scores for")
    frame[within] = pd.Categorical(frame[within].astype(str), categories=waves)
    # Formula names are the data's own where they are plain identifiers.
    names = {dv: dv, within: within, subject: subject}
    if not all(str(n).isidentifier() for n in names):
        names = {dv: "y", within: "w", subject: "g"}
    frame = frame.rename(columns=names)
    model = smf.mixedlm(f"{names[dv]} ~ C({names[within]})", frame, groups=frame[names[subject]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(reml=True, method=["lbfgs"])
    if not fit.converged:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = model.fit(reml=True, method=["powell", "lbfgs"])
    messages = list(dict.fromkeys(str(w.message) for w in caught))
    for warning in {str(w.message): w for w in caught}.values():
        warnings.warn(warning.message, stacklevel=2)
    if not fit.converged and not any(issubclass(w.category, ConvergenceWarning) for w in caught):
        message = "the mixed model did not converge; its estimates are not to be trusted"
        messages.append(message)
        warnings.warn(message, ConvergenceWarning, stacklevel=2)
    fit.fit_warnings = messages
    return fit


def fixed_effects_vcov(fit) -> np.ndarray:
    """The GLS covariance of the fixed effects, ``(Xᵀ V⁻¹ X)⁻¹``, as ``vcov()`` in lme4.

    statsmodels' own ``cov_params()`` inverts the Hessian of the REML criterion in all
    parameters; with unbalanced data that differs from lme4's conditional covariance by up
    to about 0.1%. This computes lme4's: for the random-intercept model each participant's
    block of ``V`` is ``σ²I + σ²_u J``, whose inverse is closed-form.
    """
    model = fit.model
    sigma2 = float(fit.scale)
    tau2 = float(fit.cov_re.iloc[0, 0])
    x = model.exog
    groups = pd.Series(model.groups)
    # X'V^-1 X = (X'X - sum_g c_g (X_g'1)(1'X_g)) / sigma^2, c_g = tau2 / (sigma2 + n_g tau2)
    sums = pd.DataFrame(x).groupby(groups.to_numpy()).sum()
    n_g = groups.value_counts().reindex(sums.index).to_numpy()
    c = tau2 / (sigma2 + n_g * tau2)
    xtvx = (x.T @ x - (sums.to_numpy().T * c) @ sums.to_numpy()) / sigma2
    return np.linalg.inv(xtvx)


@dataclass(frozen=True)
class RandomInterceptFit:
    """A REML fit of ``y ~ wave + (1 | participant)`` (see :func:`fit_random_intercept`)."""

    beta: np.ndarray
    vcov: np.ndarray
    var_participant: float
    var_residual: float
    converged: bool
    # the REML deviance and vcov(β) as functions of (τ², σ²), for Satterthwaite's df
    deviance: Callable[[np.ndarray], float] | None = None
    vcov_at: Callable[[np.ndarray], np.ndarray] | None = None
    residual_df: float = np.nan

    @property
    def variances(self) -> np.ndarray:
        """``(τ², σ²)``: the point at which :attr:`deviance` is minimal."""
        return np.array([self.var_participant, self.var_residual])

    def satterthwaite(self, contrast: np.ndarray) -> float:
        """Satterthwaite's df of ``contrast · β`` (:func:`satterthwaite_df`)."""
        return satterthwaite_df(contrast, self.deviance, self.vcov_at, self.variances)


def _richardson(estimate: Callable[[float], np.ndarray], h: float) -> np.ndarray:
    # central differences are O(h²); (4·D(h/2) − D(h)) / 3 cancels that term
    return (4 * estimate(h / 2) - estimate(h)) / 3


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Central-difference gradient with one Richardson step (relative step 1e-3).

    Examples
    --------
    >>> numerical_gradient(lambda v: float(v[0] ** 2 * v[1]), np.array([2.0, 3.0])).round(8)
    array([12.,  4.])
    """
    x = np.asarray(x, dtype=float)
    steps = 1e-3 * np.maximum(np.abs(x), 1e-8)

    def at(scale: float) -> np.ndarray:
        out = np.empty(len(x))
        for i in range(len(x)):
            e = np.zeros(len(x))
            e[i] = steps[i] * scale
            out[i] = (f(x + e) - f(x - e)) / (2 * e[i])
        return out

    return _richardson(at, 1.0)


def numerical_hessian(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Central-difference Hessian with one Richardson step (relative step 1e-3).

    Examples
    --------
    >>> numerical_hessian(lambda v: float(v[0] ** 2 * v[1]), np.array([2.0, 3.0])).round(6)
    array([[6., 4.],
           [4., 0.]])
    """
    x = np.asarray(x, dtype=float)
    k = len(x)
    steps = 1e-3 * np.maximum(np.abs(x), 1e-8)

    def at(scale: float) -> np.ndarray:
        h = steps * scale
        out = np.empty((k, k))
        f0 = f(x)
        for i in range(k):
            ei = np.zeros(k)
            ei[i] = h[i]
            out[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h[i] ** 2
            for j in range(i):
                ej = np.zeros(k)
                ej[j] = h[j]
                value = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                    4 * h[i] * h[j]
                )
                out[i, j] = out[j, i] = value
        return out

    return _richardson(at, 1.0)


def satterthwaite_df(
    contrast: np.ndarray,
    deviance: Callable[[np.ndarray], float],
    vcov_at: Callable[[np.ndarray], np.ndarray],
    variances: np.ndarray,
) -> float:
    """Satterthwaite's degrees of freedom of ``contrast · β`` in a REML mixed model.

    ``ν = 2 (l C lᵀ)² / (gᵀ A g)``, where ``C = vcov(β)`` at the REML estimates ``θ̂`` of
    the variance parameters, ``g`` the gradient of ``l C(θ) lᵀ`` in ``θ`` and
    ``A = 2 H⁻¹`` their asymptotic covariance from the Hessian ``H`` of the REML deviance —
    the df of ``lmerTest`` (Kuznetsova, Brockhoff & Christensen, 2017). lmerTest takes the
    derivatives in its parameters (θ = τ/σ, σ); at the optimum the df does not depend on
    the parameterisation, so they are taken here in the variances themselves, numerically
    (central differences with a Richardson step, as numDeriv in lmerTest).

    Examples
    --------
    >>> data = pd.read_csv("tests/reference/long.csv")
    >>> fit = fit_random_intercept(data, waves=["kickoff", "milestone-1", "milestone-2", "final"])
    >>> round(fit.satterthwaite(np.array([0.0, 0, 0, 1])), 2)
    118.9
    """
    contrast = np.asarray(contrast, dtype=float)
    a = 2 * np.linalg.inv(numerical_hessian(deviance, variances))
    g = numerical_gradient(lambda v: float(contrast @ vcov_at(v) @ contrast), variances)
    variance = float(contrast @ vcov_at(variances) @ contrast)
    return float(2 * variance**2 / (g @ a @ g))


def satterthwaite_f_test(
    contrasts: np.ndarray,
    beta: np.ndarray,
    deviance: Callable[[np.ndarray], float],
    vcov_at: Callable[[np.ndarray], np.ndarray],
    variances: np.ndarray,
) -> dict[str, float]:
    """F-test of ``contrasts · β = 0`` (q rows) with Satterthwaite's denominator df.

    As ``lmerTest::contestMD``: with ``L C Lᵀ = P D Pᵀ``, ``F = Σ (Pᵀ L β)²_m / D_m / q``;
    each rotated contrast has its df ``ν_m`` (:func:`satterthwaite_df`), and the
    denominator df is ``2E / (E − q)`` with ``E = Σ ν_m / (ν_m − 2)`` (2 if some ``ν_m ≤ 2``;
    the common value if all are equal). The chi-square (Wald) version, ``q·F`` against
    χ²(q), is returned beside it.

    Returns
    -------
    dict
        ``f``, ``df1``, ``df2``, ``p_value`` and ``chisq``, ``p_chisq``.
    """
    contrasts = np.atleast_2d(np.asarray(contrasts, dtype=float))
    vcov = vcov_at(variances)
    eigenvalues, vectors = np.linalg.eigh(contrasts @ vcov @ contrasts.T)
    keep = eigenvalues > 1e-10 * max(eigenvalues.max(), 1e-300)
    eigenvalues, vectors = eigenvalues[keep], vectors[:, keep]
    rotated = vectors.T @ contrasts
    q = len(eigenvalues)
    f = float(((rotated @ beta) ** 2 / eigenvalues).sum() / q)
    nu = np.array([satterthwaite_df(row, deviance, vcov_at, variances) for row in rotated])
    if q == 1 or np.all(np.abs(np.diff(nu)) < 1e-8):
        df2 = float(nu.mean())
    elif np.any(nu <= 2):
        df2 = 2.0
    else:
        e = float((nu / (nu - 2)).sum())
        df2 = 2 * e / (e - q)
    return {
        "f": f,
        "df1": float(q),
        "df2": df2,
        "p_value": float(stats.f.sf(f, q, df2)),
        "chisq": q * f,
        "p_chisq": float(stats.chi2.sf(q * f, q)),
    }


def fit_random_intercept(
    data: pd.DataFrame,
    *,
    waves: list[str],
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
) -> RandomInterceptFit:
    """REML fit of ``dv ~ wave + (1 | subject)`` in closed form per participant, vectorised.

    The same model and criterion as :func:`fit_mixed_model` (lme4's ``lmer``), but
    statsmodels loops over participants in Python at every likelihood evaluation, which
    costs minutes at 100,000 participants. With one random intercept every participant's
    block of ``V = σ²(I + γJ)`` inverts in closed form, so the REML criterion profiled over
    ``β`` and ``σ²`` is a function of the variance ratio ``γ = τ²/σ²`` alone, computed
    from per-participant sums of the design (formed once):

    ``(N − p) log σ̂² + Σ log(1 + n_g γ) + log |A(γ)|``, with
    ``A(γ) = XᵀX − Σ c_g (X_gᵀ1)(1ᵀX_g)``, ``c_g = γ / (1 + n_g γ)``.

    It is minimised over ``γ ≥ 0`` (a log grid, then Brent's method); ``vcov`` is
    ``σ̂² A⁻¹ = (Xᵀ V⁻¹ X)⁻¹``, the covariance ``vcov()`` reports in lme4.

    Examples
    --------
    >>> data = pd.read_csv("tests/reference/long.csv")
    >>> fit = fit_random_intercept(data, waves=["kickoff", "milestone-1", "milestone-2", "final"])
    >>> round(float(fit.beta[0]), 3)
    48.364
    """
    frame = data[[subject, within, dv]].dropna()
    wave = pd.Categorical(frame[within].astype(str), categories=waves).codes
    frame, wave = frame[wave >= 0], wave[wave >= 0]
    y = frame[dv].to_numpy(dtype=float)
    group, _ = pd.factorize(frame[subject])
    n, p = len(y), len(waves)
    x = np.zeros((n, p))
    x[:, 0] = 1.0
    x[np.arange(n), wave] = 1.0  # treatment contrasts: the baseline (code 0) is the intercept
    return fit_random_intercept_design(y, x, group)


def fit_random_intercept_design(
    y: np.ndarray, x: np.ndarray, group: np.ndarray
) -> RandomInterceptFit:
    """REML fit of ``y = Xβ + u_group + e`` for any design ``x`` (see
    :func:`fit_random_intercept`, which builds the design of the waves); ``group`` holds
    integer codes ``0 … G−1``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> group = np.repeat(np.arange(20), 3)
    >>> y = 5 + rng.normal(0, 1, 20)[group] + rng.normal(0, 1, 60)
    >>> fit = fit_random_intercept_design(y, np.ones((60, 1)), group)
    >>> round(float(fit.beta[0]), 3), fit.deviance is not None
    (4.93, True)
    """
    n, p = x.shape
    counts = np.bincount(group).astype(float)
    sums = np.column_stack([np.bincount(group, x[:, j]) for j in range(p)])
    sum_y = np.bincount(group, y)
    xtx, xty, yty = x.T @ x, x.T @ y, y @ y

    def solve(gamma: float) -> tuple[float, np.ndarray, np.ndarray, float]:
        c = gamma / (1 + counts * gamma)
        a = xtx - (sums.T * c) @ sums
        beta = np.linalg.solve(a, xty - (sums.T * c) @ sum_y)
        # r'Wr with r = y - X beta, W = I - sum_g c_g 1 1' (per participant)
        residual_sums = sum_y - sums @ beta
        quadratic = yty - 2 * beta @ xty + beta @ xtx @ beta - c @ residual_sums**2
        return quadratic / (n - p), a, beta, c

    def criterion(gamma: float) -> float:
        sigma2, a, _, _ = solve(gamma)
        return (n - p) * np.log(sigma2) + np.log1p(counts * gamma).sum() + np.linalg.slogdet(a)[1]

    grid = np.concatenate([[0.0], np.logspace(-6, 6, 13)])
    values = [criterion(g) for g in grid]
    best = int(np.argmin(values))
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    result = optimize.minimize_scalar(
        criterion, bounds=(low, high), method="bounded", options={"xatol": 1e-14 * max(high, 1)}
    )
    gamma = float(result.x) if result.fun <= values[best] else float(grid[best])
    sigma2, a, beta, _ = solve(gamma)

    def deviance(variances: np.ndarray) -> float:
        # REML deviance (−2 log-likelihood, without the 2π constant) at (τ², σ²), β profiled
        tau2, s2 = variances
        g = tau2 / s2
        mean_square, a_g, _, _ = solve(g)
        quadratic_g = mean_square * (n - p)
        return float(
            (n - p) * np.log(s2)
            + np.log1p(counts * g).sum()
            + np.linalg.slogdet(a_g)[1]
            + quadratic_g / s2
        )

    def vcov_at(variances: np.ndarray) -> np.ndarray:
        tau2, s2 = variances
        return s2 * np.linalg.inv(solve(tau2 / s2)[1])

    return RandomInterceptFit(
        beta=beta,
        vcov=sigma2 * np.linalg.inv(a),
        var_participant=gamma * sigma2,
        var_residual=float(sigma2),
        converged=bool(result.success),
        deviance=deviance,
        vcov_at=vcov_at,
        residual_df=float(n - p),
    )


def mixed_model_means(
    data: pd.DataFrame,
    *,
    waves: list[str] | None = None,
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
    df_method: str = "satterthwaite",
) -> pd.DataFrame:
    """Estimated mean per wave of each outcome from a random-intercept mixed model.

    CIs and p-values use the t distribution with Satterthwaite's df (as lmerTest;
    :func:`satterthwaite_df`), which cohorts of 40–50 need; ``df_method="normal"`` gives
    the Wald z version (lme4's ``confint(method = "Wald")``).

    Parameters
    ----------
    data : DataFrame
        Long scores (:func:`impact.score.score`); missing scores are left out.
    waves : list of str, optional
        The waves in order, the baseline first (default: the categories of ``within``).
    dv, within, subject, scale : str
        Column names.
    df_method : {"satterthwaite", "normal"}
        The reference distribution of the CIs and tests.

    Returns
    -------
    DataFrame
        One row per scale × wave:

        - ``scale``, ``wave``; ``n_obs``: scores at this wave
        - ``estimate``, ``se``, ``df``, ``ci_low``, ``ci_high``: the model's mean, its
          Satterthwaite df (infinite for ``normal``) and 95% CI
        - ``diff``, ``diff_se``, ``diff_df``, ``diff_ci_low``, ``diff_ci_high``, ``diff_p``:
          difference from the baseline wave (a fixed effect), its SE, df, CI and p-value;
          missing for the baseline itself
        - ``df_method``: ``satterthwaite`` or ``normal``
        - ``n_participants``: participants with at least one score
        - ``var_participant``, ``var_residual``: REML variance components; ``icc``:
          ``var_participant / (var_participant + var_residual)``
        - ``converged``: whether the optimiser converged
    """
    check_choice(df_method, ["satterthwaite", "normal"], argument="df_method")
    rows = []
    valid = data.dropna(subset=[dv])
    for scale_id, part in valid.groupby(scale, sort=True, observed=True):
        order = _wave_order(part, within, waves)
        if len(order) < 2 or part[subject].nunique() < 3:
            continue
        fit = fit_random_intercept(part, waves=order, dv=dv, within=within, subject=subject)
        beta, vcov = fit.beta, fit.vcov
        k = len(beta)
        var_participant, var_residual = fit.var_participant, fit.var_residual
        counts = part[within].astype(str).value_counts()
        for index, wave in enumerate(order):
            contrast = np.zeros(k)
            contrast[0] = 1
            if index:
                contrast[index] = 1
            estimate = float(contrast @ beta)
            se = float(np.sqrt(contrast @ vcov @ contrast))
            df = _df(fit, contrast, df_method)
            row = {
                "scale": scale_id,
                "wave": wave,
                "n_obs": int(counts.get(wave, 0)),
                "estimate": estimate,
                "se": se,
                "df": df,
                "ci_low": estimate - stats.t.ppf(0.975, df) * se,
                "ci_high": estimate + stats.t.ppf(0.975, df) * se,
                "diff": np.nan,
                "diff_se": np.nan,
                "diff_df": np.nan,
                "diff_ci_low": np.nan,
                "diff_ci_high": np.nan,
                "diff_p": np.nan,
                "df_method": df_method,
            }
            if index:
                diff, diff_se = float(beta[index]), float(np.sqrt(vcov[index, index]))
                unit = np.zeros(k)
                unit[index] = 1
                diff_df = _df(fit, unit, df_method)
                quantile = stats.t.ppf(0.975, diff_df)
                row |= {
                    "diff": diff,
                    "diff_se": diff_se,
                    "diff_df": diff_df,
                    "diff_ci_low": diff - quantile * diff_se,
                    "diff_ci_high": diff + quantile * diff_se,
                    "diff_p": float(2 * stats.t.sf(abs(diff / diff_se), diff_df)),
                }
            rows.append(
                row
                | {
                    "n_participants": int(part[subject].nunique()),
                    "var_participant": var_participant,
                    "var_residual": var_residual,
                    "icc": var_participant / (var_participant + var_residual),
                    "converged": bool(fit.converged),
                }
            )
    result = pd.DataFrame(rows, columns=MIXED_COLUMNS)
    if isinstance(data[within].dtype, pd.CategoricalDtype):
        result["wave"] = result["wave"].astype(data[within].dtype)
    return result


def _df(fit: RandomInterceptFit, contrast: np.ndarray, method: str) -> float:
    if method == "normal":
        return np.inf  # scipy's t with df = inf is the normal distribution
    if not fit.var_participant > 0:
        # τ² = 0, a singular fit: the model is ordinary least squares, df = N − p
        return fit.residual_df
    return fit.satterthwaite(contrast)


WAVE_BY_GROUP_COLUMNS = [
    "scale",
    "by",
    "n_groups",
    "n_participants",
    "n_obs",
    "groups_left_out",
    "f",
    "df1",
    "df2",
    "p_value",
    "chisq",
    "p_chisq",
]


def wave_by_group(
    data: pd.DataFrame,
    attributes: pd.DataFrame,
    *,
    by: str,
    waves: list[str] | None = None,
    min_group_size: int = 5,
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
) -> pd.DataFrame:
    """Does the change over the waves differ between groups? The wave × group test.

    Fits ``score ~ wave * group + (1 | participant)`` by REML and tests the interaction
    (all ``(waves − 1)(groups − 1)`` coefficients at once) with an F-test on Satterthwaite's
    denominator df (:func:`satterthwaite_f_test`), as ``anova(lmerTest::lmer(...),
    type = 3)`` reports for ``wave:group``; the Wald chi-square version is beside it.
    Groups with fewer than ``min_group_size`` participants are left out before fitting
    (their number is reported, not their names); with fewer than two groups left there is
    no row.

    Parameters
    ----------
    data : DataFrame
        Long scores.
    attributes : DataFrame
        One row per participant with the ``subject`` and ``by`` columns (the registry).
    by : str
        The group attribute (a declared breakdown).
    waves : list of str, optional
        The waves in order, the reference first.
    min_group_size : int
        Fewest participants for a group to take part.
    dv, within, subject, scale : str
        Column names.

    Returns
    -------
    DataFrame
        One row per scale: ``scale``, ``by``, ``n_groups``, ``n_participants``, ``n_obs``,
        ``groups_left_out``, ``f``, ``df1``, ``df2``, ``p_value`` (Satterthwaite),
        ``chisq``, ``p_chisq`` (Wald).

    Examples
    --------
    >>> data = pd.read_csv("tests/reference/dyads.csv").assign(scale="score")
    >>> registry = data.drop_duplicates("participant")[["participant", "site"]]
    >>> result = wave_by_group(data, registry, by="site")
    >>> result[["n_groups", "f", "df1", "df2", "p_value"]].round(3)
       n_groups      f  df1      df2  p_value
    0         3  1.361  6.0  175.627    0.233
    """
    columns = sorted(map(str, attributes.columns))
    check_choice(by, columns, argument="by", what="a column of `attributes`")
    check_choice(subject, columns, argument="subject", what="a column of `attributes`")
    known = attributes.dropna(subset=[by])
    group_of = pd.Series(
        known[by].astype(str).to_numpy(), index=known[subject].astype(str).to_numpy()
    )
    rows = []
    for scale_id, part in data.dropna(subset=[dv]).groupby(scale, sort=True, observed=True):
        order = _wave_order(part, within, waves)
        part = part[part[within].astype(str).isin(order)]
        participants = part[subject].astype(str)
        groups = participants.map(group_of)
        part, participants, groups = (
            part[groups.notna()],
            participants[groups.notna()],
            groups[groups.notna()],
        )
        sizes = participants.groupby(groups.to_numpy()).nunique()
        kept = sorted(sizes[sizes >= min_group_size].index)
        if len(order) < 2 or len(kept) < 2:
            continue
        keep = groups.isin(kept).to_numpy()
        part, participants, groups = part[keep], participants[keep], groups[keep]
        wave_codes = pd.Categorical(part[within].astype(str), categories=order).codes
        group_codes = pd.Categorical(groups, categories=kept).codes
        w, g = len(order), len(kept)
        wave_dummies = np.eye(w)[wave_codes][:, 1:]
        group_dummies = np.eye(g)[group_codes][:, 1:]
        interaction = (wave_dummies[:, :, None] * group_dummies[:, None, :]).reshape(len(part), -1)
        x = np.column_stack([np.ones(len(part)), wave_dummies, group_dummies, interaction])
        fit = fit_random_intercept_design(
            part[dv].to_numpy(float), x, pd.factorize(participants)[0]
        )
        q = interaction.shape[1]
        contrasts = np.zeros((q, x.shape[1]))
        contrasts[:, x.shape[1] - q :] = np.eye(q)
        test = satterthwaite_f_test(contrasts, fit.beta, fit.deviance, fit.vcov_at, fit.variances)
        rows.append(
            {
                "scale": scale_id,
                "by": by,
                "n_groups": g,
                "n_participants": participants.nunique(),
                "n_obs": len(part),
                "groups_left_out": int((sizes < min_group_size).sum()),
            }
            | test
        )
    return pd.DataFrame(rows, columns=WAVE_BY_GROUP_COLUMNS)


def completers(
    data: pd.DataFrame,
    *,
    waves: list[str],
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
) -> pd.DataFrame:
    """The rows of participants with a valid score at every one of ``waves``, per scale.

    Examples
    --------
    >>> data = pd.DataFrame({"participant": ["a", "a", "b"], "wave": ["k", "f", "k"],
    ...                      "scale": "x", "score": [1.0, 2.0, 3.0]})
    >>> completers(data, waves=["k", "f"])["participant"].tolist()
    ['a', 'a']
    """
    valid = data.dropna(subset=[dv])
    valid = valid[valid[within].astype(str).isin(waves)]
    answered = valid.groupby([scale, subject], observed=True)[within].nunique()
    complete = answered[answered == len(waves)].index
    keys = pd.MultiIndex.from_frame(valid[[scale, subject]])
    return valid[keys.isin(complete)]


def completers_change(
    data: pd.DataFrame,
    *,
    waves: list[str],
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
    adjust: str | None = "holm",
) -> pd.DataFrame:
    """Paired change from the first of ``waves`` to each later one, completers only.

    The sensitivity check beside :func:`mixed_model_means`: the same participants at every
    wave. Returns the columns of :func:`impact.change.paired_change`.

    Examples
    --------
    >>> data = pd.read_csv("tests/reference/long.csv")
    >>> data["scale"] = "score"
    >>> waves = ["kickoff", "milestone-1", "milestone-2", "final"]
    >>> completers_change(data, waves=waves)["n"].tolist()
    [27, 27, 27]
    """
    subset = completers(data, waves=waves, dv=dv, within=within, subject=subject, scale=scale)
    subset = subset.assign(
        **{within: pd.Categorical(subset[within].astype(str), categories=waves, ordered=True)}
    )
    return paired_change(
        subset,
        baseline=waves[0],
        dv=dv,
        within=within,
        subject=subject,
        scale=scale,
        adjust=adjust,
    )


ATTRITION_COLUMNS = [
    "scale",
    "n_stayers",
    "mean_stayers",
    "sd_stayers",
    "n_leavers",
    "mean_leavers",
    "sd_leavers",
    "diff",
    "t",
    "df",
    "p_value",
    "g",
]


def attrition(
    data: pd.DataFrame,
    *,
    baseline: str,
    last: str,
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
) -> pd.DataFrame:
    """Baseline scores of those who stayed to ``last`` against those who left before it.

    A participant *stayed* when they have any row (of any scale) at ``last``. The groups
    are compared with Welch's t-test; ``g`` is Hedges' g with the pooled SD and the exact
    correction ``J(n₁ + n₂ − 2)``.

    Parameters
    ----------
    data : DataFrame
        Long scores with a row for every answered wave.
    baseline, last : str
        The baseline wave and the wave that defines staying.
    dv, within, subject, scale : str
        Column names.

    Returns
    -------
    DataFrame
        One row per scale:

        - ``scale``
        - ``n_stayers``, ``mean_stayers``, ``sd_stayers``: baseline scores of the stayers
        - ``n_leavers``, ``mean_leavers``, ``sd_leavers``: and of the leavers
        - ``diff``: ``mean_leavers − mean_stayers``
        - ``t``, ``df``, ``p_value``: Welch's t-test (Welch–Satterthwaite df)
        - ``g``: Hedges' g of the difference

    Examples
    --------
    >>> data = pd.DataFrame({"participant": list("abcdefab"),
    ...     "wave": ["k"] * 6 + ["f"] * 2, "scale": "x",
    ...     "score": [10.0, 12, 9, 14, 15, 13, 11, 12]})
    >>> attrition(data, baseline="k", last="f")[["n_stayers", "n_leavers", "diff"]]
       n_stayers  n_leavers  diff
    0          2          4  1.75
    """
    stayed = set(data.loc[data[within].astype(str) == last, subject])
    base = data[(data[within].astype(str) == baseline)].dropna(subset=[dv])
    rows = []
    for scale_id, part in base.groupby(scale, sort=True, observed=True):
        is_stayer = part[subject].isin(stayed)
        a = part.loc[is_stayer, dv].to_numpy(float)
        b = part.loc[~is_stayer, dv].to_numpy(float)
        row = dict.fromkeys(ATTRITION_COLUMNS, np.nan) | {
            "scale": scale_id,
            "n_stayers": len(a),
            "mean_stayers": a.mean() if len(a) else np.nan,
            "sd_stayers": a.std(ddof=1) if len(a) > 1 else np.nan,
            "n_leavers": len(b),
            "mean_leavers": b.mean() if len(b) else np.nan,
            "sd_leavers": b.std(ddof=1) if len(b) > 1 else np.nan,
        }
        if len(a) and len(b):
            row["diff"] = row["mean_leavers"] - row["mean_stayers"]
        if len(a) > 1 and len(b) > 1:
            welch = stats.ttest_ind(b, a, equal_var=False)
            va, vb = row["sd_stayers"] ** 2, row["sd_leavers"] ** 2
            df = (va / len(a) + vb / len(b)) ** 2 / (
                (va / len(a)) ** 2 / (len(a) - 1) + (vb / len(b)) ** 2 / (len(b) - 1)
            )
            pooled = np.sqrt(((len(a) - 1) * va + (len(b) - 1) * vb) / (len(a) + len(b) - 2))
            row |= {
                "t": float(welch.statistic),
                "df": float(df),
                "p_value": float(welch.pvalue),
                "g": row["diff"] / pooled * hedges_j(len(a) + len(b) - 2) if pooled > 0 else np.nan,
            }
        rows.append(row)
    result = pd.DataFrame(rows, columns=ATTRITION_COLUMNS)
    for column in ("n_stayers", "n_leavers"):
        result[column] = result[column].astype(int)
    return result
