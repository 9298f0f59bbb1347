"""Tandems as dyads: whether partners' changes go together, and what that does to the tests.

Mentor and mentee of a tandem work together for a year, so their changes need not be
independent, which every paired test assumes. Dyadic data analysis (Kenny, Kashy & Cook,
*Dyadic Data Analysis*, 2006) checks this first. Three analyses, each taking the pairing
attribute of the registry (``dyad``, e.g. the tandem) and, for distinguishable members, the
attribute that tells them apart (``member``, e.g. the role) as arguments:

- :func:`change_interdependence`: the within-dyad correlation of change (final − kick-off)
  with its test of non-independence. For *distinguishable* dyads (one member of each kind,
  e.g. a mentor and a mentee) this is the Pearson correlation of the two members' changes
  (t-test on n − 2 df, Fisher-z CI: R's ``cor.test``); for *indistinguishable* dyads the
  intraclass correlation ICC(1) from the one-way ANOVA over dyads,
  ``(MSB − MSW) / (MSB + (k − 1) MSW)``, with the two-sided F-test of KKC (2006, ch. 2).
  For distinguishable dyads both are given: the ICC then mixes the members' different
  mean changes into the within-dyad variance.
- :func:`tandem_mixed_model`: the change model with a dyad level, participants nested in
  dyads (``lmer(score ~ wave + (1 | dyad/participant))``), beside the participant-only
  model on the same rows, as a sensitivity analysis; Satterthwaite df.
- :func:`apim`: the actor–partner interdependence model for distinguishable dyads from a
  first to a last wave: each member's last score on their own first score (actor effect)
  and their partner's (partner effect), with an intercept, actor and partner effect for
  each kind of member and residuals correlated within the dyad — R's
  ``nlme::gls(last ~ 0 + member + member:actor + member:partner, correlation =
  corCompSymm(form = ~ 1 | dyad), weights = varIdent(form = ~ 1 | member))`` (Kenny's
  two-intercept model).

Examples
--------
>>> import pandas as pd
>>> data = pd.read_csv("tests/reference/dyads.csv").assign(scale="score")
>>> registry = data.drop_duplicates("participant")[["participant", "tandem", "role"]]
>>> result = change_interdependence(data, registry, dyad="tandem", member="role",
...                                 waves=["final"])
>>> result[["method", "n_dyads", "r", "p_value"]].round(4)
       method  n_dyads       r  p_value
0     pearson       29  0.4462   0.0153
1  intraclass       29  0.1053   0.5746
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from impact.errors import InputError
from impact.longitudinal import (
    Z975,
    fit_random_intercept_design,
    satterthwaite_df,
)

INTERDEPENDENCE_COLUMNS = [
    "scale",
    "baseline",
    "wave",
    "n_dyads",
    "distinguishable",
    "method",
    "members",
    "r",
    "ci_low",
    "ci_high",
    "statistic",
    "df1",
    "df2",
    "p_value",
]
TANDEM_MODEL_COLUMNS = [
    "scale",
    "wave",
    "model",
    "n_obs",
    "n_participants",
    "n_dyads",
    "diff",
    "diff_se",
    "diff_df",
    "diff_ci_low",
    "diff_ci_high",
    "diff_p",
    "var_dyad",
    "var_participant",
    "var_residual",
]
APIM_COLUMNS = [
    "scale",
    "start",
    "end",
    "n_dyads",
    "member",
    "effect",
    "estimate",
    "se",
    "df",
    "t",
    "p_value",
    "ci_low",
    "ci_high",
    "residual_sd",
    "residual_correlation",
]


def _pairing(registry: pd.DataFrame, dyad: str, member: str | None, subject: str) -> pd.DataFrame:
    missing = [c for c in (subject, dyad, member) if c is not None and c not in registry]
    if missing:
        raise InputError(
            f"the registry has no column {missing[0]!r} for the pairing",
            column=missing[0],
            hint=f"the registry's columns are {sorted(map(str, registry.columns))}",
        )
    columns = [subject, dyad] + ([member] if member else [])
    table = registry[columns].dropna(subset=[dyad]).astype(str)
    return table.rename(
        columns={subject: "participant", dyad: "dyad", **({member: "member"} if member else {})}
    )


def _ordered_waves(data: pd.DataFrame, within: str) -> list[str]:
    waves = data[within]
    if isinstance(waves.dtype, pd.CategoricalDtype):
        return [str(w) for w in waves.cat.categories]
    return [str(w) for w in pd.unique(waves)]


def _changes(
    part: pd.DataFrame,
    pairing: pd.DataFrame,
    first: str,
    last: str,
    dv: str,
    within: str,
    subject: str,
) -> pd.DataFrame:
    wide = part.assign(**{within: part[within].astype(str)}).pivot(
        index=subject, columns=within, values=dv
    )
    if first not in wide or last not in wide:
        return pd.DataFrame(columns=["participant", "first", "last", "change", "dyad", "member"])
    table = wide[[first, last]].dropna().rename(columns={first: "first", last: "last"})
    table["change"] = table["last"] - table["first"]
    table = table.rename_axis("participant").reset_index()
    table["participant"] = table["participant"].astype(str)
    return table.merge(pairing, on="participant", how="inner")


def _complete_dyads(table: pd.DataFrame) -> pd.DataFrame:
    sizes = table.groupby("dyad")["participant"].transform("size")
    return table[sizes == 2]


def _distinguishable(table: pd.DataFrame) -> list[str] | None:
    """The two kinds of member, when every dyad has one of each."""
    if "member" not in table or table["member"].nunique() != 2:
        return None
    kinds = sorted(table["member"].unique())
    per_dyad = table.groupby("dyad")["member"].agg(lambda m: tuple(sorted(m)))
    return kinds if (per_dyad == tuple(kinds)).all() else None


def intraclass_correlation(values: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """ICC(1) of ``values`` within ``groups`` from the one-way ANOVA, with its F-test and CI.

    ``ICC = (MSB − MSW) / (MSB + (k₀ − 1) MSW)``, ``k₀`` the (adjusted) group size (2 for
    dyads); ``F = MSB / MSW`` on ``(G − 1, N − G)`` df, p two-sided as Kenny, Kashy & Cook
    (2006) test the dyadic ICC, which can be negative; the 95% CI from the F limits
    ``F / F₀.₉₇₅(df1, df2)`` and ``F · F₀.₉₇₅(df2, df1)`` (Shrout & Fleiss, 1979; as
    ``psych::ICC``'s ICC1).

    Examples
    --------
    >>> values = np.array([1.0, 1.5, 3.0, 2.5, -1.0, 0.0, 2.0, 2.5])
    >>> groups = np.repeat([0, 1, 2, 3], 2)
    >>> row = intraclass_correlation(values, groups)
    >>> round(row["r"], 4), round(row["p_value"], 4)
    (0.899, 0.0161)
    """
    values = np.asarray(values, dtype=float)
    codes, _ = pd.factorize(np.asarray(groups))
    n_groups, n = codes.max() + 1, len(values)
    sizes = np.bincount(codes).astype(float)
    means = np.bincount(codes, values) / sizes
    grand = values.mean()
    df1, df2 = n_groups - 1, n - n_groups
    msb = (sizes * (means - grand) ** 2).sum() / df1
    msw = ((values - means[codes]) ** 2).sum() / df2
    k0 = (n - (sizes**2).sum() / n) / df1
    f = msb / msw
    p = 2 * min(stats.f.sf(f, df1, df2), stats.f.cdf(f, df1, df2))
    f_low = f / stats.f.ppf(0.975, df1, df2)
    f_high = f * stats.f.ppf(0.975, df2, df1)
    return {
        "r": float((msb - msw) / (msb + (k0 - 1) * msw)),
        "ci_low": float((f_low - 1) / (f_low + k0 - 1)),
        "ci_high": float((f_high - 1) / (f_high + k0 - 1)),
        "statistic": float(f),
        "df1": float(df1),
        "df2": float(df2),
        "p_value": float(min(p, 1.0)),
    }


def pearson_correlation(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Pearson r with its t-test (n − 2 df) and Fisher-z 95% CI, as R's ``cor.test``.

    Examples
    --------
    >>> row = pearson_correlation(np.array([1.0, 2, 3, 4, 6]), np.array([2.0, 1, 4, 3, 5]))
    >>> round(row["r"], 4), round(row["p_value"], 4)
    (0.822, 0.0877)
    """
    n = len(x)
    r = float(np.corrcoef(x, y)[0, 1])
    df = n - 2
    t = r * np.sqrt(df) / np.sqrt(1 - r**2)
    half = Z975 / np.sqrt(n - 3) if n > 3 else np.nan
    return {
        "r": r,
        "ci_low": float(np.tanh(np.arctanh(r) - half)),
        "ci_high": float(np.tanh(np.arctanh(r) + half)),
        "statistic": float(t),
        "df1": float(df),
        "df2": np.nan,
        "p_value": float(2 * stats.t.sf(abs(t), df)),
    }


def change_interdependence(
    data: pd.DataFrame,
    registry: pd.DataFrame,
    *,
    dyad: str,
    member: str | None = None,
    baseline: str = "kickoff",
    waves: list[str] | None = None,
    min_dyads: int = 10,
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
) -> pd.DataFrame:
    """Within-dyad correlation of change from ``baseline`` to each later wave, per scale.

    Parameters
    ----------
    data : DataFrame
        Long scores (:func:`impact.score.score`), one frame.
    registry : DataFrame
        One row per participant with the ``subject``, ``dyad`` and ``member`` columns.
    dyad : str
        The registry attribute that pairs participants (e.g. the tandem).
    member : str, optional
        The attribute that distinguishes the members of a dyad (e.g. the role); without it
        the dyads are indistinguishable.
    baseline : str
        The first wave of the change.
    waves : list of str, optional
        The later waves (default: every wave after ``baseline`` in ``data``).
    min_dyads : int
        Fewest complete dyads (both members with a change) for a row.
    dv, within, subject, scale : str
        Column names.

    Returns
    -------
    DataFrame
        One row per scale × wave × method:

        - ``scale``, ``baseline``, ``wave``; ``n_dyads``: dyads with both members' change
        - ``distinguishable``: whether every dyad has one member of each of two kinds
        - ``method``: ``pearson`` (distinguishable only: r of the two members' changes) or
          ``intraclass`` (ICC(1), :func:`intraclass_correlation`)
        - ``members``: the two kinds, ``"first|second"`` (the Pearson pairs them so)
        - ``r``, ``ci_low``, ``ci_high``: the correlation and its 95% CI
        - ``statistic``, ``df1``, ``df2``, ``p_value``: t (df1 = n − 2) or F (df1, df2),
          two-sided test of independence
    """
    pairing = _pairing(registry, dyad, member, subject)
    valid = data.dropna(subset=[dv])
    rows = []
    for scale_id, part in valid.groupby(scale, sort=True, observed=True):
        order = _ordered_waves(part, within)
        present = set(part[within].astype(str))
        if baseline not in present:
            continue
        later = waves or [w for w in order[order.index(baseline) + 1 :] if w in present]
        for wave in later:
            table = _complete_dyads(_changes(part, pairing, baseline, wave, dv, within, subject))
            n_dyads = table["dyad"].nunique()
            if n_dyads < max(min_dyads, 4):
                continue
            kinds = _distinguishable(table)
            common = {
                "scale": scale_id,
                "baseline": baseline,
                "wave": wave,
                "n_dyads": n_dyads,
                "distinguishable": kinds is not None,
            }
            if kinds is not None:
                wide = table.pivot(index="dyad", columns="member", values="change")
                rows.append(
                    common
                    | {"method": "pearson", "members": "|".join(kinds)}
                    | pearson_correlation(wide[kinds[0]].to_numpy(), wide[kinds[1]].to_numpy())
                )
            rows.append(
                common
                | {"method": "intraclass", "members": "|".join(kinds) if kinds else None}
                | intraclass_correlation(table["change"].to_numpy(), table["dyad"].to_numpy())
            )
    result = pd.DataFrame(rows, columns=INTERDEPENDENCE_COLUMNS)
    result["n_dyads"] = result["n_dyads"].astype(int)
    result["distinguishable"] = result["distinguishable"].astype(bool)
    return result


@dataclass(frozen=True)
class NestedFit:
    """A REML fit of ``y = Xβ + u_dyad + v_participant + e`` (see :func:`fit_nested`)."""

    beta: np.ndarray
    vcov: np.ndarray
    var_dyad: float
    var_participant: float
    var_residual: float
    converged: bool
    deviance: object
    vcov_at: object

    @property
    def variances(self) -> np.ndarray:
        """The variance components: dyad, participant, residual."""
        return np.array([self.var_dyad, self.var_participant, self.var_residual])

    def satterthwaite(self, contrast: np.ndarray) -> float:
        """Satterthwaite's degrees of freedom of the contrast ``contrast`` of the fixed
        effects."""
        return satterthwaite_df(contrast, self.deviance, self.vcov_at, self.variances)


def fit_nested(y: np.ndarray, x: np.ndarray, outer: np.ndarray, inner: np.ndarray) -> NestedFit:
    """REML fit with random intercepts of ``inner`` groups nested in ``outer`` groups.

    The model of ``lmer(y ~ X + (1 | outer/inner))``. statsmodels' ``MixedLM`` fits nested
    variance components only through ``vc_formula`` and gives neither the REML deviance as
    a function of the variances nor Satterthwaite's df, which lmerTest's reference needs;
    the model is small (one block ``V_b = σ²(I + γ_o J + γ_i S_b)`` per outer group, ``S_b``
    the same-inner-group indicator), so it is written here: the REML criterion profiled
    over ``β`` and ``σ²`` is minimised over ``(√γ_o, √γ_i) ≥ 0`` (L-BFGS-B from the best
    point of a grid), with every block of one size inverted at once.

    Examples
    --------
    >>> data = pd.read_csv("tests/reference/dyads.csv")
    >>> x = pd.get_dummies(data["wave"]).reindex(
    ...     columns=["kickoff", "milestone-1", "milestone-2", "final"]).to_numpy(float).copy()
    >>> x[:, 0] = 1
    >>> fit = fit_nested(data["score"].to_numpy(), x, data["tandem"].to_numpy(),
    ...                  data["participant"].to_numpy())
    >>> round(fit.var_dyad, 3), round(fit.var_participant, 3), round(fit.var_residual, 3)
    (7.642, 18.589, 26.275)
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    outer_codes, _ = pd.factorize(np.asarray(outer))
    inner_codes, _ = pd.factorize(
        pd.Series(np.asarray(outer)).astype(str) + "\x1f" + pd.Series(np.asarray(inner)).astype(str)
    )
    n, p = x.shape
    order = np.argsort(outer_codes, kind="stable")
    y, x, outer_codes, inner_codes = y[order], x[order], outer_codes[order], inner_codes[order]
    sizes = np.bincount(outer_codes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    batches = []
    for m in np.unique(sizes):
        blocks = np.flatnonzero(sizes == m)
        index = starts[blocks][:, None] + np.arange(m)
        same = (inner_codes[index][:, :, None] == inner_codes[index][:, None, :]).astype(float)
        batches.append((m, x[index], y[index][:, :, None], same))

    def pieces(g_outer: float, g_inner: float):
        xtwx = np.zeros((p, p))
        xtwy = np.zeros(p)
        ytwy = 0.0
        logdet = 0.0
        for m, xb, yb, same in batches:
            w = np.eye(m) + g_outer + g_inner * same
            wx = np.linalg.solve(w, xb)
            wy = np.linalg.solve(w, yb)
            xtwx += np.einsum("bij,bik->jk", xb, wx)
            xtwy += np.einsum("bij,bi->j", xb, wy[:, :, 0])
            ytwy += float(np.einsum("bi,bi->", yb[:, :, 0], wy[:, :, 0]))
            logdet += float(np.linalg.slogdet(w)[1].sum())
        beta = np.linalg.solve(xtwx, xtwy)
        quadratic = ytwy - beta @ xtwy
        return quadratic, xtwx, beta, logdet

    def profiled(theta: np.ndarray) -> float:
        quadratic, xtwx, _, logdet = pieces(theta[0] ** 2, theta[1] ** 2)
        return (n - p) * np.log(quadratic / (n - p)) + logdet + np.linalg.slogdet(xtwx)[1]

    grid = [np.array([a, b]) for a in (0.0, 0.3, 1.0, 3.0) for b in (0.0, 0.3, 1.0, 3.0)]
    start = min(grid, key=profiled)
    best = optimize.minimize(
        profiled,
        start,
        method="L-BFGS-B",
        bounds=[(0, None), (0, None)],
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 500},
    )
    g_outer, g_inner = best.x**2
    quadratic, xtwx, beta, _ = pieces(g_outer, g_inner)
    sigma2 = quadratic / (n - p)

    def deviance(variances: np.ndarray) -> float:
        tau_outer, tau_inner, s2 = variances
        quadratic_v, xtwx_v, _, logdet_v = pieces(tau_outer / s2, tau_inner / s2)
        return float(
            (n - p) * np.log(s2) + logdet_v + np.linalg.slogdet(xtwx_v)[1] + quadratic_v / s2
        )

    def vcov_at(variances: np.ndarray) -> np.ndarray:
        tau_outer, tau_inner, s2 = variances
        return s2 * np.linalg.inv(pieces(tau_outer / s2, tau_inner / s2)[1])

    return NestedFit(
        beta=beta,
        vcov=sigma2 * np.linalg.inv(xtwx),
        var_dyad=float(g_outer * sigma2),
        var_participant=float(g_inner * sigma2),
        var_residual=float(sigma2),
        converged=bool(best.success),
        deviance=deviance,
        vcov_at=vcov_at,
    )


def tandem_mixed_model(
    data: pd.DataFrame,
    registry: pd.DataFrame,
    *,
    dyad: str,
    waves: list[str] | None = None,
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
) -> pd.DataFrame:
    """The change model with a dyad level beside the participant-only model, per scale.

    ``score ~ wave + (1 | dyad/participant)`` (participants nested in dyads) and
    ``score ~ wave + (1 | participant)``, both by REML on the same rows; a participant
    without a dyad is a dyad of one. The differences from the first wave with their
    Satterthwaite df and 95% CIs show how much the tandems change the conclusions.

    Parameters
    ----------
    data : DataFrame
        Long scores; registry : DataFrame with ``subject`` and ``dyad`` columns.
    dyad : str
        The pairing attribute of the registry.
    waves : list of str, optional
        The waves in order, the reference first (default: the categories of ``within``).
    dv, within, subject, scale : str
        Column names.

    Returns
    -------
    DataFrame
        One row per scale × later wave × model (``participant`` / ``participant in dyad``):
        ``n_obs``, ``n_participants``, ``n_dyads``; ``diff``, ``diff_se``, ``diff_df``,
        ``diff_ci_low``, ``diff_ci_high``, ``diff_p`` (t-test with Satterthwaite df);
        ``var_dyad`` (missing for the participant model), ``var_participant``,
        ``var_residual``.

    Examples
    --------
    >>> data = pd.read_csv("tests/reference/dyads.csv").assign(scale="score")
    >>> registry = data.drop_duplicates("participant")[["participant", "tandem"]]
    >>> result = tandem_mixed_model(data, registry, dyad="tandem")
    >>> result.query("wave == 'final'")[["model", "diff", "diff_se", "diff_df"]].round(3)
                     model   diff  diff_se  diff_df
    2          participant -1.073     0.92  181.326
    5  participant in dyad -1.083     0.92  181.335
    """
    pairing = _pairing(registry, dyad, None, subject)
    dyad_of = pairing.set_index("participant")["dyad"]
    rows = []
    for scale_id, part in data.dropna(subset=[dv]).groupby(scale, sort=True, observed=True):
        order = [
            w for w in (waves or _ordered_waves(part, within)) if w in set(part[within].astype(str))
        ]
        if len(order) < 2 or part[subject].nunique() < 3:
            continue
        part = part[part[within].astype(str).isin(order)]
        participants = part[subject].astype(str).to_numpy()
        dyads = (
            pd.Series(participants)
            .map(dyad_of)
            .fillna("\x1fsolo " + pd.Series(participants))
            .to_numpy()
        )
        codes = pd.Categorical(part[within].astype(str), categories=order).codes
        x = np.zeros((len(part), len(order)))
        x[:, 0] = 1
        x[np.arange(len(part)), codes] = 1
        y = part[dv].to_numpy(float)
        simple = fit_random_intercept_design(y, x, pd.factorize(participants)[0])
        nested = fit_nested(y, x, dyads, participants)
        common = {
            "scale": scale_id,
            "n_obs": len(y),
            "n_participants": len(set(participants)),
            "n_dyads": len(set(dyads)),
        }
        for model, fit, var_dyad in (
            ("participant", simple, np.nan),
            ("participant in dyad", nested, nested.var_dyad),
        ):
            for index, wave in enumerate(order[1:], start=1):
                unit = np.zeros(len(order))
                unit[index] = 1
                diff, se = float(fit.beta[index]), float(np.sqrt(fit.vcov[index, index]))
                df = fit.satterthwaite(unit)
                quantile = stats.t.ppf(0.975, df)
                rows.append(
                    common
                    | {
                        "wave": wave,
                        "model": model,
                        "diff": diff,
                        "diff_se": se,
                        "diff_df": df,
                        "diff_ci_low": diff - quantile * se,
                        "diff_ci_high": diff + quantile * se,
                        "diff_p": float(2 * stats.t.sf(abs(diff / se), df)),
                        "var_dyad": var_dyad,
                        "var_participant": fit.var_participant,
                        "var_residual": fit.var_residual,
                    }
                )
    return pd.DataFrame(rows, columns=TANDEM_MODEL_COLUMNS)


def apim(
    data: pd.DataFrame,
    registry: pd.DataFrame,
    *,
    dyad: str,
    member: str,
    end: str,
    start: str | None = None,
    min_dyads: int = 10,
    dv: str = "score",
    within: str = "wave",
    subject: str = "participant",
    scale: str = "scale",
) -> pd.DataFrame:
    """Actor–partner interdependence model for distinguishable dyads, per scale.

    Each member's score at ``end`` on their own score at ``start`` (actor) and their
    partner's (partner), separately for each kind of member, with the residuals of the two
    members of a dyad correlated: Kenny's two-intercept APIM, ``nlme::gls(end ~ 0 + member +
    member:actor + member:partner, correlation = corCompSymm(form = ~ 1 | dyad), weights =
    varIdent(form = ~ 1 | member), method = "REML")``.

    It uses the dyads in which both members have both scores. There the two members'
    equations share their predictors (the two start scores), so the generalised least
    squares estimate equals ordinary least squares per kind of member, whatever the
    residual covariance (Zellner, 1962), and the REML estimate of that 2 × 2 covariance is
    the residual cross-product over ``n − 3``. This is computed in closed form, exactly as
    the iterative ``gls`` fit (checked in ``tests/reference``); the t-tests and CIs use
    ``gls``'s df, ``2n − 6``.

    Parameters
    ----------
    data : DataFrame
        Long scores; registry : DataFrame with the ``subject``, ``dyad`` and ``member``
        columns.
    dyad, member : str
        The pairing attribute and the attribute that tells the members apart.
    end : str
        The last wave.
    start : str, optional
        The first wave (default: the first wave at which the scale has scores, e.g. the
        first milestone for a scale not asked at the kick-off).
    min_dyads : int
        Fewest complete dyads for a scale to be fitted.
    dv, within, subject, scale : str
        Column names.

    Returns
    -------
    DataFrame
        One row per scale × kind of member × effect (``intercept``, ``actor``,
        ``partner``): ``scale``, ``start``, ``end``, ``n_dyads``, ``member``, ``effect``,
        ``estimate``, ``se``, ``df``, ``t``, ``p_value``, ``ci_low``, ``ci_high``;
        ``residual_sd`` (of that member's equation) and ``residual_correlation`` (within
        the dyad). Scales without two kinds of member in every dyad are left out.

    Examples
    --------
    >>> data = pd.read_csv("tests/reference/dyads.csv").assign(scale="score")
    >>> registry = data.drop_duplicates("participant")[["participant", "tandem", "role"]]
    >>> result = apim(data, registry, dyad="tandem", member="role", end="final")
    >>> result.query("effect != 'intercept'")[["member", "effect", "estimate", "p_value"]].round(3)
       member   effect  estimate  p_value
    1  mentee    actor     0.312    0.022
    2  mentee  partner     0.255    0.099
    4  mentor    actor     0.441    0.010
    5  mentor  partner    -0.154    0.286
    """
    pairing = _pairing(registry, dyad, member, subject)
    rows = []
    for scale_id, part in data.dropna(subset=[dv]).groupby(scale, sort=True, observed=True):
        present = set(part[within].astype(str))
        first = start or next((w for w in _ordered_waves(part, within) if w in present), None)
        if first is None or first == end or end not in present:
            continue
        table = _complete_dyads(_changes(part, pairing, first, end, dv, within, subject))
        kinds = _distinguishable(table)
        n_dyads = table["dyad"].nunique()
        if kinds is None or n_dyads < max(min_dyads, 4):
            continue
        first_wide = table.pivot(index="dyad", columns="member", values="first")
        last_wide = table.pivot(index="dyad", columns="member", values="last")
        df = 2 * n_dyads - 6
        residuals = {}
        fits = {}
        for kind, other in ((kinds[0], kinds[1]), (kinds[1], kinds[0])):
            design = np.column_stack(
                [np.ones(n_dyads), first_wide[kind].to_numpy(), first_wide[other].to_numpy()]
            )
            target = last_wide[kind].to_numpy()
            coefficients, *_ = np.linalg.lstsq(design, target, rcond=None)
            residuals[kind] = target - design @ coefficients
            fits[kind] = (coefficients, np.linalg.inv(design.T @ design))
        covariance = np.cov(np.vstack([residuals[kinds[0]], residuals[kinds[1]]]), ddof=0)
        covariance *= n_dyads / (n_dyads - 3)
        correlation = covariance[0, 1] / np.sqrt(covariance[0, 0] * covariance[1, 1])
        quantile = stats.t.ppf(0.975, df)
        for position, kind in enumerate(kinds):
            coefficients, inverse = fits[kind]
            variance = covariance[position, position]
            for index, effect in enumerate(("intercept", "actor", "partner")):
                se = float(np.sqrt(variance * inverse[index, index]))
                estimate = float(coefficients[index])
                rows.append(
                    {
                        "scale": scale_id,
                        "start": first,
                        "end": end,
                        "n_dyads": n_dyads,
                        "member": kind,
                        "effect": effect,
                        "estimate": estimate,
                        "se": se,
                        "df": float(df),
                        "t": estimate / se,
                        "p_value": float(2 * stats.t.sf(abs(estimate / se), df)),
                        "ci_low": estimate - quantile * se,
                        "ci_high": estimate + quantile * se,
                        "residual_sd": float(np.sqrt(variance)),
                        "residual_correlation": float(correlation),
                    }
                )
    return pd.DataFrame(rows, columns=APIM_COLUMNS)
