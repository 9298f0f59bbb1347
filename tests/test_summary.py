"""Snapshots of the generated summary, as easystats ``report`` tests its sentences.

The summary opens every report and is written from the results. The snapshots in
``tests/snapshots/summary_<milestone>_<language>.txt`` (one sentence a line) pin its exact
wording for the demo cohort in both languages; after a deliberate change of wording or
statistics, regenerate them with ``IMPACT_UPDATE_SNAPSHOTS=1 pytest tests/test_summary.py``
and review the diff. The other tests check that the sentences carry the API's numbers
and that their wording follows the uncertainty.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from impact import fmt, sections

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
CASES = [(m, lang) for m in ("kickoff", "milestone-1", "final") for lang in ("de", "en")]


@pytest.mark.parametrize(("milestone", "language"), CASES)
def test_summary_matches_its_snapshot(demo, milestone, language):
    sentences = sections.summary_sentences(demo, milestone, language)
    path = SNAPSHOTS / f"summary_{milestone}_{language}.txt"
    text = "\n".join(sentences) + "\n"
    if os.environ.get("IMPACT_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"regenerate {path.name} if intended"


@pytest.mark.parametrize("language", ["de", "en"])
def test_final_summary_covers_every_outcome_area(demo, language):
    t = {
        "de": ["Holm", "Jacobson", "vorher vs. damals", "E-I-Index", "Projekte", "Kommentar"],
        "en": ["Holm", "Jacobson", "pre vs then", "E–I index", "projects", "comment"],
    }[language]
    summary = " ".join(sections.summary_sentences(demo, "final", language))
    missing = [word for word in t if word not in summary]
    assert not missing


def test_kickoff_summary_has_the_baseline_classes_and_network_but_no_change(demo):
    summary = sections.summary_sentences(demo, "kickoff", "en")
    counts = demo.category_counts("cantril").query("wave == 'kickoff'").set_index("category")
    struggling = fmt.percent(counts.loc["struggling", "share"], "en")
    assert any(f"“struggling” {struggling}" in s for s in summary)
    # one person suffering, and the thriving share would give that person away
    assert any("“thriving” not shown, “suffering” not shown" in s for s in summary)
    assert any("E–I index" in s for s in summary)
    assert not any("points from the kick-off" in s for s in summary)


def test_summary_numbers_come_from_the_api(demo):
    summary = sections.summary_sentences(demo, "final", "de")
    change = demo.change("final").query("wave == 'final'")
    below = sum(sections.is_finding(row) for row in change.to_dict("records"))
    assert f"bei {below} von {len(change)} Zielgrößen statistisch gesichert" in " ".join(summary)
    ei = demo.ei_change("final").query("wave == 'final'").iloc[0]
    assert any(fmt.signed(ei["ei_diff"], 2, "de") in s for s in summary)
    then_post = demo.response_shift("final").set_index("comparison").loc["then_post"]
    assert any(fmt.signed(then_post["mean_diff"], 2, "de") in s for s in summary)


def test_progress_summary_has_no_final_only_sentences(demo):
    summary = " ".join(sections.summary_sentences(demo, "milestone-2", "en"))
    assert "Jacobson" not in summary and "projects" not in summary
    assert "Partnership quality" in summary and "no control group" in summary
    # what every milestone report carries: silo crossing, the early warning, feedback
    assert "E–I index" in summary and "Early warning" in summary
    assert "did not ask for written comments" in summary
