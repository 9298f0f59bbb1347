"""One call from a survey definition to clean, scored data: what notebooks and the CLI use.

Examples
--------
>>> from impact.demo import DEMO_SURVEY
>>> from impact.pipeline import load_programme
>>> programme = load_programme(DEMO_SURVEY)
>>> programme.survey.programme.synthetic
True
>>> participation = programme.participation()
>>> participation.columns.tolist()
['wave', 'registered', 'responded', 'response_rate']

Every statistic is one call away (each method names the module function it wraps):

>>> levels = programme.wave_summary()                    # n, mean, SD, t CI per wave
>>> change = programme.change(until="final")            # t, Wilcoxon, d_z/d_av/g_av, Holm
>>> alpha = programme.reliability()                      # alpha with CI, omega total
>>> individual = programme.reliable_change_counts()      # Jacobson-Truax categories
>>> shift = programme.response_shift()                   # pre/post/then
>>> means = programme.mixed_model()                      # all waves, random intercept
>>> completers = programme.completers_change()           # sensitivity check
>>> crossed = programme.cutoff_crossing()                # above the cut-off, Wilson CIs
>>> attrition = programme.attrition()                    # stayers vs leavers
>>> groups = programme.subgroup_change("role")           # k-suppressed subgroups
>>> ei = programme.ei_change()                           # silo crossing, bootstrap CI
>>> sensitivity = programme.design_sensitivity()         # smallest detectable d_z
>>> shares = programme.meaningful_change()               # reached the MIC, Wilson CIs
>>> tost = programme.equivalence()                       # TOST with ± MIC
>>> evidence = programme.bayes_factors()                 # BF10, JZS prior
>>> by_role = programme.wave_by_group("role")            # wave × group, Satterthwaite
>>> together = programme.dyadic_change(dyad="tandem", member="role")
>>> nested = programme.tandem_model(dyad="tandem")       # participants in tandems
>>> effects = programme.apim(dyad="tandem", member="role")   # actor and partner effects
>>> sorted(set(change["scale"])) == sorted(set(means["scale"]) - {"partnership"})
True
>>> bool(ei.set_index("wave").loc["final", "ci_low"] > 0)
True
"""

from __future__ import annotations

import copy
import functools
import inspect
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import pandas as pd

from impact import (
    crossing,
    describe,
    dyads,
    longitudinal,
    multiselect,
    network,
    reliability,
)
from impact.bayes import bayes_factors
from impact.change import (
    paired_change,
    reliable_change,
    reliable_change_counts,
    response_shift,
)
from impact.clean import Cleaned, accounting, clean
from impact.definitions import Instrument, Survey, load_survey
from impact.equivalence import equivalence
from impact.errors import ArgumentError, check_choice
from impact.meaningful import meaningful_change
from impact.power import design_sensitivity
from impact.score import band_labels, categories, count_categories, score, score_items
from impact.subgroups import subgroup_change

Method = TypeVar("Method", bound=Callable)


def memoised(method: Method) -> Method:
    """Compute a :class:`Programme` method, or a function of a programme (its first
    argument), once per programme and arguments; hand out copies.

    A report asks for the same statistics many times (summary, key figures, tables,
    figures, ``results.json``); the arguments are bound to the signature first, so
    ``change("final")`` and ``change(until="final")`` share one result. The cache lives in
    the programme instance, so ``dataclasses.replace`` (a new instance) starts afresh;
    callers get a copy and cannot change what the next caller sees.
    """
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        key = (method.__module__, method.__qualname__, *list(bound.arguments.items())[1:])
        memo = self.__dict__.setdefault("_memo", {})
        if key not in memo:
            memo[key] = method(self, *args, **kwargs)
        result = memo[key]
        return result.copy() if isinstance(result, pd.DataFrame) else copy.deepcopy(result)

    return wrapper  # type: ignore[return-value]


@dataclass
class Programme:
    """A programme's definitions and its cleaned, scored data, with one call per statistic.

    Made by :func:`load_programme`. Each method wraps a module function (named in its
    docstring) that takes any DataFrame with the named columns; results are computed once
    per arguments and handed out as copies. Methods that take ``until`` use the waves up to
    and including that wave id (default: every wave), as the report for that milestone
    does; those that take ``by``, ``dyad`` or ``member`` name a column of
    :attr:`attributes`.

    Attributes
    ----------
    survey : Survey
        The programme's definition (``survey.yml``), see :class:`impact.definitions.Survey`.
    instruments : dict of str to Instrument
        The instruments it uses, by id.
    base : Path
        The programme's folder (where ``survey.yml`` lies); raw files are relative to it.
    cleaned : Cleaned
        The cleaning's result: ``responses``, ``submissions``, ``registry``, ``texts``,
        ``log`` (one row per cleaning decision), see :class:`impact.clean.Cleaned`.
    """

    survey: Survey
    instruments: dict[str, Instrument]
    base: Path
    cleaned: Cleaned

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Scale scores per participant × wave × scale; see :func:`impact.score.score`.

        Columns ``participant, wave, scale, instrument, frame, score, n_valid, n_items``:
        ``frame`` is ``now`` (or ``then`` for a retrospective rating, whose scale is
        ``<id>_then``), ``score`` is missing below the instrument's ``min_items``;
        ``participant``, ``scale``, ``instrument`` and ``frame`` are categoricals, ``wave``
        an ordered categorical. Computed from the cleaning's item matrices when it has them
        (:func:`impact.score.score_items`: the same table, without writing the long one).
        """
        kept = self.cleaned.kept_items
        scores = None if kept is None else score_items(kept, self.instruments)
        return score(self.cleaned.responses, self.instruments) if scores is None else scores

    @property
    def responses(self) -> pd.DataFrame:
        """The cleaned long item responses; see :class:`impact.clean.Cleaned`.

        Columns ``participant, wave, instrument, item, frame, value``: one row per kept
        answer (``value`` missing for a missing code); ``participant``, ``instrument``,
        ``item`` and ``frame`` are categoricals.
        """
        return self.cleaned.responses

    @property
    def registry(self) -> pd.DataFrame:
        """The cleaned registry: ``participant`` (the pseudonymous key) and one column per
        registry attribute of survey.yml (``registry.columns``), identifying columns dropped.
        """
        return self.cleaned.registry

    def waves_until(self, milestone: str) -> list[str]:
        """The wave ids up to and including ``milestone``, in the survey's order.

        An unknown id is a :class:`~impact.errors.DefinitionError` naming the nearest wave.
        """
        ids = self.survey.wave_ids
        self.survey.wave(milestone)  # raises with a suggestion for an unknown wave
        return ids[: ids.index(milestone) + 1]

    @memoised
    def participation(self) -> pd.DataFrame:
        """Per wave: registered participants, those who responded, and the response rate.

        Returns
        -------
        DataFrame
            ``wave, registered, responded, response_rate`` (share of the registered).
        """
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

    @property
    def baseline(self) -> str:
        """The baseline wave's id (the first wave of survey.yml)."""
        return self.survey.wave_ids[0]

    def _scores_until(self, until: str | None, frame: str | None = "now") -> pd.DataFrame:
        scores = self.scores
        if until is not None:
            scores = scores[scores["wave"].isin(self.waves_until(until))]
        return scores if frame is None else scores[scores["frame"] == frame]

    @memoised
    def wave_summary(self, until: str | None = None, *, confidence: float = 0.95) -> pd.DataFrame:
        """n, mean, SD and the t interval of the mean per scale and wave (everyone with a
        score at that wave, retrospective ``_then`` scales included); see
        :func:`impact.describe.wave_summary`.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows (before any mean is withheld).
        confidence : float
            The confidence level of the interval.

        Returns
        -------
        DataFrame
            ``scale, wave, n, mean, sd, ci_low, ci_high``.
        """
        return describe.wave_summary(self._scores_until(until, frame=None), confidence=confidence)

    @memoised
    def change(self, until: str | None = None, *, adjust: str | None = "holm") -> pd.DataFrame:
        """Paired change from the baseline to each later wave.

        Every statistic of :func:`impact.change.paired_change`: t-test, Wilcoxon with
        rank-biserial r, d_z / d_av / g_av / d_rm with CIs, Shapiro–Wilk of the
        differences, and the multiplicity-adjusted p.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.
            ``change("final")`` is the change to *every* wave up to the final; select
            ``wave == "final"`` for the final one.
        adjust : str or None
            ``"holm"`` (default), ``"fdr_bh"`` (Benjamini–Hochberg), ``"bonferroni"`` or
            ``None``: the correction across the outcomes of one family at each wave (the
            primary and the secondary outcomes of survey.yml's ``outcomes`` separately;
            every scale one family when it declares none).

        Returns
        -------
        DataFrame
            One row per scale × wave: ``scale, baseline, wave, n`` (participants with both
            scores), ``mean_pre, sd_pre, mean_post, sd_post, mean_diff, sd_diff, ci_low,
            ci_high`` (95% CI of the mean difference), ``t, df, p_value``, ``d_z, d_av,
            g_av, d_rm`` each with ``_ci_low`` / ``_ci_high``, ``r_pre_post``,
            ``wilcoxon_v, wilcoxon_p, wilcoxon_exact, r_rb, r_rb_ci_low, r_rb_ci_high``,
            ``shapiro_w, shapiro_p, p_adjusted, p_adjust_method``.
        """
        return paired_change(
            self._scores_until(until),
            baseline=self.baseline,
            adjust=adjust,
            families=self.outcome_families(),
        )

    def outcome_families(self) -> dict[str, str] | None:
        """Scale → ``primary`` / ``secondary`` / ``exploratory`` as survey.yml's ``outcomes``
        declares them (the families of the multiplicity correction of :meth:`change`), or
        ``None`` when it declares none (every outcome then is one family)."""
        outcomes = self.survey.outcomes
        if outcomes is None:
            return None
        scales = pd.unique(self.scores["scale"].astype(str))
        return {s: outcomes.family(s, self.instrument_of(s).id) for s in scales}

    @memoised
    def reliability(self, until: str | None = None) -> pd.DataFrame:
        """Cronbach's alpha with 95% CI and omega total per scale and wave;
        see :func:`impact.reliability.reliability`.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``scale, instrument, wave, n, n_complete, n_items, alpha, alpha_std,
            average_r, ci_low, ci_high`` (Feldt CI of alpha), ``ase, omega_total``.
        """
        responses = self.responses
        if until is not None:
            responses = responses[responses["wave"].isin(self.waves_until(until))]
        return reliability.reliability(responses, self.instruments)

    @memoised
    def bands(self, until: str | None = None, language: str = "en") -> pd.DataFrame:
        """Participants per score band (e.g. WHO-5 ≤ 28 / ≤ 50 / > 50) per scale and wave.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.
        language : {"de", "en"}
            The language of the band labels.

        Returns
        -------
        DataFrame
            ``scale, wave, band, order, n, total, share``: ``order`` is the band's
            position in the definition, ``total`` the participants with a score.
        """
        scores = self._scores_until(until).dropna(subset=["score"])
        parts = []
        for scale, part in scores.groupby("scale", observed=True, sort=True):
            instrument = self.instruments[part["instrument"].iloc[0]]
            if not instrument.bands or scale != instrument.id:
                continue
            counts = count_categories(
                part.assign(band=band_labels(part["score"], instrument, language=language)),
                by=["wave"],
                category="band",
                categories=[b.label[language] for b in instrument.bands],
            )
            parts.append(counts.assign(scale=scale))
        columns = ["scale", "wave", "band", "order", "n", "total", "share"]
        if not parts:
            return pd.DataFrame(columns=columns)
        return pd.concat(parts, ignore_index=True)[columns]

    @memoised
    def categories(self, instrument: str, language: str = "en") -> pd.DataFrame:
        """Profile classes per participant and wave; see :func:`impact.score.categories`.

        Parameters
        ----------
        instrument : str
            An instrument with ``categories`` (e.g. ``"cantril"``: thriving / struggling /
            suffering).
        language : {"de", "en"}

        Returns
        -------
        DataFrame
            ``participant, wave``, the instrument's item scores, and ``category``
            (participant-level: for researchers, never for a report).
        """
        return categories(self.scores, self.instruments[instrument], language=language)

    @memoised
    def category_counts(self, instrument: str, language: str = "en") -> pd.DataFrame:
        """Participants per profile class and wave.

        Parameters
        ----------
        instrument : str
            An instrument with ``categories``.
        language : {"de", "en"}

        Returns
        -------
        DataFrame
            ``wave, category, order, n, total, share``.
        """
        definition = self.instruments[instrument]
        return count_categories(
            self.categories(instrument, language),
            by=["wave"],
            category="category",
            categories=[c.label[language] for c in definition.categories],
        )

    @memoised
    def reliable_change(self, until: str | None = None) -> pd.DataFrame:
        """Jacobson–Truax reliable change and clinical change per participant;
        see :func:`impact.change.reliable_change`.

        Participant-level: for researchers, never for a report. Reliability as survey.yml
        chooses (``analysis.reliable_change_reliability``): the instrument's published one,
        else the cohort's baseline alpha (``published``, the default), or the other way
        round (``sample``).

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``participant, scale, baseline, wave, pre, post, diff, sd_baseline,
            reliability, reliability_source, reliability_choice, s_diff, rci,
            reliable_change`` (improved / unchanged / deteriorated) and ``clinical_change``.
        """
        alphas = self.reliability(until)
        alphas = alphas[alphas["wave"] == self.baseline].set_index("scale")["alpha"].to_dict()
        return reliable_change(
            self._scores_until(until),
            self.instruments,
            baseline=self.baseline,
            alphas=alphas,
            reliability=self.survey.analysis.reliable_change_reliability,
        )

    @memoised
    def reliable_change_counts(self, until: str | None = None) -> pd.DataFrame:
        """Participants per reliable and clinical change category, per scale
        and wave; see :func:`impact.change.reliable_change_counts`.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``scale, wave, kind`` (``reliable_change`` or ``clinical_change``), ``category,
            n, total, share``.
        """
        return reliable_change_counts(self.reliable_change(until))

    @memoised
    def response_shift(self, wave: str | None = None) -> pd.DataFrame:
        """Pre vs post, then vs post and pre vs then for retrospective scales;
        see :func:`impact.change.response_shift`.

        Parameters
        ----------
        wave : str, optional
            The wave of the retrospective ("then") ratings; default the last wave.

        Returns
        -------
        DataFrame
            ``scale, comparison, first, second, n`` and the columns of :meth:`change`
            (without the adjusted p).
        """
        wave = wave or self.survey.wave_ids[-1]
        return response_shift(
            self._scores_until(wave, frame=None), baseline=self.baseline, wave=wave
        )

    @memoised
    def mixed_model(
        self, until: str | None = None, *, df_method: str = "satterthwaite"
    ) -> pd.DataFrame:
        """Estimated mean per wave from a random-intercept mixed model of each scale,
        every response used (REML); see :func:`impact.longitudinal.mixed_model_means`.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.
        df_method : {"satterthwaite", "normal"}
            Degrees of freedom of the CIs: Satterthwaite's, or Wald z.

        Returns
        -------
        DataFrame
            ``scale, wave, n_obs, estimate, se, df, ci_low, ci_high``, the difference to the
            baseline ``diff, diff_se, diff_df, diff_ci_low, diff_ci_high, diff_p``, and
            ``df_method, n_participants, var_participant, var_residual, icc, converged``.
        """
        waves = self.waves_until(until) if until else self.survey.wave_ids
        return longitudinal.mixed_model_means(
            self._scores_until(until), waves=waves, df_method=df_method
        )

    @memoised
    def cutoff_crossing(self, until: str | None = None) -> pd.DataFrame:
        """Of those at or below their instrument's ``clinical_cutoff`` at the baseline, the
        share above it at each later wave, with Wilson 95% CIs; see
        :func:`impact.crossing.cutoff_crossing`. Scales without a cut-off are left out.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``scale, baseline, wave, cutoff, n, n_crossed, share, ci_low, ci_high``.
        """
        scores = self._scores_until(until)
        cutoffs = {}
        for scale in pd.unique(scores["scale"].astype(str)):
            cutoff = self.instrument_of(scale).clinical_cutoff
            if cutoff is not None:
                cutoffs[scale] = cutoff
        return crossing.cutoff_crossing(scores, cutoffs=cutoffs, baseline=self.baseline)

    @memoised
    def completers_change(self, until: str | None = None) -> pd.DataFrame:
        """Paired change for the participants who answered every wave up to
        ``until``: the completers-only sensitivity analysis; see
        :func:`impact.longitudinal.completers_change`.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            The columns of :meth:`change`.
        """
        waves = self.waves_until(until) if until else self.survey.wave_ids
        return longitudinal.completers_change(self._scores_until(until), waves=waves)

    @memoised
    def attrition(self, until: str | None = None) -> pd.DataFrame:
        """Baseline scores of stayers against leavers; see
        :func:`impact.longitudinal.attrition`.

        Parameters
        ----------
        until : str, optional
            Stayers are those who answered this wave (default the last).

        Returns
        -------
        DataFrame
            ``scale, n_stayers, mean_stayers, sd_stayers, n_leavers, mean_leavers,
            sd_leavers, diff, t, df, p_value, g`` (Welch's t-test, Hedges' g).
        """
        last = until or self.survey.wave_ids[-1]
        return longitudinal.attrition(self._scores_until(last), baseline=self.baseline, last=last)

    @cached_property
    def attributes(self) -> pd.DataFrame:
        """The registry with the derived groups of the survey definition.

        Columns: ``participant``, every registry attribute, and every derived group of
        ``registry.groups`` (e.g. sectors grouped into sector groups): what ``by=`` of
        :meth:`subgroup_change` and :meth:`wave_by_group` may name.
        """
        table = self.registry.copy()
        for name, grouping in self.survey.registry.groups.items():
            table[name] = table[grouping.of].map(grouping.values)
        return table

    def _check_attribute(self, by: str, argument: str = "by") -> None:
        """Refuse a name that is not a registry attribute or derived group."""
        choices = [c for c in self.attributes.columns if c != "participant"]
        check_choice(by, choices, argument=argument, what="a registry attribute")

    @memoised
    def subgroup_change(self, by: str, until: str | None = None) -> pd.DataFrame:
        """Change per group of a registry attribute or derived group, groups below
        the privacy threshold flagged and blanked; see :func:`impact.subgroups.subgroup_change`.

        Parameters
        ----------
        by : str
            A column of :attr:`attributes` (other than ``participant``); a misspelt one is
            an :class:`~impact.errors.ArgumentError` with the choices.
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``by, group, scale, baseline, wave, suppressed`` and the columns of
            :meth:`change` (without the adjusted p); a suppressed group's numbers are
            missing.
        """
        self._check_attribute(by)
        return subgroup_change(
            self._scores_until(until),
            self.attributes,
            by=by,
            baseline=self.baseline,
            k=self.survey.privacy.min_group_size,
        )

    @memoised
    def design_sensitivity(self, until: str | None = None, power: float = 0.8) -> pd.DataFrame:
        """The smallest d_z each paired comparison detects; see
        :func:`impact.power.design_sensitivity`.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.
        power : float
            The power wanted (α = .05, two-sided).

        Returns
        -------
        DataFrame
            ``scale, wave, n, min_d_z, power, alpha``.
        """
        change = self.change(until)[["scale", "wave", "n"]]
        return design_sensitivity(change, power=power)

    def _counts_instrument(self) -> Instrument | None:
        """The collaboration instrument, when the programme has one and declares the sector
        attribute it counts in."""
        if self.survey.registry.sector is None:
            return None
        return next((i for i in self.instruments.values() if i.kind == "counts"), None)

    @memoised
    def collaboration_matrix(self, until: str | None = None) -> pd.DataFrame:
        """The sector × sector collaboration matrix per wave (long form); see
        :func:`impact.network.collaboration_matrix`. Empty when the programme has no
        collaboration (``counts``) instrument or no ``sector`` role.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``wave, from_sector, to_sector, contacts, respondents, mean_contacts,
            suppressed`` (rows of sectors with fewer respondents than the privacy threshold).
        """
        instrument = self._counts_instrument()
        if instrument is None:
            return pd.DataFrame()
        responses = self.responses
        if until is not None:
            responses = responses[responses["wave"].isin(self.waves_until(until))]
        return network.collaboration_matrix(
            responses,
            instrument,
            registry=self.registry,
            sector=self.survey.registry.sector,
            k=self.survey.privacy.min_group_size,
        )

    @memoised
    def ei_index(self, until: str | None = None) -> pd.DataFrame:
        """E–I index per participant and wave (participant-level); see
        :func:`impact.network.ei_index`.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``participant, wave, own_sector, internal, external, total, ei``.
        """
        instrument = self._counts_instrument()
        if instrument is None:
            return pd.DataFrame(columns=network.EI_COLUMNS)
        responses = self.responses
        if until is not None:
            responses = responses[responses["wave"].isin(self.waves_until(until))]
        return network.ei_index(
            responses, instrument, registry=self.registry, sector=self.survey.registry.sector
        )

    @memoised
    def cohort_ei(self, until: str | None = None) -> pd.DataFrame:
        """The cohort's E–I index per wave; see :func:`impact.network.cohort_ei`.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``wave, n, internal, external, ei, mean_ei``.
        """
        return network.cohort_ei(self.ei_index(until))

    @memoised
    def ei_change(self, until: str | None = None) -> pd.DataFrame:
        """Change of the cohort E–I index from the baseline, bootstrap CIs; see
        :func:`impact.network.ei_change`.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``baseline, wave, n, ei_pre, ei_post, ei_diff, ci_low, ci_high, mean_diff,
            mean_ci_low, mean_ci_high``.
        """
        return network.ei_change(self.ei_index(until), baseline=self.baseline)

    @memoised
    def sdgs(
        self, until: str | None = None, language: str = "en", *, by: str | None = None
    ) -> pd.DataFrame:
        """How many participants, or projects, chose each option of every multi-select
        instrument; see :func:`impact.multiselect.option_counts`.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.
        language : {"de", "en"}
            The language of the option labels.
        by : str, optional
            Count units instead of participants: a column of :attr:`attributes` (e.g. the
            pairing attribute, tandems or teams), or ``"participant"`` for each registered
            participant. An option counts once for a unit when any member chose it;
            participants without a value (or not in the registry) are left out. Default:
            every responding participant.

        Returns
        -------
        DataFrame
            ``instrument, wave, item, label, n, respondents, share``: ``n`` participants (or
            units) choosing the option, ``respondents`` those who answered the question at
            that wave; one row per option with an answer.
        """
        units = None
        if by is not None:
            attributes = self.attributes
            if by != "participant":
                self._check_attribute(by)
            units = pd.Series(attributes[by].to_numpy(), index=attributes["participant"])
        parts = []
        responses = self.responses
        if until is not None:
            responses = responses[responses["wave"].isin(self.waves_until(until))]
        for instrument in self.instruments.values():
            if instrument.kind != "multiselect":
                continue
            table = multiselect.option_counts(responses, instrument, units=units)
            if table.empty:
                continue
            texts = {i.id: (i.text[language] if i.text else i.id) for i in instrument.items}
            table["label"] = table["item"].map(texts)
            table["order"] = table["item"].map({i: k for k, i in enumerate(instrument.item_ids)})
            table["instrument"] = instrument.id
            parts.append(table.sort_values(["wave", "order"]))
        columns = ["instrument", "wave", "item", "label", "n", "respondents", "share"]
        if not parts:
            return pd.DataFrame(columns=columns)
        result = pd.concat(parts, ignore_index=True)
        result["share"] = result["n"] / result["respondents"]
        return result[columns]

    @memoised
    def feedback(self) -> pd.DataFrame:
        """Free-text answers of kept submissions, as written (NOT scrubbed, NOT escaped).

        Instruments marked ``identifying`` are left out. Returns ``participant, wave,
        instrument, item, text``. Reports must scrub e-mails, phone numbers and names and
        escape the text before showing any of it.
        """
        texts = self.cleaned.texts
        shown = [i.id for i in self.instruments.values() if i.kind == "text" and not i.identifying]
        codes = {str(int(c)) for c in self.survey.missing_codes if float(c).is_integer()}
        answered = texts["instrument"].isin(shown) & ~texts["text"].str.strip().isin(codes)
        result = texts[answered].reset_index(drop=True)
        result["wave"] = pd.Categorical(
            result["wave"].astype(str), self.survey.wave_ids, ordered=True
        )
        return result

    def instrument_of(self, scale: str) -> Instrument:
        """The instrument a scale belongs to (``cantril_now`` → the Cantril ladder,
        ``competences_then`` → the competences).

        Raises :class:`~impact.errors.ArgumentError` for a scale of no instrument.
        """
        base = scale.removesuffix("_then")
        if base in self.instruments:
            return self.instruments[base]
        for instrument in self.instruments.values():
            if base.startswith(f"{instrument.id}_"):
                return instrument
        raise ArgumentError(
            f"`scale` must be a scale of the programme's instruments "
            f"{sorted(self.instruments)}; got {scale!r}"
        )

    def scale_label(self, scale: str, language: str = "en") -> str:
        """The display name of a scale: ``competences_then`` → 'Competences
        (retrospective)', ``cantril_future`` → 'Life evaluation (Cantril): in five years'
        (the item's ``short`` label from the definition).
        """
        base = scale.removesuffix("_then")
        instrument = self.instrument_of(scale)
        item_label = ""
        if base != instrument.id:
            item = next(i for i in instrument.items if base == f"{instrument.id}_{i.id}")
            item_label = ": " + (item.short[language] if item.short else item.id)
        name = (instrument.short or instrument.name)[language] + item_label
        if scale.endswith("_then"):
            name += " (retrospektiv)" if language == "de" else " (retrospective)"
        return name

    @memoised
    def accounting(self) -> pd.DataFrame:
        """Raw rows = kept + excluded per wave and file; see :func:`impact.clean.accounting`.

        Returns
        -------
        DataFrame
            ``wave, file, format, raw_rows, kept, excluded, duplicate, incomplete``.
        """
        return accounting(self.cleaned)

    # -- meaningful change, equivalence, evidence, groups and tandems ----------------------

    def _per_scale(self, scales, attribute: str) -> dict:
        values = {}
        for scale in map(str, scales):
            value = getattr(self.instrument_of(scale), attribute)
            if value is not None:
                values[scale] = value
        return values

    @memoised
    def reliable_change_reliability(self, until: str | None = None) -> pd.DataFrame:
        """The reliability each scale's reliable change used, for the
        report to state it.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``scale, reliability, reliability_source, reliability_choice`` (survey.yml's
            ``analysis.reliable_change_reliability``).
        """
        columns = ["scale", "reliability", "reliability_source", "reliability_choice"]
        individual = self.reliable_change(until)
        return individual[columns].drop_duplicates("scale").reset_index(drop=True)

    @memoised
    def meaningful_change(self, until: str | None = None) -> pd.DataFrame:
        """Shares who improved and deteriorated by at least the instrument's
        minimal important change, Wilson CIs; see :func:`impact.meaningful.meaningful_change`
        (participant counts: apply the privacy threshold before showing them).

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``scale, baseline, wave, mic, n, n_improved, share_improved, improved_ci_low,
            improved_ci_high, n_deteriorated, share_deteriorated, deteriorated_ci_low,
            deteriorated_ci_high, n_unchanged``.
        """
        scores = self._scores_until(until)
        scales = scores["scale"].unique()
        return meaningful_change(
            scores,
            mic=self._per_scale(scales, "minimal_important_change"),
            higher_is_better=self._per_scale(scales, "higher_is_better"),
            baseline=self.baseline,
        )

    @memoised
    def equivalence(self, until: str | None = None) -> pd.DataFrame:
        """TOST of each paired change against ± the minimal important change; see
        :func:`impact.equivalence.equivalence`.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``scale, baseline, wave, n, mean_diff, bound, ci90_low, ci90_high, t_lower,
            p_lower, t_upper, p_upper, p_tost, p_no_decline, verdict``.
        """
        change = self.change(until)
        return equivalence(
            change,
            bounds=self._per_scale(change["scale"].unique(), "minimal_important_change"),
            higher_is_better=self._per_scale(change["scale"].unique(), "higher_is_better"),
        )

    @memoised
    def bayes_factors(self, until: str | None = None) -> pd.DataFrame:
        """BF10 of each paired change (JZS prior, r = √2/2); see
        :func:`impact.bayes.bayes_factors`.

        Parameters
        ----------
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``scale, baseline, wave, n, bf10, bf01, prior_r``.
        """
        return bayes_factors(self.change(until))

    @memoised
    def wave_by_group(self, by: str, until: str | None = None) -> pd.DataFrame:
        """Whether change over the waves differs between the groups of ``by``: the
        wave × group F-test with Satterthwaite df, groups below the privacy threshold left
        out; see :func:`impact.longitudinal.wave_by_group`.

        Parameters
        ----------
        by : str
            A column of :attr:`attributes`.
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``scale, by, n_groups, n_participants, n_obs, groups_left_out, f, df1, df2,
            p_value, chisq, p_chisq``.
        """
        self._check_attribute(by)
        waves = self.waves_until(until) if until else self.survey.wave_ids
        return longitudinal.wave_by_group(
            self._scores_until(until),
            self.attributes,
            by=by,
            waves=waves,
            min_group_size=self.survey.privacy.min_group_size,
        )

    @memoised
    def dyadic_change(
        self, dyad: str, member: str | None = None, until: str | None = None
    ) -> pd.DataFrame:
        """Within-dyad correlation of change from the baseline (Pearson for
        distinguishable members, ICC(1) always) with its test of non-independence; see
        :func:`impact.dyads.change_interdependence`.

        Parameters
        ----------
        dyad : str
            The registry attribute that pairs participants (the ``pairing`` role).
        member : str, optional
            The attribute that tells the members apart (distinguishable dyads).
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``scale, baseline, wave, n_dyads, distinguishable, method, members, r, ci_low,
            ci_high, statistic, df1, df2, p_value``.
        """
        return dyads.change_interdependence(
            self._scores_until(until),
            self.attributes,
            dyad=dyad,
            member=member,
            baseline=self.baseline,
            min_dyads=max(10, self.survey.privacy.min_group_size),
        )

    @memoised
    def tandem_model(self, dyad: str, until: str | None = None) -> pd.DataFrame:
        """The mixed model with participants nested in dyads beside the
        participant-only one (sensitivity analysis); see :func:`impact.dyads.tandem_mixed_model`.

        Parameters
        ----------
        dyad : str
            The registry attribute that pairs participants.
        until : str, optional
            The last wave to include (a wave id); default every wave. The statistic is
            the one a report for that milestone shows.

        Returns
        -------
        DataFrame
            ``scale, wave, model, n_obs, n_participants, n_dyads, diff, diff_se, diff_df,
            diff_ci_low, diff_ci_high, diff_p, var_dyad, var_participant, var_residual``.
        """
        waves = self.waves_until(until) if until else self.survey.wave_ids
        return dyads.tandem_mixed_model(
            self._scores_until(until), self.attributes, dyad=dyad, waves=waves
        )

    @memoised
    def apim(self, dyad: str, member: str, until: str | None = None) -> pd.DataFrame:
        """Actor and partner effects from each scale's first wave to ``until`` for
        distinguishable dyads; see :func:`impact.dyads.apim`.

        Parameters
        ----------
        dyad : str
            The registry attribute that pairs participants.
        member : str
            The attribute that tells the members apart.
        until : str, optional
            The end wave (default the last).

        Returns
        -------
        DataFrame
            ``scale, start, end, n_dyads, member, effect, estimate, se, df, t, p_value,
            ci_low, ci_high, residual_sd, residual_correlation``.
        """
        end = until or self.survey.wave_ids[-1]
        return dyads.apim(
            self._scores_until(end),
            self.attributes,
            dyad=dyad,
            member=member,
            end=end,
            min_dyads=max(10, self.survey.privacy.min_group_size),
        )


def load_programme(
    survey_path: str | Path,
    *,
    definitions: tuple[Survey, dict[str, Instrument]] | None = None,
) -> Programme:
    """Load a survey definition and read, clean and score all its exports.

    Parameters
    ----------
    survey_path : str or Path
        ``surveys/<programme>/survey.yml``.
    definitions : (Survey, dict of Instrument), optional
        The definition as :func:`impact.definitions.load_survey` returned it, when the
        caller has loaded it already (it is then not read again).

    Returns
    -------
    Programme
    """
    survey_path = Path(survey_path)
    survey, instruments = definitions or load_survey(survey_path)
    cleaned = clean(survey, instruments, survey_path.parent)
    return Programme(
        survey=survey, instruments=instruments, base=survey_path.parent, cleaned=cleaned
    )


def save_programme(programme: Programme, path: str | Path) -> Path:
    """Write a loaded programme (definitions, cleaned and scored data) to ``path``, so
    other processes on this machine start from it instead of cleaning again.

    ``impact report`` saves the programme once per run: each worker of ``--all`` restores
    it (:func:`restore_programme`), and so may a cell of a researcher's own copy of the
    report notebook (``programme_file``). The file holds participant data: the report keeps
    it in a private temporary folder while the reports render, never beside them.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from impact.demo import DEMO_SURVEY
    >>> programme = load_programme(DEMO_SURVEY)
    >>> path = save_programme(programme, pathlib.Path(tempfile.mkdtemp()) / "demo.pickle")
    >>> restore_programme(path).scores.equals(programme.scores)
    True
    """
    path = Path(path)
    with open(path, "wb") as handle:
        pickle.dump(programme, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def restore_programme(path: str | Path) -> Programme:
    """A programme written by :func:`save_programme` (a file this toolkit wrote: pickle
    runs code, so never restore a file from elsewhere)."""
    with open(path, "rb") as handle:
        programme = pickle.load(handle)
    if not isinstance(programme, Programme):
        raise TypeError(f"{str(path)!r} does not hold a programme")
    return programme
