"""What each report carries for its moment: norms beside the cohort, the partnership's early
warning, silo crossing and feedback in every milestone report, a glossary and appendix of
only what the report contains, the cohort in the final report, d_av in the effect figure,
a goals table that fits the page, and the index page's headlines.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from impact import fmt, sections
from impact.definitions import Norm, load_instrument
from impact.errors import DefinitionError
from impact.layout import PORTRAIT_TABLE_CHARACTERS, table_width
from impact.report import write_index

INSTRUMENTS = Path(__file__).resolve().parent.parent / "impact" / "instruments"

# A made-up norm for the tests only (no instrument of the package carries it): published on
# the WHO-5 manual's raw sum 0–25, which the report converts onto its 0–100.
TEST_NORM = Norm(
    mean=15.0,
    sd=5.0,
    n=2000,
    country="DE",
    sample={"de": "Testbevölkerung", "en": "test population"},
    citation="Test et al., 2000",
    source="Test, A., & Norm, B. (2000). A norm made up for the tests. Journal of Tests, 1, 1–2.",
    url="https://example.org/test-norm",
    metric_min=0,
    metric_max=25,
)


@pytest.fixture(scope="module")
def normed(demo):
    """The demo with the made-up norm on the WHO-5 (a new instance: no cached results)."""
    who5 = demo.instruments["who5"].model_copy(update={"norms": [TEST_NORM]})
    return dataclasses.replace(demo, instruments={**demo.instruments, "who5": who5})


# -- norms -------------------------------------------------------------------------------------
def test_a_norm_on_another_metric_is_converted_and_the_report_says_so(normed):
    assert sections.converted_norm(TEST_NORM, (0.0, 100.0)) == (60.0, 20.0, 4.0)
    table = sections.norm_comparison(normed, "final")
    assert table["wave"].tolist() == ["kickoff", "final"]
    summary = sections.score_summary(normed, "final").set_index(["scale", "wave"])
    for row in table.itertuples():
        assert row.norm_mean == 60.0 and row.norm_sd == 20.0 and row.norm_factor == 4.0
        assert row.mean == pytest.approx(summary.loc[("who5", row.wave), "mean"])
        assert row.ci_low < row.mean < row.ci_high and row.norm_n == 2000
    for language in ("de", "en"):
        sentence = sections.norms_sentences(normed, "final", language)[0]
        assert sections.scale_with_range(normed, "who5", language) in sentence
        assert "Test et al., 2000" in sentence and fmt.number(60.0, 1, language) in sentence
        assert {"de": "Faktor 4", "en": "factor of 4"}[language] in sentence
        assert "0–25" in sentence or "0 to 25" in sentence
    shown = sections.norms_table(normed, "kickoff", "de")
    assert len(shown) == 1 and "60,0 ± 20,0" in shown.iloc[0].tolist()


def test_norms_are_in_the_kickoff_and_final_reports_results_and_references(normed, demo):
    assert sections.includes(normed, "kickoff", "norms") and sections.includes(
        normed, "final", "norms"
    )
    assert not sections.includes(normed, "milestone-1", "norms")
    document = sections.results(normed, "final", "en")
    assert [r["wave"] for r in document["norms"]] == ["kickoff", "final"]
    assert document["norms"][0]["norm_url"] == "https://example.org/test-norm"
    assert TEST_NORM.source in sections.references(normed, "final")
    # the demo itself ships no norm: none could be read in its publication (see the docs)
    assert not sections.normed_scales(demo) and "norms" not in sections.results(demo, "final")
    sentence = sections.not_collected_sentence(demo, "final", "en") or ""
    assert "norms" not in sentence.lower(), "norms are no data a programme collects"


def test_a_cohort_mean_below_k_is_not_shown_beside_the_norm(normed):
    privacy = normed.survey.privacy.model_copy(update={"min_group_size": 60})
    strict = dataclasses.replace(
        normed, survey=normed.survey.model_copy(update={"privacy": privacy})
    )
    table = sections.norm_comparison(strict, "kickoff")
    assert table["suppressed"].all() and table["mean"].isna().all()
    assert "nicht gezeigt" in sections.norms_sentences(strict, "kickoff", "de")[0]


def test_a_norm_in_an_instrument_file_is_validated(tmp_path):
    text = (INSTRUMENTS / "who5.yml").read_text(encoding="utf-8")
    norm = (
        "norms:\n  - {mean: 15, sd: 5, n: 100, country: DE, sample: {de: x, en: x}, "
        "citation: 'X, 2000', source: 'X. (2000).', metric_min: 0}\n"
    )
    path = tmp_path / "who5.yml"
    path.write_text(text + norm, encoding="utf-8")
    with pytest.raises(DefinitionError, match="metric_min' and 'metric_max") as error:
        load_instrument(path)
    assert str(error.value.file) == str(path) and error.value.key == "norms.0"
    path.write_text(text + norm.replace("metric_min: 0", "metric_min: 0, metric_max: 25"))
    assert load_instrument(path).norms[0].metric_max == 25


# -- the partnership's early warning ----------------------------------------------------------
def test_the_share_below_the_midpoint_has_a_ci_and_protects_both_counts(demo):
    table = sections.below_midpoint(demo, "final")
    assert table["wave"].tolist() == ["milestone-1", "milestone-2", "final"]
    k = demo.survey.privacy.min_group_size
    scores = demo.scores.query("scale == 'partnership' and frame == 'now'").dropna(subset=["score"])
    for row in table.itertuples():
        values = scores.loc[scores["wave"] == row.wave, "score"]
        below = int((values < 3).sum())
        assert row.midpoint == 3 and row.n == len(values)
        if 0 < below < k or 0 < len(values) - below < k:
            assert row.suppressed and row.share != row.share and row.few in ("below", "above")
        else:
            assert not row.suppressed and row.share == pytest.approx(below / len(values))
            assert row.ci_low <= row.share <= row.ci_high


def test_every_milestone_report_carries_the_early_warning(demo):
    for milestone in ("milestone-1", "milestone-2", "final"):
        assert sections.includes(demo, milestone, "partnership")
        for language, word in (("de", "Frühwarnzeichen"), ("en", "Early warning")):
            sentences = sections.midpoint_sentences(demo, milestone, language)
            assert len(sentences) == 1 and sentences[0].startswith(word)
            assert "Skala 1–5" in sentences[0] or "range 1–5" in sentences[0]
    # few below the midpoint at milestone 1: the executive summary says "fewer than k"
    summary = sections.executive_summary(demo, "milestone-1", "en")
    assert len(summary) <= 6
    warning = next(s for s in summary if s.startswith("Early warning"))
    assert "fewer than 5 of the 46 respondents" in warning
    assert not any(
        s.startswith("Early warning") for s in sections.executive_summary(demo, "final", "en")
    )


# -- silo crossing, feedback, cohort ---------------------------------------------------------
@pytest.mark.parametrize("milestone", ["milestone-1", "milestone-2"])
def test_every_milestone_report_shows_silo_crossing_and_feedback_in_its_body(demo, milestone):
    assert sections.includes(demo, milestone, "network") and sections.includes(
        demo, milestone, "feedback"
    )
    for language in ("de", "en"):
        sentence = sections.network_sentence(demo, milestone, language)
        assert sentence and sections.wave_label(demo, milestone, language) in sentence
        assert "95" in sentence  # the bootstrap CI of the change
        feedback = sections.feedback_sentence(demo, milestone, language)
        assert sections.wave_label(demo, milestone, language) in feedback
    # the demo asks for comments at the closing event only, and says so along the way
    assert not sections.feedback_asked(demo, milestone) and sections.feedback_asked(demo, "final")
    assert "did not ask" in sections.feedback_sentence(demo, milestone, "en")
    assert sections.feedback_results(demo, milestone) == {"comments": 0, "themes": []}
    assert sections.feedback_sentence(demo, "final", "en").startswith("7 participants")


def test_the_final_report_describes_its_cohort(demo):
    assert sections.includes(demo, "final", "cohort") and sections.includes(
        demo, "kickoff", "cohort"
    )
    assert not sections.includes(demo, "milestone-1", "cohort")


# -- glossary and appendix of what the report contains -------------------------------------------
@pytest.mark.parametrize("milestone", ["kickoff", "milestone-1", "final"])
def test_the_glossary_explains_only_terms_of_included_sections(demo, milestone):
    plan = sections.report_plan(demo, milestone)
    included = set(plan.loc[plan["included"], "section"])
    used = {t for s in sections.SECTIONS if s.id in included for t in s.terms} | {"suppression"}
    terms = sections.glossary_terms(demo, milestone)
    assert set(terms) <= used
    if milestone == "kickoff":
        assert not {"holm", "mixed_model", "response_shift", "d_z", "mic", "midpoint"} & set(terms)


def test_the_kickoff_appendix_lists_no_later_wave(demo):
    rows, decisions = sections.quality_tables(demo, "kickoff", "en")
    assert rows["Wave"].tolist() == ["Kick-off"]
    log = demo.cleaned.log
    assert decisions.iloc[:, 1].sum() == int((log["wave"].astype(str) == "kickoff").sum())
    document = sections.results(demo, "kickoff", "en")
    assert {r["wave"] for r in document["accounting"]} == {"kickoff"}
    assert sum(document["cleaning_decisions"].values()) == decisions.iloc[:, 1].sum()
    final_rows, _ = sections.quality_tables(demo, "final", "en")
    assert len(final_rows) == len(demo.accounting())


def test_results_in_detail_are_part_of_the_appendix(demo):
    order = [s.id for s in sections.SECTIONS]
    assert order.index("appendix") < order.index("summary") < order.index("glossary")
    parts = sections.report_parts(demo, "final", "en")
    appendix = parts.index(sections.heading(fmt.text("section_appendix", "en")))
    summary = parts.index(sections.heading(fmt.text("section_summary", "en"), 3))
    sentences = sections.html_paragraphs(sections.summary_sentences(demo, "final", "en"))
    assert appendix < summary < parts.index(sentences)
    assert parts.count(sentences) == 1


# -- the effect-size figure and the goals table -------------------------------------------------
def test_the_effect_figure_plots_d_av_not_d_z(demo):
    data = sections.effect_plot_data(demo, "final", "en")
    change = demo.change(until="final").set_index(["scale", "wave"])
    effects = sections.effect_sizes(demo, "final")
    assert len(data) == len(effects)
    who5 = data[(data["label"] == "Well-being (WHO-5)") & (data["wave_label"] == "Closing event")]
    assert who5["estimate"].iloc[0] == pytest.approx(change.loc[("who5", "final"), "d_av"])
    assert who5["estimate"].iloc[0] < change.loc[("who5", "final"), "d_z"] / 1.5
    for language in ("de", "en"):
        t = fmt.texts(language)
        assert "d_av" in t["figure_effects"] and "d_z" not in t["figure_effects"]
        assert "d_z" not in t["alt_effects"] and "(dₐᵥ)" in t["axis_d_av"]


def test_a_figure_caption_sets_the_subscript():
    import matplotlib.pyplot as plt

    from impact import plots

    figure, _ = plt.subplots()
    page = plots.figure_html(figure, alt="d_av plot", caption="Change (d_av) & more")
    assert "<figcaption>Change (d<sub>av</sub>) &amp; more</figcaption>" in page
    assert 'alt="d_av plot"' in page


@pytest.mark.parametrize("milestone", ["milestone-1", "milestone-2", "final"])
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_goals_table_fits_the_body_and_its_indicators_are_said(demo, milestone, language):
    table = sections.goals_table(demo, milestone, language)
    html = BeautifulSoup(sections.html_table(table), "html.parser").find("table")
    assert table_width(html) <= PORTRAIT_TABLE_CHARACTERS
    sentence = sections.goals_indicators_sentence(demo, milestone, language)
    for goal in demo.survey.goals:
        assert goal.outcome[language] in sentence
    assert sections.scale_with_range(demo, "who5", language) in sentence


# -- the index page ------------------------------------------------------------------------------
def test_the_headline_is_short_and_names_the_scale_range(demo):
    for language in ("de", "en"):
        headline = sections.executive_headline(demo, "final", language)
        assert sections.scale_with_range(demo, "who5", language) in headline
        assert {"de": "+8,3 Punkte", "en": "+8.3 points"}[language] in headline
        assert {"de": "47 % gewannen", "en": "47% gained"}[language] in headline.replace(
            "\xa0", " "
        )
        assert len(headline) < 120
        assert (
            sections.results(demo, "final", language)["executive_summary"]["headline"] == headline
        )
    kickoff = sections.executive_headline(demo, "kickoff", "de")
    assert kickoff == sections.executive_summary(demo, "kickoff", "de")[0]


def test_the_index_has_a_table_per_language_with_headlines_and_links(demo, tmp_path):
    for milestone in ("kickoff", "final"):
        for language in ("de", "en"):
            name = f"{milestone}_{language}"
            document = sections.results(demo, milestone, language)
            (tmp_path / f"{name}.results.json").write_text(json.dumps(document, default=str))
            for suffix in (".html", ".pdf"):
                (tmp_path / f"{name}{suffix}").write_text("x")
    page = write_index(tmp_path, "Demo").read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "html.parser")
    parts = soup.find_all("section")
    assert [p["lang"] for p in parts] == ["de", "en"]
    german, english = parts
    assert german.h2.string == "Berichte" and english.h2.string == "Reports"
    assert [th.string for th in german.find_all("th")][:3] == [
        "Bericht",
        "Stand der Erhebung",
        "Das Wichtigste",
    ]
    rows = german.find_all("tr")[1:]
    assert rows[0].td.get_text() == "Bericht zur Ausgangslage – Auftakt"
    assert rows[1].td.get_text() == "Abschlussbericht – Abschluss"
    wave_date = demo.survey.wave("final").date
    assert fmt.date(wave_date, "de") in rows[1].get_text()
    assert fmt.date(wave_date, "en") in english.find_all("tr")[2].get_text()
    final = json.loads((tmp_path / "final_de.results.json").read_text())
    assert final["executive_summary"]["headline"] in rows[1].get_text()
    links = [a["href"] for a in rows[1].find_all("a")]
    assert links == ["final_de.html", "final_de.html", "final_de.pdf", "final_de.results.json"]
    # the index carries nothing the reports do not: every cell is a report's label or number
    assert not any(code in page for code in demo.registry["participant"]), "no participant code"
    shutil.rmtree(tmp_path)


def test_the_demo_copy_brings_the_evaluators_commentary(tmp_path):
    from impact.demo import DEMO_SURVEY, write_demo_programme

    survey = write_demo_programme(tmp_path / "programme")
    shipped = sorted(p.name for p in DEMO_SURVEY.parent.glob("commentary-*.md"))
    assert shipped and sorted(p.name for p in survey.parent.glob("commentary-*.md")) == shipped
