import math

import pandas as pd
import pytest

from impact import fmt, sections
from impact.audit import category_leaks
from impact.errors import ReportError


def _row(diff, low, high):
    return {
        "scale": "who5",
        "wave": "final",
        "mean_diff": diff,
        "ci_low": low,
        "ci_high": high,
        "t": 2.0,
        "df": 40,
        "p_value": 0.01,
        "p_adjusted": 0.03,
        "d_z": 0.3,
        "n": 41,
    }


def test_wording_follows_the_confidence_interval(demo):
    improved = sections.change_sentence(demo, _row(7.3, 5.0, 9.6), "en")
    uncertain = sections.change_sentence(demo, _row(1.2, -1.0, 3.4), "en")
    declined = sections.change_sentence(demo, _row(-4.0, -6.0, -2.0), "de")
    assert improved.startswith("Well-being (WHO-5; range 0–100): on average +7.3 points")
    assert "minimal important change: 10 points" in improved
    assert "uncertain" in uncertain and "includes zero" in uncertain
    assert "Rückgang" in declined and "−4,0" in declined


def test_limitations_name_regression_to_the_mean_self_selection_and_the_closing_mood(demo):
    final = " ".join(sections.limitations(demo, "final", "en"))
    share = (sections.baseline_scores(demo, "who5") <= 50).mean()
    assert f"Regression to the mean: {fmt.percent(share, 'en')}" in final
    assert "Self-selection" in final and "Mood at the end" in final
    assert "Stimmung am Ende" not in " ".join(sections.limitations(demo, "milestone-1", "de"))


def test_a_change_is_a_finding_only_after_the_multiplicity_correction(demo):
    # Milestone 1: the well-being CI excludes zero, its Holm-corrected p does not stay below .05.
    row = demo.change("milestone-1").query("wave == 'milestone-1' and scale == 'who5'").iloc[0]
    assert row["ci_low"] > 0 and row["p_adjusted"] >= 0.05
    for language, claim in (("en", "the rise holds"), ("de", "der Anstieg ist")):
        sentence = sections.change_sentence(demo, row.to_dict(), language)
        assert claim not in sentence
    assert "nicht statistisch gesichert" in sections.change_sentence(demo, row.to_dict(), "de")
    assert not sections.is_finding(row.to_dict())
    held = _row(7.3, 5.0, 9.6) | {"p_adjusted": 0.2}
    assert "not statistically established" in sections.change_sentence(demo, held, "en")


@pytest.mark.parametrize("language", ["de", "en"])
def test_change_sentences_name_d_av_and_r_and_no_cohen_label(demo, language):
    for milestone in ("milestone-1", "final"):
        text = " ".join(sections.summary_sentences(demo, milestone, language))
        assert "d_av = " in text and ("r(pre, post)" in text or "r(vorher, nachher)" in text)
        for label in ("small", "medium", "large", "klein", "mittel", "groß"):
            assert f"{label} effect" not in text and f"{label}er Effekt" not in text
        assert "d_z = " not in text.split("Individu")[0]  # the headline is d_av, not d_z


def test_summary_opens_with_participation_and_ends_with_the_missing_control_group(demo):
    summary = sections.summary_sentences(demo, "milestone-1", "en")
    assert summary[0].startswith("46 of 52 registered participants")
    assert "no control group" in summary[-1]
    outcomes = demo.change(until="milestone-1").query("wave == 'milestone-1'")
    described = sections.described_outcomes(demo)
    # participation, one sentence per outcome, Holm, effect sizes, two per described outcome
    # (partnership quality and its early warning), silo crossing, feedback, who is
    # compared, control group
    assert len(summary) == 7 + len(outcomes) + 2 * len(described)
    assert any(s.startswith("Silo crossing") for s in summary)
    assert "did not ask for written comments" in summary[-3]
    assert summary[1 + len(outcomes)].startswith("After Holm's correction")
    assert summary[2 + len(outcomes)].startswith("Standardised change (d_av")


def test_kickoff_summary_reports_the_baseline_against_the_cut_off(demo):
    summary = sections.summary_sentences(demo, "kickoff", "de")
    assert any("Grenzwert von 50" in s for s in summary)


def test_cohort_table_suppresses_small_sectors(demo):
    table = sections.cohort_table(demo, "en")
    counts = table.set_index("Sector")["Participants"]
    small = counts.drop("other sectors")
    assert (small >= demo.survey.privacy.min_group_size).all()
    assert counts.sum() == len(demo.registry)


def test_tables_and_paragraphs_escape_html():
    import pandas as pd

    html = sections.html_table(pd.DataFrame({"x": ["<script>alert(1)</script>"]}))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert (
        sections.html_paragraphs(["a < b & <b>c</b>"])
        == "<p>a &lt; b &amp; &lt;b&gt;c&lt;/b&gt;</p>"
    )


def test_results_have_no_nan_and_no_participants(demo):
    results = sections.results(demo, "final")
    text = repr(results)
    assert "nan" not in text.lower().replace("'nan'", "")
    assert not any(code in text for code in demo.registry["participant"])
    assert all(
        not (isinstance(v, float) and math.isnan(v)) for r in results["change"] for v in r.values()
    )


@pytest.mark.parametrize("name", ["paired", "paired_ties"])
def test_d_z_interval_matches_r_non_central_t(name, reference):
    ref = reference[name]
    low, high = sections.dz_interval(ref["t_test"]["t"], ref["t_test"]["df"])
    assert (low, high) == pytest.approx(ref["d_z"]["ci_ncp_uniroot"], abs=1e-9)
    assert (low, high) == pytest.approx(ref["d_z"]["ci_effectsize"], abs=1e-6)


def test_effect_sizes_bracket_d_z_and_the_table_shows_them(demo):
    effects = sections.effect_sizes(demo, "final")
    change = demo.change(until="final")
    assert len(effects) == len(change.dropna(subset=["d_z"]))  # every outcome × later wave
    assert ((effects["ci_low"] < effects["d_z"]) & (effects["d_z"] < effects["ci_high"])).all()
    table = sections.change_table(demo, "final", "de")
    who5 = effects.query("scale == 'who5' and wave == 'final'").iloc[0]
    expected = fmt.interval(who5["ci_low"], who5["ci_high"], 2, "de")
    assert f"{fmt.number(who5['d_z'], 2, 'de')} {expected}" in table["d_z [95-%-KI]"].tolist()


def test_group_breakdowns_never_show_a_group_below_k(demo):
    k = demo.survey.privacy.min_group_size
    groups = sections.group_participation(demo, "final")
    shown = groups[~groups["suppressed"]]
    assert (shown["registered"] >= k).all()
    assert groups.loc[groups["suppressed"], ["registered", "responded"]].isna().all().all()
    # Moshi has two participants in the demo, so Marburg is the cohort minus two: "by
    # site" is not a breakdown and is left out
    assert "site" not in set(groups["attribute"]) and {"sector", "role"} <= set(groups["attribute"])
    table = sections.groups_table(demo, "final", "en")
    assert "Moshi (Tanzania)" not in table["Group"].tolist()
    for _, part in groups.groupby("attribute"):
        cells = [
            {"group": g, "n": n, "suppressed": pd.isna(n)}
            for g, n in zip(part["group"], part["registered"], strict=True)
        ]
        assert not category_leaks(cells, label="", k=k, total=len(demo.attributes))


def test_german_report_uses_german_sector_names(demo):
    table = sections.cohort_table(demo, "de")
    assert "Universität" in table["Sektor"].tolist()
    assert "university" not in table["Sektor"].tolist()


def test_baseline_bands_suppress_small_bands_and_add_up(demo):
    bands = sections.baseline_bands(demo, "who5")
    baseline = sections.baseline_scores(demo, "who5")
    k = demo.survey.privacy.min_group_size
    assert bands["n"].dropna().ge(k).all()
    shown = int(bands["n"].sum())
    assert shown <= len(baseline) and (shown == len(baseline)) == (not bands["suppressed"].any())


def test_small_baseline_bands_are_combined_with_their_neighbour_not_blanked(demo):
    # the demo's four kick-off participants at or below 28 join the band up to 50
    bands = sections.baseline_bands(demo, "who5")
    baseline = sections.baseline_scores(demo, "who5")
    assert not bands["suppressed"].any()
    assert bands[["band", "last_band"]].values.tolist() == [[0, 1], [2, 2]]
    assert bands["n"].tolist() == [int((baseline <= 50).sum()), int((baseline > 50).sum())]
    assert int((baseline <= 28).sum()) < demo.survey.privacy.min_group_size
    table = sections.baseline_bands_table(demo, "who5", "en")
    first, second = (b.label["en"] for b in demo.instrument_of("who5").bands[:2])
    assert table.iloc[0, 0] == f"{first} or {second} (0–50)"  # the range of both


def test_key_figures_carry_the_change_numbers(demo):
    figures = sections.key_figures(demo, "final", "en").set_index("key")
    change = demo.change().query("wave == 'final'").set_index("scale")
    assert figures.loc["change:who5", "number"] == pytest.approx(change.loc["who5", "mean_diff"])
    assert figures.loc["registered", "number"] == len(demo.registry)
    assert "change:who5" not in set(sections.key_figures(demo, "kickoff", "en")["key"])


def test_results_carry_every_shown_number(demo):
    results = sections.results(demo, "final", "de")
    assert {"key_figures", "groups", "cohort", "effect_sizes", "change", "scores"} <= set(results)
    assert results["kind"] == "final" and results["language"] == "de"
    kickoff = sections.results(demo, "kickoff", "en")
    assert "change" not in kickoff and set(kickoff["baseline_bands"]) == {"who5", "swls"}


def test_quotes_are_off_unless_enabled_and_then_scrubbed_and_escaped():
    answers = ["<script>alert('x')</script> Thanks, Jonas! jonas@example.org", None]
    assert sections.quotes_html(answers, names=["Jonas"], enabled=False) == ""
    html = sections.quotes_html(answers, names=["Jonas"], enabled=True)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Jonas" not in html and "example.org" not in html
    assert html.count("<blockquote") == 1


def test_a_milestone_without_responses_stops_with_a_clear_error(demo):
    import dataclasses

    submissions = demo.cleaned.submissions.copy()
    submissions.loc[submissions["wave"] == "milestone-2", "status"] = "excluded"
    empty = dataclasses.replace(
        demo, cleaned=dataclasses.replace(demo.cleaned, submissions=submissions)
    )
    with pytest.raises(ReportError, match="'milestone-2' has no responses"):
        sections.require_responses(empty, "milestone-2")
    sections.require_responses(demo, "milestone-2")


@pytest.mark.parametrize("language", ["de", "en"])
def test_methods_limitations_and_glossary_exist_in_both_languages(demo, language):
    # synthetic demo: five and self-selection; after the kick-off who stopped answering and
    # regression to the mean for the two scales with a cut-off; at the end the closing mood
    assert len(sections.limitations(demo, "final", language)) == 10
    assert len(sections.limitations(demo, "kickoff", language)) == 6
    assert "Kontrollgruppe" in sections.limitations(demo, "final", "de")[0]
    glossary = sections.glossary_table(demo, "final", language)
    assert len(glossary) == len(sections.GLOSSARY) and glossary.iloc[:, 1].str.len().gt(40).all()
    # The kick-off report compares nothing yet: no d_z, Holm or mixed model in its glossary.
    kickoff = sections.glossary_table(demo, "kickoff", language).iloc[:, 0].tolist()
    assert len(kickoff) < len(glossary)
    assert not {"d_z", "Holm correction", "Holm-Korrektur"} & set(kickoff)
    # scores, reliability, cut-offs, network, privacy
    assert len(sections.methods_paragraphs(demo, "kickoff", language)) == 5


# -- the statistics wired into the reports ---------------------------------------------------


def _fresh(programme, **changes):
    """A new Programme (empty cache) with the same data, optionally other definitions."""
    import dataclasses

    return dataclasses.replace(programme, **changes)


def _with_privacy(programme, **privacy):
    survey = programme.survey.model_copy(
        update={"privacy": programme.survey.privacy.model_copy(update=privacy)}
    )
    return _fresh(programme, survey=survey)


def test_each_statistic_is_computed_once_per_programme_and_arguments(demo, monkeypatch):
    import impact.pipeline

    calls = []
    original = impact.pipeline.paired_change

    def counting(*args, **kwargs):
        calls.append(kwargs.get("adjust"))
        return original(*args, **kwargs)

    monkeypatch.setattr(impact.pipeline, "paired_change", counting)
    programme = _fresh(demo)
    for language in ("de", "en"):
        sections.summary_sentences(programme, "final", language)
        sections.key_figures(programme, "final", language)
        sections.change_table(programme, "final", language)
        sections.methods_paragraphs(programme, "final", language)
        sections.results(programme, "final", language)
    assert calls == ["holm"], "change() computed once; positional and keyword share a result"
    first = programme.change("final")
    first.loc[:, "mean_diff"] = 99.0  # a caller changing its copy changes nothing for others
    assert (programme.change(until="final")["mean_diff"] != 99.0).all()
    programme.change("final", adjust="fdr_bh")
    assert calls == ["holm", "fdr_bh"]


def test_section_numbers_are_computed_once_per_programme_and_handed_out_as_copies(
    demo, monkeypatch
):
    import impact.sections.effects

    calls = []
    original = impact.sections.effects.described_outcomes

    def counting(programme):
        calls.append(1)
        return original(programme)

    monkeypatch.setattr(impact.sections.effects, "described_outcomes", counting)
    programme = _fresh(demo)
    first = sections.attrition_results(programme, "final")
    computed = len(calls)
    assert computed
    first.loc[:, "g"] = 99.0  # a caller changing its copy changes nothing for others
    again = sections.attrition_results(programme, milestone="final")
    assert len(calls) == computed, "positional and keyword arguments share one result"
    assert not (again["g"] == 99.0).any()
    assert not again.equals(sections.attrition_results(programme, "milestone-1"))
    assert len(calls) == 2 * computed
    outcomes = sections.outcomes(programme)
    outcomes.append("not a scale")
    assert "not a scale" not in sections.outcomes(programme)
    # a new programme (other definitions) starts afresh
    strict = _with_privacy(programme, min_group_size=50)
    assert sections.attrition_results(strict, "final")["suppressed"].all()


def test_profile_classes_add_up_and_hide_counts_below_k(demo):
    k = demo.survey.privacy.min_group_size
    table = sections.profile_classes(demo, "final")
    assert table["wave"].astype(str).unique().tolist() == demo.survey.wave_ids
    raw = demo.category_counts("cantril")
    merged = table.merge(raw, on=["wave", "category"], suffixes=("", "_raw"))
    primary = (merged["n_raw"] > 0) & (merged["n_raw"] < k)
    assert merged.loc[primary, "suppressed"].all()
    for _, part in merged.groupby("wave", observed=True):
        # a blanked class cannot be worked out from the total and the classes shown
        assert not category_leaks(part.to_dict("records"), label="", k=k)
    assert (
        merged.loc[~merged["suppressed"], "n"]
        .astype(int)
        .eq(merged.loc[~merged["suppressed"], "n_raw"])
        .all()
    )
    kickoff = sections.profile_classes(demo, "kickoff")
    assert set(kickoff["wave"].astype(str)) == {"kickoff"}
    german = sections.profile_classes_table(demo, "kickoff", "de")
    assert {"aufblühend", "kämpfend", "leidend"} <= set(german.columns)
    # one participant suffering at the kick-off: blanked, and so is a second class
    assert german.iloc[0].tolist().count("nicht ausgewiesen") == 2


def test_reliability_shows_the_first_wave_and_the_milestone(demo):
    table = sections.reliability_summary(demo, "milestone-2")
    who5 = table[table["scale"] == "who5"]
    assert who5["wave"].astype(str).tolist() == ["kickoff", "milestone-2"]
    partnership = table[table["scale"] == "partnership"]
    assert partnership["wave"].astype(str).tolist() == ["milestone-1", "milestone-2"]
    expected = demo.reliability().query("scale == 'who5' and wave == 'kickoff'").iloc[0]
    assert who5.iloc[0]["alpha"] == pytest.approx(expected["alpha"])
    text = sections.reliability_table(demo, "milestone-2", "de")["Reliabilität"].iloc[0]
    assert text.startswith("α = ,") and "ω_t = ," in text


def test_change_table_shows_holm_adjusted_p_and_wilcoxon(demo):
    change = demo.change("final")
    table = sections.change_table(demo, "final", "en")
    assert table["p (Holm)"].tolist() == [fmt.p_value(p, "en") for p in change["p_adjusted"]]
    assert all(w.startswith("V = ") and "r_rb = " in w for w in table["Wilcoxon signed-rank"])
    # Holm never makes a p-value smaller
    assert (change["p_adjusted"] >= change["p_value"] - 1e-15).all()


def test_partnership_is_described_per_milestone_not_compared_with_the_kick_off(demo):
    described = sections.described_outcomes(demo)
    assert described == ["partnership"]
    assert "partnership" not in set(demo.change("final")["scale"])
    sentences = sections.described_sentences(demo, "final", "en")
    summary = sections.score_summary(demo, "final").query("scale == 'partnership'")
    final = summary[summary["wave"] == "final"].iloc[0]
    assert len(sentences) == 1 and f"mean was {final['mean']:.2f}" in sentences[0]
    assert "Milestone 1" in sentences[0] and "from 1 to 5" in sentences[0]
    table = sections.described_table(demo, "final", "en")
    assert len(table) == len(summary) == 3


def test_mixed_model_is_shown_beside_the_completers_change(demo):
    table = sections.all_waves(demo, "final")
    model = demo.mixed_model("final").query("wave != 'kickoff' and scale == 'who5'")
    who5 = table[table["scale"] == "who5"]
    assert who5["wave"].tolist() == ["milestone-1", "milestone-2", "final"]
    assert who5["diff"].to_numpy() == pytest.approx(model["diff"].to_numpy())
    change = demo.change("final").set_index(["scale", "wave"])["n"]
    for row in table.itertuples():
        assert row.n_completers <= change[(row.scale, row.wave)]
    assert "partnership" not in set(table["scale"])


def test_attrition_hides_leavers_below_k_and_names_the_largest_difference(demo):
    results = sections.attrition_results(demo, "final")
    assert (results["n_leavers"] >= 5).all() and not results["suppressed"].any()
    sentence = sections.attrition_sentence(demo, "final", "en")
    largest = results.iloc[results["g"].abs().to_numpy().argmax()]
    assert f"g = {fmt.signed(largest['g'], 2, 'en').lstrip('+')}" in sentence
    assert ("had lower" in sentence) == (largest["g"] < 0)
    assert "can miss real differences" not in sentence
    strict = _with_privacy(demo, min_group_size=9)
    hidden = sections.attrition_results(strict, "final")
    assert hidden["suppressed"].all() and hidden["mean_leavers"].isna().all()
    assert sections.attrition_sentence(strict, "final", "en") is None
    assert set(sections.attrition_table(strict, "final", "en")["Left: kick-off mean"]) == {
        "not shown"
    }


def test_design_sensitivity_sentence_uses_the_smallest_sample(demo):
    table = sections.sensitivity_results(demo, "final")
    smallest = table.iloc[table["n"].to_numpy().argmin()]
    sentence = sections.sensitivity_sentence(demo, "final", "de")
    assert f"d_z = {smallest['min_d_z']:.2f}".replace(".", ",") in sentence
    assert f"{int(table['n'].min())} bis {int(table['n'].max())}" in sentence
    assert "80\u00a0%" in sentence
    assert any(
        p.startswith("Design sensitivity")
        for p in sections.methods_paragraphs(demo, "milestone-1", "en")
    )


def test_reliable_change_counts_add_up_and_hide_small_counts(demo):
    k = demo.survey.privacy.min_group_size
    table = sections.reliable_change_results(demo, "final")
    assert set(table["wave"]) == {"final"} and "participant" not in table.columns
    raw = demo.reliable_change_counts("final").query("wave == 'final'")
    merged = table.merge(raw, on=["scale", "wave", "kind", "category"], suffixes=("", "_raw"))
    assert len(merged) == len(table)
    assert merged.loc[(merged["n_raw"] > 0) & (merged["n_raw"] < k), "suppressed"].all()
    for _, part in merged.groupby(["scale", "kind"]):
        assert not category_leaks(part.to_dict("records"), label="", k=k)
    for _, part in merged.groupby(["scale", "kind"]):
        assert part["n_raw"].sum() == part["total"].iloc[0]
    assert set(table.loc[table["scale"] == "who5", "reliability_source"]) == {"definition"}
    assert set(table.loc[table["scale"] == "gse", "reliability_source"]) == {"baseline alpha"}
    clinical = sections.reliable_change_table(demo, "final", "en", kind="clinical_change")
    assert clinical["Scale"].tolist() == ["Well-being (WHO-5)", "Life satisfaction (SWLS)"]
    method = sections.reliable_change_method(demo, "final", "en")
    assert "Well-being (WHO-5) r_xx = .84 (published)" in method
    assert "Self-efficacy (GSE) r_xx = ." in method and "(kick-off alpha)" in method


def test_response_shift_only_where_then_ratings_exist(demo):
    assert sections.response_shift_results(demo, "milestone-2").empty
    table = sections.response_shift_results(demo, "final")
    assert table["comparison"].tolist() == ["pre_post", "then_post", "pre_then"]
    pre_then = table.set_index("comparison").loc["pre_then"]
    sentence = sections.response_shift_sentences(demo, "final", "en")[0]
    shifted = pre_then["ci_high"] < 0
    assert ("rated their start lower" in sentence) == shifted
    assert fmt.signed(pre_then["mean_diff"], 2, "en") in sentence


def test_uncertain_results_are_worded_as_uncertain(demo):
    programme = _fresh(demo)
    shift = demo.response_shift("final")
    shift[["ci_low", "ci_high"]] = [-0.5, 0.5]  # every interval now includes zero
    programme.response_shift = lambda wave=None: shift.copy()
    sentence = sections.response_shift_sentences(programme, "final", "en")[0]
    assert "the change is uncertain" in sentence and "no clear response shift" in sentence
    ei = demo.ei_change("final").assign(ci_low=-0.1)
    programme.ei_change = lambda until=None: ei.copy()
    sentence = sections.network_sentence(programme, "final", "de")
    assert "schließt die Null ein" in sentence


def test_collaboration_matrix_blanks_sectors_below_k(demo):
    k = demo.survey.privacy.min_group_size
    table = sections.collaboration_results(demo, "final")
    assert table["wave"].unique().tolist() == ["kickoff", "final"]
    shown = table[~table["suppressed"]]
    assert (shown["respondents"] >= k).all() and shown["mean_contacts"].notna().all()
    assert table.loc[table["suppressed"], ["respondents", "mean_contacts"]].isna().all().all()
    assert sections.collaboration_results(demo, "kickoff")["wave"].unique().tolist() == ["kickoff"]
    # silo crossing is the programme's point: every later report shows it then and now
    assert sections.collaboration_results(demo, "milestone-1")["wave"].unique().tolist() == [
        "kickoff",
        "milestone-1",
    ]


def test_silo_crossing_sentence_follows_the_bootstrap_interval(demo):
    change = demo.ei_change("final").query("wave == 'final'").iloc[0]
    sentence = sections.network_sentence(demo, "final", "en")
    assert ("index rose" in sentence) == (change["ci_low"] > 0)
    assert fmt.interval(change["ci_low"], change["ci_high"], 2, "en") in sentence
    kickoff = sections.network_sentence(demo, "kickoff", "en")
    cohort = demo.cohort_ei().query("wave == 'kickoff'").iloc[0]
    assert f"E–I index of {fmt.number(cohort['ei'], 2, 'en')}" in kickoff


def test_sdgs_are_counted_per_project(demo):
    table = sections.sdg_coverage(demo, "final")
    assert len(table) == 17 and not table["suppressed"].any()
    people = demo.sdgs("final").set_index("item")["n"]
    sizes = demo.registry.groupby("tandem").size()
    answered = int(table["answered"].iloc[0])
    assert answered <= demo.registry["tandem"].nunique()
    for row in table.itertuples():
        # a project counts once however many members ticked the goal
        assert people[row.item] / sizes.max() <= row.projects <= people[row.item]
    sentence = sections.sdg_sentence(demo, "final", "en")
    top = table.sort_values(["projects", "order"], ascending=[False, True]).iloc[0]
    assert f"({int(top['projects'])})" in sentence and sentence.startswith(f"{answered} projects")


def test_feedback_is_counted_and_quoted_only_when_enabled(demo):
    results = sections.feedback_results(demo, "final")
    comments = demo.feedback().query("wave == 'final'")
    assert results["comments"] == len(comments) > 0
    assert [r["theme"] for r in results["themes"]] == list(sections.THEMES)
    for theme in results["themes"]:
        assert 0 <= theme["comments"] <= len(comments)
    assert sections.feedback_quotes_html(demo, "final") == ""
    assert (
        sections.feedback_results(_with_privacy(demo, min_group_size=50), "final")["themes"] == []
    ), "no theme counts below k comments"
    quoting = _with_privacy(demo, quotes=True)
    html = sections.feedback_quotes_html(quoting, "final")
    assert html.count("<blockquote") == len(comments)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "@" not in html and "+49" not in html


def test_subgroups_hide_groups_below_k(demo):
    k = demo.survey.privacy.min_group_size
    table = sections.subgroup_results(demo, "final")
    # two Moshi participants: Marburg would be the cohort minus them, so no "by site"
    assert set(table["by"]) == {"sector_group", "role"}
    assert (table.loc[~table["suppressed"], "n"] >= k).all()
    assert table.loc[table["suppressed"], ["n", "mean_diff", "ci_low", "d_z"]].isna().all().all()
    wide = sections.subgroup_table(demo, "final", "en").set_index("Group")
    assert "Moshi (Tanzania)" not in wide.index


def test_results_carry_the_statistics_of_each_kind_of_report(demo):
    final = sections.results(demo, "final", "en")
    for key in (
        "reliability",
        "profile_classes",
        "all_waves",
        "attrition",
        "design_sensitivity",
        "reliable_change",
        "response_shift",
        "sdg_coverage",
        "feedback",
        "subgroups",
        "collaboration",
        "ei_index",
    ):
        assert final[key], key
    progress = sections.results(demo, "milestone-1", "en")
    assert "reliable_change" not in progress and "sdg_coverage" not in progress
    # silo crossing, the early warning and the feedback count are in every milestone report
    assert progress["ei_index"]["change"] and progress["collaboration"]
    assert progress["partnership_warning"] and progress["feedback"]["comments"] == 0
    kickoff = sections.results(demo, "kickoff", "en")
    assert "all_waves" not in kickoff and kickoff["ei_index"]["change"] == []
    change = final["ei_index"]["change"][0]
    assert change["ei_diff"] == pytest.approx(
        demo.ei_change().query("wave == 'final'").iloc[0]["ei_diff"]
    )
    shown = [r for r in final["reliable_change"] if r["n"] is not None]
    assert all(r["n"] >= 5 or r["n"] == 0 for r in shown)
    assert not any(code in repr(final) for code in demo.registry["participant"])


def test_a_statistic_that_cannot_be_estimated_is_named_not_fatal(demo):
    import numpy as np

    programme = _fresh(demo)

    def singular(until=None):
        raise np.linalg.LinAlgError("Singular matrix")

    original = programme.subgroup_change

    def failing(by, until=None):
        if by == "role":
            raise ValueError("The function value at x=-12.3 is NaN; solver cannot continue.")
        return original(by, until)

    programme.mixed_model = singular
    programme.subgroup_change = failing
    assert sections.all_waves(programme, "final").empty
    assert sections.subgroups_not_estimated(programme, "final") == ["role"]
    table = sections.subgroup_table(programme, "final", "en")
    assert table.iloc[-1]["Group"].startswith("could not be estimated")
    assert "role" not in set(sections.subgroup_results(programme, "final")["by"])
    results = sections.results(programme, "final", "en")
    assert results["all_waves"] == [] and results["subgroups_not_estimated"] == ["role"]
