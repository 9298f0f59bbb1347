"""Multi-select questions (e.g. the Sustainable Development Goals a project contributes
to): how many participants, or projects, chose each option at each wave.

Examples
--------
>>> import pandas as pd
>>> from impact.definitions import load_instrument, SHIPPED_INSTRUMENTS
>>> sdgs = load_instrument(SHIPPED_INSTRUMENTS / "sdgs.yml")
>>> responses = pd.DataFrame({"participant": ["a", "a", "b", "b"], "wave": "final",
...     "instrument": "sdgs", "item": ["sdg1", "sdg2", "sdg1", "sdg2"],
...     "value": [2, 1, 2, 2]})  # 2: ticked
>>> option_counts(responses, sdgs)
    wave  item  n  respondents
0  final  sdg1  2            2
1  final  sdg2  1            2
"""

from __future__ import annotations

import pandas as pd

from impact.definitions import Instrument

COUNT_COLUMNS = ["wave", "item", "n", "respondents"]


def option_counts(
    responses: pd.DataFrame, instrument: Instrument, *, units: pd.Series | None = None
) -> pd.DataFrame:
    """How many participants, or units of them (projects), chose each option per wave.

    An option counts once for a unit when any of its members chose it (answered with the
    instrument's ``checked`` value); a unit *responded* at a wave when any of its members
    answered the question then. Missing answers are left out.

    Parameters
    ----------
    responses : DataFrame
        Long item responses ``participant, wave, instrument, item, value``; rows of other
        instruments are ignored.
    instrument : Instrument
        The multi-select instrument.
    units : Series, optional
        Participant → unit (e.g. the tandem or team each belongs to). Participants without
        a unit are left out. Default: every participant is a unit of their own.

    Returns
    -------
    DataFrame
        ``wave, item`` (text), ``n`` (units choosing the option), ``respondents`` (units
        answering at the wave): one row per wave and option with at least one answer, in
        the responses' order of waves and items.

    Examples
    --------
    >>> from impact.definitions import load_instrument, SHIPPED_INSTRUMENTS
    >>> sdgs = load_instrument(SHIPPED_INSTRUMENTS / "sdgs.yml")
    >>> responses = pd.DataFrame({"participant": ["a", "b", "c"], "wave": "final",
    ...     "instrument": "sdgs", "item": "sdg1", "value": [2, 2, 1]})
    >>> teams = pd.Series({"a": "T1", "b": "T1", "c": "T2"})
    >>> option_counts(responses, sdgs, units=teams)
        wave  item  n  respondents
    0  final  sdg1  1            2
    """
    data = responses[responses["instrument"] == instrument.id].dropna(subset=["value"])
    unit = data["participant"] if units is None else data["participant"].map(units)
    data = data.assign(unit=unit, chosen=data["value"] == instrument.checked)
    data = data.dropna(subset=["unit"])
    chosen = data.groupby(["wave", "item", "unit"], observed=True)["chosen"].any()
    table = chosen.groupby(["wave", "item"], observed=True).sum().rename("n").reset_index()
    respondents = data.groupby("wave", observed=True)["unit"].nunique()
    table["item"] = table["item"].astype(str)
    table["respondents"] = table["wave"].map(respondents).astype(int)
    table["n"] = table["n"].astype(int)
    return table[COUNT_COLUMNS]
