"""Primary and secondary outcomes declared in survey.yml: Holm within each family."""

import pandas as pd
import pytest
import yaml

from impact import sections
from impact.change import adjust_p
from impact.definitions import load_survey
from impact.errors import DefinitionError
from impact.outcomes import outcomes_sentence
from impact.pipeline import load_programme


def _declare(survey_path, outcomes) -> None:
    data = yaml.safe_load(survey_path.read_text(encoding="utf-8"))
    data["outcomes"] = outcomes
    survey_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_without_a_declaration_every_outcome_is_one_family(demo):
    change = demo.change()
    assert "family" not in change.columns
    assert demo.outcome_families() is None and outcomes_sentence(demo, "en") is None
    final = change[change["wave"] == "final"]
    assert final["p_adjusted"].tolist() == pytest.approx(adjust_p(final)["p_adjusted"].tolist())


def test_primary_and_secondary_outcomes_are_corrected_within_their_family(demo_copy, demo):
    _declare(demo_copy, {"primary": ["who5", "swls"], "secondary": ["gse", "cantril"]})
    programme = load_programme(demo_copy)
    change = programme.change()
    before = demo.change()
    # The tests themselves are the same; only the correction differs.
    columns = ["scale", "wave", "n", "t", "p_value"]
    pd.testing.assert_frame_equal(change[columns], before[columns])
    for (wave, family), part in change.groupby(["wave", "family"], observed=True):
        expected = adjust_p(part.drop(columns=["p_adjusted"]))["p_adjusted"]
        assert part["p_adjusted"].tolist() == pytest.approx(expected.tolist()), (wave, family)
    families = change.drop_duplicates("scale").set_index("scale")["family"].to_dict()
    assert families["who5"] == families["swls"] == "primary"
    assert families["cantril_now"] == families["gse"] == "secondary"
    assert families["competences"] == "exploratory"
    # Adding a secondary outcome leaves the primary outcomes' adjusted p as they were.
    _declare(demo_copy, {"primary": ["who5", "swls"], "secondary": ["gse"]})
    fewer = load_programme(demo_copy).change().set_index(["scale", "wave"])
    primary = change[change["family"] == "primary"].set_index(["scale", "wave"])
    assert fewer.loc[primary.index, "p_adjusted"].tolist() == pytest.approx(
        primary["p_adjusted"].tolist()
    )


def test_the_methods_state_the_families(demo_copy):
    _declare(demo_copy, {"primary": ["who5"], "secondary": ["swls"]})
    programme = load_programme(demo_copy)
    english = outcomes_sentence(programme, "en")
    assert (
        f"primary {programme.scale_label('who5')};" in english
        and "secondary" in english
        and "exploratory" in english
    )
    assert programme.scale_label("swls", "de") in outcomes_sentence(programme, "de")
    assert english in sections.methods_paragraphs(programme, "final", "en")
    assert english not in sections.methods_paragraphs(programme, "kickoff", "en")


@pytest.mark.parametrize(
    ("outcomes", "message"),
    [
        (
            {"primary": ["who_5"]},
            r"outcomes.primary.0.*'who_5' is not an instrument or scale.*did you mean 'who5'",
        ),
        (
            {"primary": ["who5"], "secondary": ["who5"]},
            r"\['who5'\] are both primary and secondary",
        ),
        ({"secondary": ["who5"]}, r"outcomes.primary"),
    ],
)
def test_a_wrong_declaration_is_located(demo_copy, outcomes, message):
    _declare(demo_copy, outcomes)
    with pytest.raises(DefinitionError, match=message):
        load_survey(demo_copy)
