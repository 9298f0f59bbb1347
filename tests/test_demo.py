import hashlib
import shutil

import pandas as pd

from impact.definitions import SHIPPED_INSTRUMENTS
from impact.demo import DEMO_SURVEY, generate
from impact.io import read_export


def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path):
    copy = tmp_path / "demo"
    shutil.copytree(DEMO_SURVEY.parent, copy)
    written = generate(copy / "survey.yml")
    assert len(written) == 5
    for path in written:
        committed = DEMO_SURVEY.parent / path.relative_to(copy)
        assert (
            hashlib.sha256(path.read_bytes()).digest()
            == hashlib.sha256(committed.read_bytes()).digest()
        ), path.name


def test_another_seed_gives_another_cohort(tmp_path):
    copy = tmp_path / "demo"
    shutil.copytree(DEMO_SURVEY.parent, copy)
    generate(copy / "survey.yml", seed=1)
    assert (copy / "raw/kickoff.csv").read_bytes() != (
        DEMO_SURVEY.parent / "raw/kickoff.csv"
    ).read_bytes()


def test_cohort_is_shaped_like_the_programme(demo):
    registry = demo.registry
    assert 45 <= len(registry) <= 60
    assert registry["tandem"].nunique() == len(registry) // 2
    assert (registry["site"] == "Moshi").sum() == 2
    assert registry["sector"].nunique() >= 9
    pairs = registry.groupby("tandem")["sector"].nunique()
    assert (pairs == 2).all(), "every tandem crosses sectors"
    roles = registry.groupby("tandem")["role"].apply(sorted)
    assert all(r == ["mentee", "mentor"] for r in roles)


def test_attrition_and_missed_waves_are_realistic(demo):
    participation = demo.participation().set_index("wave")
    final_rate = participation.loc["final", "response_rate"]
    assert 0.80 <= final_rate <= 0.90
    kept = demo.cleaned.submissions.query("status == 'kept'")
    waves_per_person = kept.groupby("participant")["wave"].nunique()
    present = pd.crosstab(kept["participant"], kept["wave"]) > 0
    came_back = present["milestone-1"].eq(False) & present["final"]
    assert came_back.any(), "someone missed a milestone and came back"
    assert (waves_per_person < 4).sum() >= 8


def test_exports_say_they_are_synthetic():
    for path in DEMO_SURVEY.parent.glob("raw/*.csv"):
        table = read_export(path).table
        # SoSci's questionnaire id, LimeSurvey's referrer URL, Qualtrics' embedded data.
        marked = table.apply(lambda column: column.str.contains("synth_mentoring")).any(axis=1)
        assert marked.all(), path.name
    assert "SYNTHETIC" in DEMO_SURVEY.read_text(encoding="utf-8")
    assert "synthetic" in (DEMO_SURVEY.parent / "README.md").read_text(encoding="utf-8").lower()


def test_demo_has_every_shipped_instrument(demo):
    shipped = {p.stem for p in SHIPPED_INSTRUMENTS.glob("*.yml")}
    assert set(demo.instruments) == shipped
    answered = set(demo.responses.dropna(subset=["value"])["instrument"])
    assert answered == shipped - {"feedback"}  # free text has no numeric value


def test_demo_sdgs_and_feedback(demo):
    sdgs = demo.sdgs()
    assert set(sdgs["wave"].astype(str)) == {"final"} and len(sdgs) == 17
    assert (sdgs["n"] >= 0).all() and sdgs["n"].sum() >= sdgs["respondents"].iloc[0]
    feedback = demo.feedback()
    texts = " ".join(feedback["text"])
    assert "<script>alert(1)</script>" in texts
    assert "@example.org" in texts and "+49" in texts
    assert set(feedback["participant"]) <= set(demo.registry["participant"])
