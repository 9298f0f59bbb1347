"""The scaled demo generator: any size, the demo's structure, every row accounted for."""

import pandas as pd
import pytest

from impact.clean import accounting
from impact.demo import generate
from impact.pipeline import load_programme


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scaled")
    written = generate(participants=300, out=folder, seed=11)
    return load_programme(written[-1])


def test_scaled_programme_accounts_for_every_raw_row(scaled):
    table = accounting(scaled.cleaned)
    assert (table["raw_rows"] == table["kept"] + table["excluded"]).all()
    assert len(scaled.cleaned.submissions) == table["raw_rows"].sum()
    excluded = scaled.cleaned.submissions.query("status == 'excluded'")
    assert excluded["reason"].notna().all()
    # The demo's mess recurs in proportion: duplicates, incomplete forms, typo-matched keys.
    assert {"duplicate", "incomplete"} <= set(excluded["reason"])
    assert (scaled.cleaned.log["rule"] == "key_typo_matched").sum() >= 3


def test_scaled_programme_has_the_demos_structure(scaled, demo):
    assert len(scaled.registry) == 300
    assert set(scaled.instruments) == set(demo.instruments)
    assert scaled.survey.wave_ids == demo.survey.wave_ids
    tools = [p.format for p in scaled.cleaned.provenance]
    assert tools == [p.format for p in demo.cleaned.provenance]
    assert tools[1:] == ["sosci", "limesurvey", "qualtrics", "sosci"]
    assert set(scaled.scores["scale"]) == set(demo.scores["scale"])
    assert set(scaled.registry["sector"]) == set(demo.registry["sector"])
    pairs = scaled.registry.groupby("tandem")["sector"].nunique()
    assert (pairs >= 2).all(), "every tandem crosses sectors"
    rate = scaled.participation().set_index("wave")["response_rate"]
    assert 0.80 <= rate["final"] <= 0.90


def test_scaled_generator_is_deterministic(tmp_path):
    first = generate(participants=60, out=tmp_path / "a", seed=5)
    second = generate(participants=60, out=tmp_path / "b", seed=5)
    other = generate(participants=60, out=tmp_path / "c", seed=6)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert first[0].read_bytes() != other[0].read_bytes()


@pytest.mark.parametrize("container", ["xlsx", "sav"])
def test_excel_and_spss_copies_give_the_same_scores(tmp_path, container):
    csv_survey = generate(participants=80, out=tmp_path / "csv", seed=3)[-1]
    other = generate(participants=80, out=tmp_path / container, seed=3, container=container)
    assert all(p.suffix == f".{container}" for p in other[:4])
    expected = load_programme(csv_survey)
    programme = load_programme(other[-1])
    assert [p.container for p in programme.cleaned.provenance[1:]] == [container] * 4
    pd.testing.assert_frame_equal(programme.scores, expected.scores)
    pd.testing.assert_frame_equal(programme.responses, expected.responses)


def test_cli_writes_a_scaled_programme(tmp_path):
    from typer.testing import CliRunner

    from impact.cli import app

    result = CliRunner().invoke(
        app, ["demo", "--participants", "40", "--out", str(tmp_path), "--seed", "2"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "survey.yml").exists() and (tmp_path / "raw" / "final.csv").exists()
    assert len(load_programme(tmp_path / "survey.yml").registry) == 40
