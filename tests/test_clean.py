import hashlib

import pandas as pd
import pytest

from impact.clean import accounting, clean
from impact.definitions import load_survey
from impact.errors import InputError
from impact.io import read_export


def test_every_raw_row_is_kept_or_excluded_with_a_reason(demo):
    table = demo.accounting()
    assert (table["raw_rows"] == table["kept"] + table["excluded"]).all()
    for wave in demo.survey.waves:
        raw = read_export(demo.base / wave.files[0].path, format="sosci")
        assert table.set_index("wave").loc[wave.id, "raw_rows"] == len(raw.table)
    excluded = demo.cleaned.submissions.query("status == 'excluded'")
    assert excluded["reason"].notna().all()


def test_raw_files_are_never_modified(demo_copy):
    files = sorted(demo_copy.parent.rglob("*.csv"))
    before = {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    survey, instruments = load_survey(demo_copy)
    cleaned = clean(survey, instruments, demo_copy.parent)
    assert {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files} == before
    assert {p.sha256 for p in cleaned.provenance} == set(before.values())


def test_demo_mess_is_found(demo):
    log = demo.cleaned.log
    rules = set(log["rule"])
    assert {
        "excluded:duplicate",
        "excluded:incomplete",
        "key_typo_matched",
        "out_of_range",
        "flagged:straight_lining",
        "missing_code",
        "reverse_keyed",
        "key_normalised",
        "identifying_column_dropped",
    } <= rules
    out_of_range = log[log["rule"] == "out_of_range"]
    assert out_of_range["old_value"].tolist() == ["9"]
    assert out_of_range["column"].tolist() == ["WB01_03"]


def test_duplicate_keeps_the_latest_complete_submission(demo):
    s = demo.cleaned.submissions
    duplicated = s[s.duplicated(["wave", "participant"], keep=False)]
    for _, group in duplicated.groupby(["wave", "participant"], observed=True):
        kept = group[group["status"] == "kept"]
        assert len(kept) == 1
        complete = group[group["finished"]]
        assert kept["started"].iloc[0] == complete["started"].max()


def test_one_participant_one_response_per_wave(demo):
    r = demo.responses
    assert not r.duplicated(["participant", "wave", "instrument", "item", "frame"]).any()


def test_typo_code_is_matched_to_its_registry_key(demo):
    matched = demo.cleaned.log.query("rule == 'key_typo_matched'")
    assert len(matched) == 1
    row = matched.iloc[0]
    assert row["new_value"] in set(demo.registry["participant"])
    assert sum(a != b for a, b in zip(row["old_value"], row["new_value"], strict=True)) == 1


def test_kept_participants_are_all_in_the_registry(demo):
    assert set(demo.responses["participant"]) <= set(demo.registry["participant"])


def test_identifying_columns_never_reach_the_registry(demo):
    assert not {"first_name", "last_name", "email"} & set(demo.registry.columns)


def test_missing_codes_and_out_of_range_become_missing(demo):
    values = demo.responses["value"]
    assert not values.isin([-1, -2, -3, -9]).any()
    for instrument_id, part in demo.responses.dropna(subset=["value"]).groupby("instrument"):
        response = demo.instruments[instrument_id].response
        assert part["value"].between(response.min, response.max).all(), instrument_id
    rated = demo.responses[
        demo.responses["instrument"]
        .map(demo.instruments)
        .map(lambda i: i.kind in ("scale", "single"))
    ]
    assert rated["value"].isna().mean() == pytest.approx(0.02, abs=0.015)


def test_reverse_keyed_item_is_recoded(demo):
    raw = read_export(demo.base / "raw/kickoff.csv", format="sosci").table
    first = raw.iloc[0]
    code = first["IC01_01"].strip().upper()
    r = demo.responses
    cleaned = r[
        (r["participant"] == code)
        & (r["wave"] == "kickoff")
        & (r["item"] == "c5")
        & (r["frame"] == "now")
    ]["value"].iloc[0]
    assert cleaned == 6 - float(first["KO01_05"])


def test_waves_are_ordered_categoricals(demo):
    assert list(demo.responses["wave"].cat.categories) == demo.survey.wave_ids
    assert demo.responses["wave"].cat.ordered


def _edit_export(survey_path, wave_file, edit):
    path = survey_path.parent / wave_file
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    edit(table)
    table.to_csv(path, sep="\t", index=False)
    return path


def test_text_in_a_number_cell_names_file_column_and_row(demo_copy):
    def edit(table):
        table.loc[4, "LZ01_02"] = "viel"

    path = _edit_export(demo_copy, "raw/milestone-1.csv", edit)
    survey, instruments = load_survey(demo_copy)
    with pytest.raises(InputError) as caught:
        clean(survey, instruments, demo_copy.parent)
    assert caught.value.file.endswith("milestone-1.csv")
    assert caught.value.column == "LZ01_02" and caught.value.row == 5
    assert str(path.name) in str(caught.value) and "'viel'" in str(caught.value)


def test_response_labels_in_german_or_english_become_numbers(demo_copy):
    def edit(table):
        table.loc[0, "LZ01_01"] = "stimme voll zu"
        table.loc[1, "LZ01_01"] = "2 = Disagree"

    _edit_export(demo_copy, "raw/milestone-1.csv", edit)
    survey, instruments = load_survey(demo_copy)
    cleaned = clean(survey, instruments, demo_copy.parent)
    raw = read_export(demo_copy.parent / "raw/milestone-1.csv", format="sosci").table
    first = raw.loc[1, "IC01_01"].strip().upper()
    r = cleaned.responses
    value = r[
        (r["participant"] == first)
        & (r["wave"] == "milestone-1")
        & (r["instrument"] == "swls")
        & (r["item"] == "i1")
    ]["value"]
    assert value.tolist() == [7.0]


def test_a_missing_mapped_column_is_named_with_a_suggestion(demo_copy):
    def edit(table):
        table.columns = ["WB01_4" if c == "WB01_04" else c for c in table.columns]

    _edit_export(demo_copy, "raw/milestone-2.csv", edit)
    survey, instruments = load_survey(demo_copy)
    with pytest.raises(InputError, match=r"milestone-2\.csv.*WB01_04.*did you mean 'WB01_4'"):
        clean(survey, instruments, demo_copy.parent)


def test_straight_lining_can_exclude_by_policy(demo_copy):
    text = demo_copy.read_text(encoding="utf-8").replace(
        "straightlining: flag", "straightlining: exclude"
    )
    demo_copy.write_text(text, encoding="utf-8")
    survey, instruments = load_survey(demo_copy)
    cleaned = clean(survey, instruments, demo_copy.parent)
    table = accounting(cleaned)
    assert table["straight_lining"].sum() == 1
    assert (table["raw_rows"] == table["kept"] + table["excluded"]).all()
