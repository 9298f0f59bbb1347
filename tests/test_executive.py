"""The executive summary: four to six plain sentences built from the results, first in
every report, with each outcome in its scale's units and range, meaningful change with a
Wilson CI, the cut-offs then and now, silo crossing, for whom change differed (groups of at
least k only) and one sentence on certainty."""

from __future__ import annotations

import re

import pytest
from statsmodels.stats.proportion import proportion_confint

from impact import fmt, sections

CASES = [
    (m, lang) for m in ("kickoff", "milestone-1", "milestone-2", "final") for lang in ("de", "en")
]


@pytest.mark.parametrize(("milestone", "language"), CASES)
def test_four_to_six_sentences_without_test_statistics(demo, milestone, language):
    sentences = sections.executive_summary(demo, milestone, language)
    assert 4 <= len(sentences) <= 6
    text = " ".join(sentences)
    assert not re.search(r"\bt\(\d+\)|\bp [=<]|d_z|d_av", text)  # the APA strings stay out
    assert sentences[-1].startswith(("Wie sicher", "How sure"))


@pytest.mark.parametrize(("milestone", "language"), CASES)
def test_every_outcome_named_comes_with_its_scales_range(demo, milestone, language):
    for sentence in sections.executive_summary(demo, milestone, language):
        for scale in sections.outcomes(demo):
            label = sections.scale_label(demo, scale, language)
            start = label[:-1] if label.endswith(")") else label
            if start in sentence:
                assert sections.scale_with_range(demo, scale, language) in sentence, sentence


def test_the_executive_summary_is_the_first_section_of_every_report(demo):
    for milestone in ("kickoff", "milestone-1", "final"):
        plan = sections.report_plan(demo, milestone)
        assert plan.loc[plan["included"], "section"].iloc[0] == "executive"
    page = sections.executive_html(demo, "final", "de")
    assert page.startswith("<div class='impact-executive'><h2>Auf einen Blick</h2><p>")


@pytest.mark.parametrize("milestone", ["kickoff", "final"])
def test_its_sentences_are_in_results_json(demo, milestone):
    document = sections.results(demo, milestone, "en")
    assert document["executive_summary"]["sentences"] == sections.executive_summary(
        demo, milestone, "en"
    )


def test_meaningful_change_is_shown_with_its_wilson_interval(demo):
    sentence = next(
        s for s in sections.executive_summary(demo, "final", "en") if "minimal important" in s
    )
    row = sections.meaningful_results(demo, "final").query("scale == 'who5'").iloc[0]
    low, high = proportion_confint(int(row["n_improved"]), int(row["n"]), method="wilson")
    share = fmt.percent(row["n_improved"] / row["n"], "en")
    assert f"{share} (95% CI [{fmt.percent(low, 'en')}, {fmt.percent(high, 'en')}])" in sentence


def test_cut_off_shares_are_counted_among_those_with_both_scores(demo):
    scores = demo.scores.query("scale == 'who5' and frame == 'now'")
    wide = scores.pivot_table(index="participant", columns="wave", values="score").dropna(
        subset=["kickoff", "final"]
    )
    row = sections.cutoff_shares(demo, "final").set_index("scale").loc["who5"]
    assert row["n"] == len(wide)
    assert row["share_then"] == pytest.approx((wide["kickoff"] <= 50).mean())
    assert row["share_now"] == pytest.approx((wide["final"] <= 50).mean())
    assert row["share_now"] < row["share_then"]


def test_silo_crossing_is_the_share_of_collaborators_from_other_sectors(demo):
    change = demo.ei_change("final").query("wave == 'final'").iloc[0]
    shares = sections.crossing_shares(demo, "final")
    assert shares["share_then"] == pytest.approx((change["ei_pre"] + 1) / 2)
    assert shares["share_now"] == pytest.approx((change["ei_post"] + 1) / 2)
    kickoff = sections.crossing_shares(demo, "kickoff")
    cohort = demo.cohort_ei("kickoff").iloc[0]
    assert kickoff["share_then"] == pytest.approx(
        cohort["external"] / (cohort["external"] + cohort["internal"])
    )


def test_for_whom_compares_only_groups_of_at_least_k_of_a_declared_breakdown(demo):
    groups = sections.differing_groups(demo, "final")
    k = demo.survey.privacy.min_group_size
    assert groups["by"] in sections.subgroup_attributes(demo)
    assert all(g["n"] >= k for g in groups["groups"])
    # a breakdown with a hidden group (the site abroad) is never the one described
    hidden = sections.subgroup_results(demo, "final").query("suppressed")["by"].unique()
    assert groups["by"] not in hidden
    sentence = next(s for s in sections.executive_summary(demo, "final", "de") if "ohne Test" in s)
    assert "„Mentee“ +9,9 Punkte" in sentence and "Mentor:in" in sentence
    assert sections.differing_groups(demo, "milestone-1") is None  # no subgroups before the end


def test_uncertain_changes_are_not_called_established(demo):
    sentence = sections.executive_summary(demo, "milestone-1", "en")[0]
    established = [
        r.scale
        for r in demo.change("milestone-1").query("wave == 'milestone-1'").itertuples()
        if sections.is_finding(r._asdict())
    ]
    assert established == ["competences"]
    assert sentence.endswith("only the change in competences is statistically established.")
