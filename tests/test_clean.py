import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from impact.clean import accounting, clean, review, typo_candidates
from impact.definitions import load_survey
from impact.errors import DefinitionError, InputError
from impact.io import read_export

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tools"


@pytest.fixture(scope="module")
def fixture_programme():
    survey, instruments = load_survey(FIXTURES / "survey.yml")
    return clean(survey, instruments, FIXTURES)


@pytest.fixture
def fixture_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture programme; returns its survey.yml."""
    target = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target / "survey.yml"


def _clean(survey_path: Path):
    survey, instruments = load_survey(survey_path)
    return clean(survey, instruments, survey_path.parent)


def _policy(survey_path: Path, old: str, new: str) -> None:
    text = survey_path.read_text(encoding="utf-8")
    assert old in text
    survey_path.write_text(text.replace(old, new), encoding="utf-8")


def _value(cleaned, participant, wave, item, instrument="who5", frame="now"):
    r = cleaned.responses
    hit = r[
        (r["participant"] == participant)
        & (r["wave"] == wave)
        & (r["instrument"] == instrument)
        & (r["item"] == item)
        & (r["frame"] == frame)
    ]["value"]
    assert len(hit) == 1, hit
    return hit.iloc[0]


# --- the demo programme -----------------------------------------------------------------


def test_every_raw_row_is_kept_or_excluded_with_a_reason(demo):
    table = demo.accounting()
    assert (table["raw_rows"] == table["kept"] + table["excluded"]).all()
    for wave in demo.survey.waves:
        raw = read_export(demo.base / wave.files[0].path)
        assert table.set_index("wave").loc[wave.id, "raw_rows"] == len(raw.table)
    excluded = demo.cleaned.submissions.query("status == 'excluded'")
    assert excluded["reason"].notna().all()
    logged = demo.cleaned.log[demo.cleaned.log["rule"].str.startswith("excluded:")]
    assert len(logged) == len(excluded)
    assert sorted(logged["rule"].str.removeprefix("excluded:")) == sorted(excluded["reason"])


def test_the_demo_waves_come_from_three_tools(demo):
    assert set(demo.accounting()["format"]) == {"sosci", "limesurvey", "qualtrics"}


def test_raw_files_are_never_modified(demo_copy):
    files = sorted(p for p in demo_copy.parent.rglob("*") if p.is_file() and p.suffix == ".csv")
    before = {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    cleaned = _clean(demo_copy)
    assert {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files} == before
    assert {p.sha256 for p in cleaned.provenance} == set(before.values())


def test_raw_files_of_every_format_are_never_modified(fixture_copy):
    files = sorted(p for p in fixture_copy.parent.iterdir() if p.suffix != ".yml")
    before = {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    cleaned = _clean(fixture_copy)
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
        "recoded",
        "reverse_keyed",
        "key_normalised",
        "identifying_column_dropped",
    } <= rules
    out_of_range = log[log["rule"] == "out_of_range"]
    assert out_of_range["old_value"].tolist() == ["9"]
    assert out_of_range["column"].tolist() == ["WHO5[SQ003]"]
    dropped = set(log.loc[log["rule"] == "identifying_column_dropped", "column"])
    assert {"first_name", "email", "ipaddr", "IPAddress", "RecipientEmail"} <= dropped


def test_duplicate_keeps_the_latest_complete_submission(demo):
    s = demo.cleaned.submissions
    duplicated = s[s.duplicated(["wave", "participant"], keep=False)]
    assert not duplicated.empty
    for _, group in duplicated.groupby(["wave", "participant"], observed=True):
        kept = group[group["status"] == "kept"]
        assert len(kept) == 1
        complete = group[group["finished"]]
        assert kept["started"].iloc[0] == complete["started"].max()


def test_one_participant_one_response_per_wave(demo):
    r = demo.responses
    assert not r.duplicated(["participant", "wave", "instrument", "item", "frame"]).any()


def test_typo_code_is_matched_to_its_registry_key(demo):
    matched = review(demo.cleaned).query("rule == 'key_typo_matched'")
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
    rated_ids = [i for i, inst in demo.instruments.items() if inst.kind in ("scale", "single")]
    rated = demo.responses[demo.responses["instrument"].isin(rated_ids)]
    assert rated["value"].isna().mean() == pytest.approx(0.02, abs=0.015)


def test_reverse_keyed_item_is_recoded(demo):
    raw = read_export(demo.base / "raw/kickoff.csv").table
    first = raw.iloc[0]
    code = first["IC01_01"].strip().upper()
    assert _value(demo.cleaned, code, "kickoff", "c5", "competences") == 6 - float(first["KO01_05"])


def test_limesurvey_codes_one_to_six_are_recoded_to_the_who5_scale(demo):
    raw = read_export(demo.base / "raw/milestone-1.csv").table
    first = raw[raw["WHO5[SQ001]"].ne("")].iloc[0]
    code = first["CODE"].strip().upper()
    assert _value(demo.cleaned, code, "milestone-1", "i1") == float(first["WHO5[SQ001]"]) - 1


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

    path = _edit_export(demo_copy, "raw/final.csv", edit)
    with pytest.raises(InputError) as caught:
        _clean(demo_copy)
    assert caught.value.file.endswith("final.csv")
    assert caught.value.column == "LZ01_02" and caught.value.row == 5
    assert str(path.name) in str(caught.value) and "'viel'" in str(caught.value)


def test_response_labels_in_german_or_english_become_numbers(demo_copy):
    raw = read_export(demo_copy.parent / "raw/final.csv").table
    single = raw[~raw["IC01_01"].duplicated(keep=False) & raw["FINISHED"].eq("1")].index[:2]

    def edit(table):
        table.loc[single[0] - 1, "LZ01_01"] = "stimme voll zu"
        table.loc[single[1] - 1, "LZ01_01"] = "2 = Disagree"

    _edit_export(demo_copy, "raw/final.csv", edit)
    cleaned = _clean(demo_copy)
    first, second = (raw.loc[row, "IC01_01"].strip().upper() for row in single)
    assert _value(cleaned, first, "final", "i1", "swls") == 7.0
    assert _value(cleaned, second, "final", "i1", "swls") == 2.0


def test_a_missing_mapped_column_is_named_with_a_suggestion(demo_copy):
    def edit(table):
        table.columns = ["WB01_4" if c == "WB01_04" else c for c in table.columns]

    _edit_export(demo_copy, "raw/final.csv", edit)
    with pytest.raises(InputError, match=r"final\.csv.*WB01_04.*did you mean 'WB01_4'"):
        _clean(demo_copy)


def test_straight_lining_can_exclude_by_policy(demo_copy):
    _policy(demo_copy, "straightlining: flag", "straightlining: exclude")
    table = accounting(_clean(demo_copy))
    assert table["straight_lining"].sum() == 1
    assert (table["raw_rows"] == table["kept"] + table["excluded"]).all()


# --- the fixture programme: one tool per wave --------------------------------------------


def test_every_format_is_cleaned_and_accounted_for(fixture_programme):
    table = accounting(fixture_programme)
    assert table["format"].tolist() == [
        "sosci",
        "xlsx",
        "limesurvey",
        "qualtrics",
        "sav",
        "sosci",
        "csv",
    ]
    assert table["raw_rows"].tolist() == [6, 2, 7, 5, 5, 4, 6]
    assert (table["raw_rows"] == table["kept"] + table["excluded"]).all()
    assert table["incomplete"].tolist() == [1, 0, 1, 1, 0, 0, 0]


def test_sosci_residual_codes_and_recode(fixture_programme):
    # CL27ST at the kick-off: WHO-5 stored 5 (SoSci's 1-6) → 4; -1 in KO01_04 → missing.
    assert _value(fixture_programme, "CL27ST", "kickoff", "i1") == 4.0
    assert pd.isna(_value(fixture_programme, "CL27ST", "kickoff", "c4", "competences"))
    log = fixture_programme.log
    codes = log[(log["rule"] == "missing_code") & log["file"].str.endswith("sosci.csv")]
    assert set(codes["old_value"]) == {"-1", "-9"}


def test_excel_labels_and_keys(fixture_programme):
    # Typed in lower case, answered "teils, teils" (3) for competence c1.
    assert _value(fixture_programme, "GR30PE", "kickoff", "c1", "competences") == 3.0
    assert _value(fixture_programme, "FE21HA", "kickoff", "c2", "competences") == 4.0
    assert pd.isna(_value(fixture_programme, "GR30PE", "kickoff", "i3"))


def test_limesurvey_incomplete_and_typo(fixture_programme):
    s = fixture_programme.submissions
    lime = s[s["file"].str.endswith("limesurvey.csv")].set_index("raw_row")
    assert lime.loc[5, "reason"] == "incomplete"  # empty submitdate
    assert lime.loc[7, "participant"] == "GR30PE"  # typed GR30PF
    assert _value(fixture_programme, "AN12KL", "milestone-1", "i1") == 4.0  # code 5 → 4


def test_qualtrics_header_rows_progress_and_minus_99(fixture_programme):
    assert _value(fixture_programme, "AN12KL", "milestone-2", "i1") == 4.0
    assert pd.isna(_value(fixture_programme, "BE03MU", "milestone-2", "i4"))  # -99
    s = fixture_programme.submissions
    q = s[s["file"].str.endswith("qualtrics.csv")].set_index("raw_row")
    assert q.loc[3, "progress"] == 45 and q.loc[3, "reason"] == "incomplete"
    assert q.loc[4, "flags"] == "straight_lining"


def test_spss_user_missing_values_become_missing(fixture_programme):
    log = fixture_programme.log
    user_missing = log[log["rule"] == "user_missing"]
    assert sorted(user_missing["old_value"]) == ["-1", "-9"]
    assert pd.isna(_value(fixture_programme, "GR30PE", "milestone-3", "i2"))
    assert _value(fixture_programme, "FE21HA", "milestone-3", "i1") == 3.0


def test_office_csv_decimal_commas_labels_and_then_ratings(fixture_programme):
    assert _value(fixture_programme, "AN12KL", "final", "i2") == 5.0  # "5,0"
    assert _value(fixture_programme, "AN12KL", "final", "c2", "competences") == 5.0
    assert _value(fixture_programme, "FE21HA", "final", "c2", "competences") == 5.0
    assert _value(fixture_programme, "AN12KL", "final", "c1", "competences", "then") == 3.0
    # c5 is reverse-keyed: answered 2 → 4.
    assert _value(fixture_programme, "AN12KL", "final", "c5", "competences") == 4.0


def test_identifying_and_ignored_columns_are_logged_never_kept(fixture_programme):
    log = fixture_programme.log
    dropped = log[log["rule"] == "identifying_column_dropped"]
    assert {"Name", "Bemerkung", "ipaddr", "IPAddress", "name", "email"} <= set(dropped["column"])
    ignored = log[log["rule"] == "column_ignored"]
    assert {"Datum", "groupTime12", "Dauer (Min.)"} <= set(ignored["column"])
    everything = pd.concat(
        [fixture_programme.responses.astype(str), fixture_programme.submissions.astype(str)],
        axis=1,
    )
    text = everything.to_csv()
    assert "Frieda Haas" not in text and "Müller" not in text and "192.0.2" not in text


def test_speeders_are_flagged_relative_to_the_median(fixture_programme):
    s = fixture_programme.submissions
    flagged = s[s["flags"].str.contains("speeder")]
    assert flagged["participant"].tolist() == ["DA09RO"]
    assert flagged["wave"].tolist() == ["kickoff"]


def test_speeders_can_be_excluded(fixture_copy):
    _policy(fixture_copy, "speeders: flag", "speeders: exclude")
    table = accounting(_clean(fixture_copy))
    assert table["speeder"].sum() == 1


def test_a_progress_threshold_keeps_nearly_complete_responses(fixture_copy):
    _policy(fixture_copy, "incomplete: exclude", "incomplete: exclude\n  min_progress: 40")
    table = accounting(_clean(fixture_copy)).set_index("file")
    qualtrics = table.loc[[f for f in table.index if f.endswith("qualtrics.csv")][0]]
    assert qualtrics["kept"] == 5  # progress 45 ≥ 40


def test_keep_most_complete_duplicate(fixture_copy):
    _policy(fixture_copy, "incomplete: exclude", "incomplete: keep")
    _policy(fixture_copy, "keep-latest-complete", "keep-most-complete")
    cleaned = _clean(fixture_copy)
    s = cleaned.submissions
    be = s[(s["participant"] == "BE03MU") & (s["wave"] == "kickoff")]
    assert be["status"].tolist() == ["excluded", "kept"]
    assert be["answered"].tolist() == [2, 11]


def test_unregistered_keys_are_reported_and_can_be_excluded(fixture_copy):
    registry = fixture_copy.parent / "registry.csv"
    lines = registry.read_text(encoding="utf-8").splitlines()
    registry.write_text("\n".join(line for line in lines if "HA06BU" not in line) + "\n")
    cleaned = _clean(fixture_copy)
    unknown = review(cleaned).query("rule == 'key_not_in_registry'")
    assert set(unknown["old_value"]) == {"HA06BU"} and len(unknown) == 2
    _policy(
        fixture_copy,
        "typo_tolerant_keys: true",
        "typo_tolerant_keys: true\n  unregistered: exclude",
    )
    table = accounting(_clean(fixture_copy))
    assert table["not_in_registry"].sum() == 2


def _pseudonymise(survey_path: Path) -> None:
    text = survey_path.read_text(encoding="utf-8")
    survey_path.write_text(text + "\nprivacy:\n  pseudonymise_keys: true\n", encoding="utf-8")


def test_pseudonymised_keys_need_a_salt(fixture_copy, monkeypatch):
    monkeypatch.delenv("IMPACT_SALT", raising=False)
    monkeypatch.chdir(fixture_copy.parent)
    _pseudonymise(fixture_copy)
    with pytest.raises(DefinitionError, match="no salt.*IMPACT_SALT") as caught:
        _clean(fixture_copy)
    assert caught.value.file == str(fixture_copy)
    lines = fixture_copy.read_text(encoding="utf-8").splitlines()
    assert lines[caught.value.line - 1].strip().startswith("pseudonymise_keys:")
    monkeypatch.setenv("IMPACT_SALT", "0123456789abcdef-test-salt")
    cleaned = _clean(fixture_copy)
    participants = set(cleaned.responses["participant"])
    assert len(participants) == 8 and not participants & {"AN12KL", "GR30PE"}
    assert set(cleaned.registry["participant"]) == participants
    typo = review(cleaned).query("rule == 'key_typo_matched'").iloc[0]
    assert typo["new_value"] in participants and typo["old_value"] != "GR30PF"
    everything = pd.concat([cleaned.log.astype(str), cleaned.submissions.astype(str)])
    assert "AN12KL" not in everything.to_csv() and "0123456789abcdef" not in everything.to_csv()


def test_a_salt_file_beside_the_survey_is_used(fixture_copy, monkeypatch):
    monkeypatch.delenv("IMPACT_SALT", raising=False)
    _pseudonymise(fixture_copy)
    (fixture_copy.parent / ".impact-salt").write_text("a-salt-from-the-local-file\n")
    first = set(_clean(fixture_copy).responses["participant"])
    monkeypatch.setenv("IMPACT_SALT", "another-salt-from-the-environment")
    second = set(_clean(fixture_copy).responses["participant"])
    assert len(first) == len(second) == 8 and not first & second


def test_typo_matching_is_only_for_unambiguous_one_edit_keys():
    known = pd.Series(["AB12CD", "AB12CE", "XY34ZW"])
    pairs = typo_candidates(pd.Series(["AB12CX", "XY34Z", "XY3ZW4", "ZZ99ZZ"]), known)
    # AB12CX is one edit from two registry keys: ambiguous, no match.
    assert pairs.to_dict("records") == [{"key": "XY34Z", "match": "XY34ZW"}]
