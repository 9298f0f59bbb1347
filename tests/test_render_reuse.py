"""A milestone's statistics are computed once, and each language's report starts from them."""

from __future__ import annotations

import pytest

from impact import pipeline, report, sections
from impact.demo import DEMO_SURVEY
from impact.pipeline import load_programme, restore_programme, save_programme


def _refuse_computing(*args, **kwargs):
    raise AssertionError("a statistic was computed again")


@pytest.fixture(scope="module")
def handed_to_reports(tmp_path_factory):
    """What :func:`impact.report.render_all`'s worker hands to the report of each language
    of the final milestone: the restored programme, by language."""
    folder = tmp_path_factory.mktemp("reuse")
    saved = save_programme(load_programme(DEMO_SURVEY), folder / "programme.pickle")
    handed = {}

    def capture(programme, milestone, language, output_dir, *, pdf, programme_file):
        handed[language] = restore_programme(programme_file)
        return report.RenderResult(milestone, language)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report, "render", capture)
        rendered = report._render_milestone(
            str(saved), "final", ["de", "en"], str(folder / "out"), False
        )
    return rendered, handed


def test_every_language_of_a_milestone_is_rendered(handed_to_reports):
    rendered, handed = handed_to_reports
    assert [(r.milestone, r.language, r.ok) for r in rendered] == [
        ("final", "de", True),
        ("final", "en", True),
    ]
    assert set(handed) == {"de", "en"}


@pytest.mark.parametrize("language", ["de", "en"])
def test_each_report_words_the_statistics_without_computing_them_again(
    handed_to_reports, language, monkeypatch
):
    _, handed = handed_to_reports
    programme = handed[language]
    # Every statistic of the programme goes through these module functions.
    for name in ("paired_change", "subgroup_change", "bayes_factors", "meaningful_change"):
        monkeypatch.setattr(pipeline, name, _refuse_computing)
    monkeypatch.setattr(pipeline.dyads, "tandem_mixed_model", _refuse_computing)
    monkeypatch.setattr(pipeline.longitudinal, "mixed_model_means", _refuse_computing)
    document = sections.results(programme, "final", language)
    assert document["language"] == language
    assert document["change"], "the final report has changes to word"


def test_the_words_are_those_of_statistics_computed_afresh(handed_to_reports):
    _, handed = handed_to_reports
    afresh = sections.results(load_programme(DEMO_SURVEY), "final", "en")
    reused = sections.results(handed["en"], "final", "en")
    afresh.pop("rendered"), reused.pop("rendered")
    assert reused == afresh
