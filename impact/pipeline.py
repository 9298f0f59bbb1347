"""One call from a survey definition to clean, scored data: what notebooks and the CLI use.

Examples
--------
>>> from impact.pipeline import load_programme
>>> programme = load_programme("surveys/demo/survey.yml")
>>> programme.survey.programme.synthetic
True
>>> participation = programme.participation()
>>> participation.columns.tolist()
['wave', 'registered', 'responded', 'response_rate']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from impact.change import paired_change
from impact.clean import Cleaned, accounting, clean
from impact.definitions import Instrument, Survey, load_survey
from impact.score import score


@dataclass
class Programme:
    """A programme's definitions and its cleaned, scored data."""

    survey: Survey
    instruments: dict[str, Instrument]
    base: Path
    cleaned: Cleaned

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Scale scores per participant × wave × scale (see :func:`impact.score.score`)."""
        return score(self.cleaned.responses, self.instruments)

    @property
    def responses(self) -> pd.DataFrame:
        return self.cleaned.responses

    @property
    def registry(self) -> pd.DataFrame:
        return self.cleaned.registry

    def waves_until(self, milestone: str) -> list[str]:
        """The waves up to and including ``milestone``."""
        ids = self.survey.wave_ids
        self.survey.wave(milestone)  # raises with a suggestion for an unknown wave
        return ids[: ids.index(milestone) + 1]

    def participation(self) -> pd.DataFrame:
        """Per wave: registered participants, those who responded, and the response rate."""
        registered = len(self.registry)
        responded = (
            self.cleaned.submissions.query("status == 'kept'")
            .groupby("wave", observed=False)["participant"]
            .nunique()
        )
        table = responded.rename("responded").rename_axis("wave").reset_index()
        table.insert(1, "registered", registered)
        table["response_rate"] = table["responded"] / registered
        return table

    def change(self, until: str | None = None) -> pd.DataFrame:
        """Paired change from the kick-off to each later wave (up to ``until``)."""
        scores = self.scores
        if until is not None:
            scores = scores[scores["wave"].isin(self.waves_until(until))]
        return paired_change(scores[scores["frame"] == "now"], baseline=self.survey.wave_ids[0])

    def accounting(self) -> pd.DataFrame:
        """Raw rows = kept + excluded per wave and file (see :func:`impact.clean.accounting`)."""
        return accounting(self.cleaned)


def load_programme(survey_path: str | Path) -> Programme:
    """Load a survey definition and read, clean and score all its exports.

    Parameters
    ----------
    survey_path : str or Path
        ``surveys/<programme>/survey.yml``.

    Returns
    -------
    Programme
    """
    survey_path = Path(survey_path)
    survey, instruments = load_survey(survey_path)
    cleaned = clean(survey, instruments, survey_path.parent)
    return Programme(
        survey=survey, instruments=instruments, base=survey_path.parent, cleaned=cleaned
    )
