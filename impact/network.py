"""Silo crossing: who collaborates with which sector, and Krackhardt and Stern's E–I index.

The collaboration instrument (``kind: counts``) asks, per sector, with how many people one
has worked in the last three months; each item names a value of the registry attribute
that ``survey.yml`` declares as the sector (``registry.roles.sector``; any name). A count is
*internal* when it is for the participant's own sector (from the registry) and *external*
otherwise. The E–I index is ``(E − I) / (E + I)``: −1 when all collaboration stays inside
one's sector, +1 when all of it crosses sectors (Krackhardt & Stern, 1988).

A blank count is missing, not zero: a participant's E–I index uses the counts they gave,
and needs the count for their own sector. The cohort index pools the counts,
``(ΣE − ΣI) / (ΣE + ΣI)``, so people who work with many others weigh more; the mean of the
individual indices is reported beside it.

Examples
--------
>>> import pandas as pd
>>> from impact.definitions import load_instrument, SHIPPED_INSTRUMENTS
>>> collaboration = load_instrument(SHIPPED_INSTRUMENTS / "collaboration.yml")
>>> responses = pd.DataFrame({"participant": "p1", "wave": "kickoff",
...     "instrument": "collaboration", "item": ["city", "culture", "company"],
...     "frame": "now", "value": [6.0, 2.0, 0.0]})
>>> registry = pd.DataFrame({"participant": ["p1"], "Bereich": ["city"]})
>>> ei = ei_index(responses, collaboration, registry=registry, sector="Bereich")
>>> ei[["internal", "external", "ei"]]
   internal  external   ei
0       6.0       2.0 -0.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact.definitions import Instrument
from impact.errors import ArgumentError, choice_hint

EI_COLUMNS = ["participant", "wave", "own_sector", "internal", "external", "total", "ei"]


def _counts(
    responses: pd.DataFrame, instrument: Instrument, registry: pd.DataFrame, sector: str
) -> pd.DataFrame:
    attributes = [c for c in registry.columns if c != "participant"]
    if sector not in attributes:
        # (the message names the argument in words: attribute names are never code literals)
        hint = choice_hint(sector, attributes, listing="its attributes are")
        raise ArgumentError(f"the registry has no attribute {sector!r} (the sector); {hint}")
    data = responses[
        (responses["instrument"] == instrument.id) & (responses["frame"] == "now")
    ].dropna(subset=["value"])
    data = data.assign(to_sector=data["item"].map(instrument.sectors))
    own = registry.set_index("participant")[sector]
    return data.assign(from_sector=data["participant"].map(own))


def collaboration_matrix(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    registry: pd.DataFrame,
    sector: str,
    k: int | None = None,
) -> pd.DataFrame:
    """The sector × sector collaboration matrix per wave, in long form.

    Parameters
    ----------
    responses : DataFrame
        Long item responses (``participant, wave, instrument, item, frame, value``).
    instrument : Instrument
        The ``counts`` instrument whose items name sectors.
    registry : DataFrame
        ``participant`` and the sector attribute.
    sector : str
        The registry attribute that holds each participant's sector.
    k : int, optional
        The privacy threshold: rows whose ``from_sector`` has fewer respondents are flagged.

    Returns
    -------
    DataFrame
        One row per wave × participant sector × counted sector (every pair, zeros included):

        - ``wave``
        - ``from_sector``: the sector of the participants who answered
        - ``to_sector``: the sector they counted collaborators in
        - ``contacts``: the sum of their counts
        - ``respondents``: participants of ``from_sector`` who gave any count at that wave
        - ``mean_contacts``: ``contacts / respondents``
        - ``suppressed``: fewer than ``k`` respondents (always False without ``k``)

    Examples
    --------
    >>> from impact.definitions import load_instrument, SHIPPED_INSTRUMENTS
    >>> collaboration = load_instrument(SHIPPED_INSTRUMENTS / "collaboration.yml")
    >>> responses = pd.DataFrame({"participant": ["p1", "p1", "p2"], "wave": "kickoff",
    ...     "instrument": "collaboration", "item": ["city", "culture", "city"],
    ...     "frame": "now", "value": [6.0, 2.0, 1.0]})
    >>> registry = pd.DataFrame({"participant": ["p1", "p2"], "field": ["city", "culture"]})
    >>> matrix = collaboration_matrix(responses, collaboration, registry=registry, sector="field")
    >>> matrix.query("contacts > 0")[["from_sector", "to_sector", "contacts"]]
       from_sector to_sector  contacts
    30        city      city       6.0
    32        city   culture       2.0
    48     culture      city       1.0
    """
    data = _counts(responses, instrument, registry, sector).dropna(subset=["from_sector"])
    sectors = list(dict.fromkeys(instrument.sectors.values()))
    from_sectors = sectors + sorted(set(data["from_sector"].unique()) - set(sectors))
    waves = data["wave"]
    wave_levels = (
        list(waves.cat.categories)
        if isinstance(waves.dtype, pd.CategoricalDtype)
        else sorted(waves.unique())
    )
    observed = set(waves.unique())  # once, not per row and wave
    present = [w for w in wave_levels if w in observed]
    full = pd.MultiIndex.from_product(
        [present, from_sectors, sectors], names=["wave", "from_sector", "to_sector"]
    )
    contacts = (
        data.assign(wave=data["wave"].astype(str))
        .groupby(["wave", "from_sector", "to_sector"], observed=True)["value"]
        .sum()
        .reindex(full, fill_value=0.0)
        .rename("contacts")
        .reset_index()
    )
    respondents = (
        data.assign(wave=data["wave"].astype(str))
        .groupby(["wave", "from_sector"], observed=True)["participant"]
        .nunique()
        .rename("respondents")
    )
    contacts = contacts.join(respondents, on=["wave", "from_sector"])
    contacts["respondents"] = contacts["respondents"].fillna(0).astype(int)
    contacts["mean_contacts"] = contacts["contacts"] / contacts["respondents"].replace(0, np.nan)
    contacts["suppressed"] = contacts["respondents"] < k if k is not None else False
    if isinstance(waves.dtype, pd.CategoricalDtype):
        contacts["wave"] = contacts["wave"].astype(waves.dtype)
    return contacts


def ei_index(
    responses: pd.DataFrame, instrument: Instrument, *, registry: pd.DataFrame, sector: str
) -> pd.DataFrame:
    """Krackhardt and Stern's E–I index per participant and wave.

    Parameters
    ----------
    responses : DataFrame
        Long item responses.
    instrument : Instrument
        The ``counts`` instrument whose items name sectors.
    registry : DataFrame
        ``participant`` and the sector attribute.
    sector : str
        The registry attribute that holds each participant's sector.

    Returns
    -------
    DataFrame
        One row per participant × wave with a count for their own sector:

        - ``participant``, ``wave``, ``own_sector``
        - ``internal``: collaborators in their own sector; ``external``: in the others
        - ``total``: ``internal + external``
        - ``ei``: ``(external − internal) / total``; missing when ``total`` is 0
    """
    data = _counts(responses, instrument, registry, sector).dropna(subset=["from_sector"])
    data = data.assign(internal=data["from_sector"] == data["to_sector"])
    by = ["participant", "wave"]
    has_own = data[data["internal"]].groupby(by, observed=True).size()
    sums = (
        data.assign(
            i=data["value"].where(data["internal"], 0.0),
            e=data["value"].where(~data["internal"], 0.0),
        )
        .groupby(by, observed=True)
        .agg(own_sector=("from_sector", "first"), internal=("i", "sum"), external=("e", "sum"))
    )
    sums = sums[sums.index.isin(has_own.index)].reset_index()
    sums["total"] = sums["internal"] + sums["external"]
    sums["ei"] = (sums["external"] - sums["internal"]) / sums["total"].replace(0, np.nan)
    return sums[EI_COLUMNS].sort_values(["wave", "participant"], ignore_index=True)


def cohort_ei(ei: pd.DataFrame, *, within: str = "wave") -> pd.DataFrame:
    """The cohort's E–I index per wave: pooled counts, and the mean individual index.

    Parameters
    ----------
    ei : DataFrame
        The result of :func:`ei_index`.

    Returns
    -------
    DataFrame
        One row per wave:

        - ``wave``; ``n``: participants with an index
        - ``internal``, ``external``: summed counts
        - ``ei``: ``(ΣE − ΣI) / (ΣE + ΣI)``
        - ``mean_ei``: mean of the individual indices

    Examples
    --------
    >>> ei = pd.DataFrame({"wave": ["k", "k"], "internal": [6.0, 1.0], "external": [2.0, 3.0],
    ...                    "ei": [-0.5, 0.5]})
    >>> cohort_ei(ei)[["n", "ei", "mean_ei"]].round(3)
       n     ei  mean_ei
    0  2 -0.167      0.0
    """
    grouped = ei.groupby(within, observed=True)
    table = grouped.agg(
        n=("ei", "count"), internal=("internal", "sum"), external=("external", "sum")
    )
    table["ei"] = (table["external"] - table["internal"]) / (table["external"] + table["internal"])
    table["mean_ei"] = grouped["ei"].mean()
    return table.reset_index()


def ei_change(
    ei: pd.DataFrame,
    *,
    baseline: str = "kickoff",
    n_boot: int = 5000,
    seed: int = 20231130,
    level: float = 0.95,
    within: str = "wave",
    subject: str = "participant",
) -> pd.DataFrame:
    """Change of the cohort E–I index from ``baseline`` to each later wave, bootstrap CIs.

    Participants with an index at both waves enter (paired). The CIs are percentile
    bootstrap intervals from resampling those participants with replacement (``n_boot``
    resamples, fixed ``seed``, so a report shows the same numbers every time it renders).

    Parameters
    ----------
    ei : DataFrame
        The result of :func:`ei_index`.
    baseline : str
        The baseline wave.
    n_boot, seed, level : int, int, float
        Bootstrap resamples, seed and confidence level.
    within, subject : str
        Column names.

    Returns
    -------
    DataFrame
        One row per later wave:

        - ``baseline``, ``wave``, ``n``: participants with both indices
        - ``ei_pre``, ``ei_post``: pooled cohort index of these participants at each wave
        - ``ei_diff``, ``ci_low``, ``ci_high``: its change and bootstrap CI
        - ``mean_diff``, ``mean_ci_low``, ``mean_ci_high``: mean change of the individual
          indices and its bootstrap CI

    Examples
    --------
    >>> ei = pd.DataFrame({"participant": list("abcdabcd"), "wave": ["k"] * 4 + ["f"] * 4,
    ...     "internal": [5.0, 4, 6, 5, 3, 2, 4, 3], "external": [2.0, 3, 2, 1, 4, 5, 3, 4]})
    >>> ei["ei"] = (ei["external"] - ei["internal"]) / (ei["external"] + ei["internal"])
    >>> result = ei_change(ei, baseline="k", n_boot=200)
    >>> result[["wave", "n", "ei_pre", "ei_post", "ei_diff"]].round(3)
      wave  n  ei_pre  ei_post  ei_diff
    0    f  4  -0.429    0.143    0.571
    """
    rng = np.random.default_rng(seed)
    valid = ei.dropna(subset=["ei"])
    waves = valid[within]
    order = (
        list(waves.cat.categories)
        if isinstance(waves.dtype, pd.CategoricalDtype)
        else list(pd.unique(waves))
    )
    present = set(waves.astype(str))
    later = [w for w in order[order.index(baseline) + 1 :] if w in present]
    tail = (1 - level) / 2
    pre = valid[valid[within].astype(str) == baseline].set_index(subject)
    rows = []
    for wave in later:
        post = valid[valid[within].astype(str) == wave].set_index(subject)
        both = pre.index.intersection(post.index)
        n = len(both)
        row = {"baseline": baseline, "wave": wave, "n": n}
        if n < 2:
            rows.append(row)
            continue
        i0, e0 = pre.loc[both, "internal"].to_numpy(), pre.loc[both, "external"].to_numpy()
        i1, e1 = post.loc[both, "internal"].to_numpy(), post.loc[both, "external"].to_numpy()
        d = post.loc[both, "ei"].to_numpy() - pre.loc[both, "ei"].to_numpy()

        def pooled(i: np.ndarray, e: np.ndarray) -> np.ndarray:
            return (e.sum(axis=-1) - i.sum(axis=-1)) / (e.sum(axis=-1) + i.sum(axis=-1))

        index = rng.integers(0, n, size=(n_boot, n))
        boot = pooled(i1[index], e1[index]) - pooled(i0[index], e0[index])
        boot_mean = d[index].mean(axis=1)
        row |= {
            "ei_pre": float(pooled(i0, e0)),
            "ei_post": float(pooled(i1, e1)),
            "ei_diff": float(pooled(i1, e1) - pooled(i0, e0)),
            "ci_low": float(np.quantile(boot, tail)),
            "ci_high": float(np.quantile(boot, 1 - tail)),
            "mean_diff": float(d.mean()),
            "mean_ci_low": float(np.quantile(boot_mean, tail)),
            "mean_ci_high": float(np.quantile(boot_mean, 1 - tail)),
        }
        rows.append(row)
    columns = [
        "baseline",
        "wave",
        "n",
        "ei_pre",
        "ei_post",
        "ei_diff",
        "ci_low",
        "ci_high",
        "mean_diff",
        "mean_ci_low",
        "mean_ci_high",
    ]
    result = pd.DataFrame(rows, columns=columns)
    if isinstance(waves.dtype, pd.CategoricalDtype):
        result["wave"] = result["wave"].astype(waves.dtype)
    return result
