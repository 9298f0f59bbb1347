"""Goals against results, as data, and the evaluator's commentary as safe Markdown."""

from __future__ import annotations

import dataclasses

import pytest

from impact import fmt, sections
from impact.errors import DefinitionError
from impact.scaffold import new_programme


def test_verdicts_follow_the_interval_not_the_point_estimate(demo):
    goals = sections.goal_results(demo, "final").set_index("goal")
    targets = {g.id: g.target for g in demo.survey.goals}
    for goal, row in goals.iterrows():
        if row["verdict"] == "met":
            assert row["ci_low"] >= targets[goal]
        elif row["verdict"] == "not_met":
            assert row["ci_high"] < targets[goal]
        else:
            assert row["ci_low"] < targets[goal] <= row["ci_high"]
    assert set(goals["verdict"]) == {"met", "not_met", "unclear"}  # the demo shows all three


def test_each_indicator_is_the_number_the_report_shows_elsewhere(demo):
    goals = sections.goal_results(demo, "final").set_index("goal")
    change = demo.change("final").query("wave == 'final'").set_index("scale")
    assert goals.loc["competences", "estimate"] == pytest.approx(
        change.loc["competences", "mean_diff"]
    )
    mic = sections.meaningful_results(demo, "final").set_index("scale").loc["who5"]
    assert goals.loc["wellbeing", "estimate"] == pytest.approx(mic["share_improved"])
    ei = demo.ei_change("final").query("wave == 'final'").iloc[0]
    assert goals.loc["silos", "ci_low"] == pytest.approx(ei["ci_low"])


def test_milestone_reports_show_progress_and_the_kick_off_no_goals(demo):
    progress = sections.goals_table(demo, "milestone-1", "de")
    assert "Zwischenstand" in progress.columns and "Bewertung" not in progress.columns
    assert "Bewertung" in sections.goals_table(demo, "final", "de").columns
    assert sections.goal_results(demo, "kickoff").empty
    assert not sections.includes(demo, "kickoff", "goals")
    assert sections.includes(demo, "final", "goals")


def test_a_goal_on_an_unmeasured_scale_names_the_file_and_key(demo):
    goal = demo.survey.goals[0].model_copy(update={"scale": "nonexistent"})
    survey = demo.survey.model_copy(update={"goals": [goal]})
    broken = dataclasses.replace(demo, survey=survey)  # a new instance: no cached results
    with pytest.raises(DefinitionError, match="does not measure") as error:
        sections.goal_results(broken, "final")
    assert error.value.key == "goals[0].scale"


def test_goals_are_in_results_json(demo):
    assert [g["goal"] for g in sections.results(demo, "final", "en")["goals"]] == [
        g.id for g in demo.survey.goals
    ]


def test_commentary_is_safe_markdown():
    page = sections.commentary_markup(
        "# Title\n\n<img src=x onerror=alert(1)> **bold** [x](javascript:alert(1)) ![p](http://a/b.png)"
    )
    assert "<h3>Title</h3>" in page and "<strong>bold</strong>" in page
    assert "<img" not in page and "&lt;img" in page
    assert 'href="javascript' not in page


def test_the_demos_final_report_has_the_evaluators_commentary(demo):
    page = sections.commentary_html(demo, "final", "de")
    assert page is not None and "<h3>Empfehlungen</h3>" in page
    assert sections.commentary_html(demo, "milestone-1", "de") is None  # none written


def test_new_programme_scaffolds_an_empty_commentary_per_report(tmp_path):
    path = new_programme("youth", root=tmp_path, instruments=["who5"])
    files = sorted(p.name for p in path.parent.glob("commentary-*.md"))
    assert files == sorted(
        f"commentary-{w}.{lang}.md"
        for w in ("kickoff", "milestone-1", "final")
        for lang in ("de", "en")
    )
    assert all((path.parent / f).read_text() == "" for f in files)


def test_the_report_writes_no_recommendation_of_its_own(demo):
    for language, word in (("de", "empfehl"), ("en", "recommend")):
        for milestone in ("kickoff", "milestone-1", "final"):
            texts = [
                *sections.executive_summary(demo, milestone, language),
                *sections.summary_sentences(demo, milestone, language),
                *sections.limitations(demo, milestone, language),
            ]
            assert not any(word in s.lower() for s in texts)
    assert "keine Empfehlungen" in fmt.texts("de")["commentary_missing"]
