from pathlib import Path

import pytest
import yaml

from impact.definitions import SHIPPED_INSTRUMENTS, load_instrument, load_survey
from impact.demo import DEMO_SURVEY
from impact.errors import DefinitionError


@pytest.mark.parametrize("path", sorted(SHIPPED_INSTRUMENTS.glob("*.yml")), ids=lambda p: p.stem)
def test_shipped_instruments_load_with_source_and_licence(path: Path):
    instrument = load_instrument(path)
    assert instrument.source.strip() and instrument.licence.strip()
    assert all(item.text is None or (item.text.de and item.text.en) for item in instrument.items)


def test_who5_scores_from_0_to_100():
    who5 = load_instrument(SHIPPED_INSTRUMENTS / "who5.yml")
    assert who5.score_range() == (0, 100)


def test_demo_survey_cross_checks_items(demo):
    assert demo.survey.wave_ids == ["kickoff", "milestone-1", "milestone-2", "final"]
    assert demo.instruments["competences"].reverse_items == ["c5"]


def _write_survey(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(DEMO_SURVEY.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "survey.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_unknown_key_names_file_key_and_suggestion(tmp_path):
    path = _write_survey(tmp_path, lambda d: d["quality"].update(duplicate="keep-latest-complete"))
    with pytest.raises(DefinitionError) as caught:
        load_survey(path)
    message = str(caught.value)
    assert str(path) in message and "quality.duplicate" in message
    assert "did you mean 'duplicates'" in message
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[caught.value.line - 1].strip().startswith("duplicate:")
    assert f"line {caught.value.line}" in message


def test_mapping_to_unknown_item_is_named(tmp_path):
    path = _write_survey(tmp_path, lambda d: d["mappings"]["sosci"].update(WB01_01="who5.i9"))
    with pytest.raises(DefinitionError, match=r"mappings\.sosci\.WB01_01.*no item 'i9'"):
        load_survey(path)


def test_then_rating_needs_a_retrospective_instrument(tmp_path):
    path = _write_survey(tmp_path, lambda d: d["mappings"]["sosci"].update(WB01_01="who5.i1@then"))
    with pytest.raises(DefinitionError, match="not asked retrospectively"):
        load_survey(path)


def test_waves_must_start_with_kickoff_and_follow_their_dates(tmp_path):
    path = _write_survey(tmp_path, lambda d: d["waves"].reverse())
    with pytest.raises(DefinitionError, match="first wave must be 'kickoff'"):
        load_survey(path)


def test_unknown_instrument_suggests_the_nearest(tmp_path):
    path = _write_survey(tmp_path, lambda d: d.update(instruments=["who_5", "swls", "competences"]))
    with pytest.raises(DefinitionError, match="did you mean 'who5'"):
        load_survey(path)


def test_malformed_yaml_gives_the_line(tmp_path):
    path = tmp_path / "survey.yml"
    path.write_text("programme:\n  id: x\n  name: [unclosed\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match="line 4"):
        load_survey(path)


def test_instrument_id_must_match_file_name(tmp_path):
    text = (SHIPPED_INSTRUMENTS / "who5.yml").read_text(encoding="utf-8")
    path = tmp_path / "wellbeing.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError, match="differs from the file name"):
        load_instrument(path)


def _instrument(tmp_path: Path, name: str, change) -> Path:
    data = yaml.safe_load((SHIPPED_INSTRUMENTS / f"{name}.yml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_counts_items_need_a_sector(tmp_path):
    path = _instrument(tmp_path, "collaboration", lambda d: d["items"][0].pop("sector"))
    with pytest.raises(DefinitionError, match="need a 'sector'"):
        load_instrument(path)


def test_multiselect_needs_the_value_of_a_tick(tmp_path):
    path = _instrument(tmp_path, "sdgs", lambda d: d.pop("checked"))
    with pytest.raises(DefinitionError, match="'checked'"):
        load_instrument(path)


def test_categories_name_real_items_and_end_with_the_rest(tmp_path):
    path = _instrument(
        tmp_path, "cantril", lambda d: d["categories"][0]["when"].update(later={"min": 1})
    )
    with pytest.raises(DefinitionError, match="lacks"):
        load_instrument(path)
    path = _instrument(tmp_path, "cantril", lambda d: d["categories"].pop())
    with pytest.raises(DefinitionError, match="everyone left"):
        load_instrument(path)


def test_registry_groups_must_group_a_known_attribute(tmp_path):
    path = _write_survey(
        tmp_path, lambda d: d["registry"]["groups"]["sector_group"].update(of="branch")
    )
    with pytest.raises(DefinitionError, match="'branch'"):
        load_survey(path)


def test_licences_decide_what_texts_ship():
    gse = load_instrument(SHIPPED_INSTRUMENTS / "gse.yml")
    assert all(item.text is None for item in gse.items)  # non-commercial only: ids and scoring
    assert "non-commercial" in gse.licence
    who5 = load_instrument(SHIPPED_INSTRUMENTS / "who5.yml")
    assert all(item.text is not None for item in who5.items)
