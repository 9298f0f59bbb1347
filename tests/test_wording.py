"""The report's wording as a German psychologist and a careful evaluator would have it.

Every text a report shows (summary, limitations, methods, glossary, tables) is gathered for
each demo milestone in both languages and checked for wordings that say the wrong thing:
an interval that "contains no change" (the opposite of what is meant), counts that do not
agree with their verb, waves without their article, "recovered" for a non-clinical cohort,
Cohen's labels on d_z, hyphens for minus signs, and the style of gender-inclusive German.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from impact import fmt, sections

MILESTONES = ("kickoff", "milestone-1", "milestone-2", "final")


def _texts(programme, milestone: str, language: str) -> list[str]:
    texts = [
        *sections.summary_sentences(programme, milestone, language),
        *sections.limitations(programme, milestone, language),
        *sections.methods_paragraphs(programme, milestone, language),
    ]
    tables = [sections.glossary_table(programme, milestone, language)]
    if milestone != "kickoff":
        tables += [
            sections.change_table(programme, milestone, language),
            sections.reliable_change_table(programme, milestone, language),
        ]
    for scale in sections.baseline_instruments(programme):
        tables.append(sections.baseline_bands_table(programme, scale, language))
    tables.append(sections.groups_table(programme, milestone, language))
    for table in tables:
        texts += [str(c) for c in table.columns]
        texts += [str(v) for v in table.astype(str).to_numpy().ravel()]
    texts += [fmt.texts(language)[k] for k in ("category_recovered", "clinical_change_text")]
    return texts


@pytest.fixture(scope="module")
def german(demo):
    return {m: " ".join(_texts(demo, m, "de")) for m in MILESTONES}


@pytest.fixture(scope="module")
def english(demo):
    return {m: " ".join(_texts(demo, m, "en")) for m in MILESTONES}


@pytest.mark.parametrize(
    "wrong",
    [
        "schließt keine Veränderung ein",  # reads as "contains no change"
        "bleiben 1 der",  # count and verb disagree
        "vom Auftakt bis Abschluss",  # a wave without its article
        "zum Zeitpunkt Auftakt",
        "Zeitpunkt Abschluss",
        "Mehr der Zusammenarbeit",
        "waren aufblühend",
        "genesen",  # recovery is a clinical word; the cohort is not a clinical sample
        "Mentor/in",
        "Schülerinnen und Schüler",
        "Investoren",
        "der Partnerin bzw. des Partners",
        "Wirkungsbericht",  # the report says the change cannot be attributed to the programme
    ],
)
def test_no_german_report_text_contains(german, wrong):
    assert not [m for m, text in german.items() if wrong in text]


@pytest.mark.parametrize(
    "wrong",
    [
        "includes no change",
        "recovered",
        "Impact report",
        "can miss real differences",
        "do not drive the results",
        "understates the learning.",
    ],
)
def test_no_english_report_text_contains(english, wrong):
    assert not [m for m, text in english.items() if wrong in text]


def test_german_labels_follow_the_programmes_colon_style(demo, german):
    assert demo.survey.language_style == "colon"
    labels = sections.groups_table(demo, "final", "de").astype(str).to_numpy().ravel()
    assert "Mentor:in" in " ".join(labels)
    assert not re.search(r"\w/in\b|\w\*innen", german["final"])


def test_the_language_style_rewrites_the_definitions_labels(demo):
    survey = demo.survey.model_copy(update={"language_style": "paired"})
    styled = dataclasses.replace(demo, survey=survey)
    assert sections.attribute_label(styled, "role", "mentor", "de") == "Mentorin oder Mentor"
    assert sections.attribute_label(styled, "role", "mentor", "en") == "Mentor"


@pytest.mark.parametrize("language", ["de", "en"])
def test_minus_signs_are_true_minus_signs(german, english, language):
    text = (german if language == "de" else english)["milestone-1"]
    assert "−0,05" in text or "−0.05" in text
    assert not re.search(r"(?<![\w-])-\d", text)  # a hyphen before a digit is a wrong minus


def test_no_cohen_label_is_attached_to_d_z(german, english):
    cohen = re.compile(
        r"(kleiner|mittlerer|großer) Effekt|(small|medium|large) effect|0[,.]2 (gilt|is)"
        r"|gilt üblicherweise als klein|conventionally small"
    )
    for text in [*german.values(), *english.values()]:
        assert not cohen.search(text)


def test_band_labels_state_their_range(demo):
    for language, expected in (
        ("de", "geringes Wohlbefinden (über 28 bis 50)"),
        ("en", "poor well-being (above 28 to 50)"),
    ):
        assert expected in sections.band_labels(demo, "who5", language)
    assert not any("≤" in label for label in sections.band_labels(demo, "who5", "de"))


def test_sdgs_are_self_reported_alignment(german, english):
    assert "selbst eingeschätzte Ausrichtung" in german["final"]
    assert "self-reported alignment" in english["final"]
    assert "Beitrag zu den Nachhaltigkeitszielen" not in german["final"]


def test_response_shift_is_worded_as_a_possibility(german, english):
    assert "kann eine Antwortverschiebung" in german["final"]
    assert "may be a response shift" in english["final"]


def test_the_kick_off_e_i_index_is_explained_where_it_differs(demo, german):
    kickoff = sections.network_sentence(demo, "kickoff", "de")
    final = sections.network_sentence(demo, "final", "de")
    start = re.search(r"Index der Kohorte von (\S+)", kickoff).group(1)
    assert f"betrug er {start}" in final


def test_html_shows_subscripts():
    page = sections.html_paragraphs(["d_z = 0,4; d_av = 0,2; r_rb = ,7"])
    assert "d<sub>z</sub>" in page and "d<sub>av</sub>" in page and "_" not in page
