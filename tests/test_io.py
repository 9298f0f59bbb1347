from pathlib import Path

import pytest

from impact.errors import InputError
from impact.io import read_export

HEADER = "CASE;QUESTNNR;STARTED;IC01_01;WB01_01\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"), ("utf-16", "utf-16")],
)
def test_encodings_are_detected_and_umlauts_survive(tmp_path, encoding, expected):
    path = tmp_path / "export.csv"
    path.write_bytes((HEADER + "1;qü;2023-11-30 18:00:00;MÄ12ÖL;3\n").encode(encoding))
    raw = read_export(path, format="sosci")
    assert raw.provenance.encoding == expected
    assert raw.table.loc[1, "IC01_01"] == "MÄ12ÖL"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_detected(tmp_path, delimiter):
    path = tmp_path / "export.csv"
    path.write_text(
        HEADER.replace(";", delimiter)
        + delimiter.join(["1", "q", "x", "AB", "3,5" if delimiter != "," else "3"])
        + "\n",
        encoding="utf-8",
    )
    raw = read_export(path, format="sosci")
    assert raw.provenance.delimiter == delimiter
    assert list(raw.table.columns) == ["CASE", "QUESTNNR", "STARTED", "IC01_01", "WB01_01"]


def test_values_stay_text_exactly_as_exported(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "1;q;x;007;3,50\n", encoding="utf-8")
    row = read_export(path, format="sosci").table.loc[1]
    assert row["IC01_01"] == "007" and row["WB01_01"] == "3,50"


def test_empty_file_is_named(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.csv.*empty"):
        read_export(path)


def test_header_without_rows_is_named(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text(HEADER, encoding="utf-8")
    with pytest.raises(InputError, match="no data rows"):
        read_export(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_export(tmp_path / "nope.csv")


def test_a_non_sosci_file_named_sosci_is_an_error(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("id,score\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"not a SoSci Survey export.*CASE"):
        read_export(path, format="sosci")


def test_rows_are_numbered_from_one(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "1;q;x;A;1\n2;q;x;B;2\n", encoding="utf-8")
    assert read_export(path, format="sosci").table.index.tolist() == [1, 2]


# --- every tool's export, as written in tests/fixtures -----------------------------------

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tools"


@pytest.mark.parametrize(
    ("name", "tool", "container", "encoding", "delimiter", "rows"),
    [
        ("sosci.csv", "sosci", "text", "utf-8-sig", ";", 6),
        ("sosci_unicode.txt", "sosci", "text", "utf-16", "\t", 4),
        ("limesurvey.csv", "limesurvey", "text", "utf-8", ",", 7),
        ("qualtrics.csv", "qualtrics", "text", "utf-8-sig", ",", 5),
        ("office.csv", "csv", "text", "cp1252", ";", 6),
        ("paper.xlsx", "xlsx", "xlsx", "xlsx", "", 1),  # the first sheet: the legend
        ("spss.sav", "sav", "sav", "UTF-8", "", 5),
    ],
)
def test_every_fixture_format_is_detected(name, tool, container, encoding, delimiter, rows):
    raw = read_export(FIXTURES / name)
    assert raw.provenance.format == tool
    assert raw.provenance.container == container
    assert raw.provenance.encoding == encoding
    assert raw.provenance.delimiter == delimiter
    assert len(raw.table) == raw.provenance.rows == rows
    assert raw.table.index.tolist() == list(range(1, rows + 1))
    assert all(raw.table[c].map(type).eq(str).all() for c in raw.table.columns)


def test_sosci_columns_and_residual_codes_stay_as_exported():
    table = read_export(FIXTURES / "sosci.csv", format="sosci").table
    assert {"CASE", "SERIAL", "REF", "QUESTNNR", "MODE", "STARTED", "FINISHED"} <= set(table)
    assert {"TIME_SUM", "LASTPAGE", "MAXPAGE", "MISSING", "DEG_TIME"} <= set(table)
    assert table.loc[2, "WB01_03"] == "-9" and table.loc[4, "KO01_04"] == "-1"
    assert table.loc[1, "TIME_RSI"] == "0,94"


def test_limesurvey_code_headings_and_empty_submitdate():
    table = read_export(FIXTURES / "limesurvey.csv", format="limesurvey").table
    assert "WHO5[SQ001]" in table and "KOMP[SQ006]" in table
    assert table.loc[5, "submitdate"] == "" and table.loc[1, "submitdate"] != ""
    assert table.loc[3, "CODE"] == " cl27st"


def test_qualtrics_three_header_rows_become_names_and_question_texts():
    raw = read_export(FIXTURES / "qualtrics.csv", format="qualtrics")
    assert raw.provenance.header_rows == 3
    assert raw.table.loc[1, "Q1"] == "AN12KL"
    assert raw.table.loc[2, "Q2_4"] == "-99"
    assert raw.questions["Q1"] == "Bitte geben Sie Ihren persönlichen Code ein."
    assert not raw.table.apply(lambda c: c.str.contains("ImportId")).any().any()


def test_qualtrics_without_the_importid_row_is_an_error(tmp_path):
    lines = (FIXTURES / "qualtrics.csv").read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "legacy.csv"
    path.write_text("\n".join(lines[:2] + lines[3:]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"legacy\.csv.*row 2.*ImportId"):
        read_export(path, format="qualtrics")


def test_excel_first_or_named_sheet():
    named = read_export(FIXTURES / "paper.xlsx", sheet="Antworten")
    assert named.provenance.sheet == "Antworten"
    assert named.table.loc[1, "Komp_2"] == "trifft eher zu"
    assert named.table.loc[2, "WHO5_3"] == "" and named.table.loc[1, "WHO5_1"] == "3"
    first = read_export(FIXTURES / "paper.xlsx")
    assert first.provenance.sheet == "Legende" and list(first.table) == ["Spalte", "Bedeutung"]
    with pytest.raises(InputError, match=r"no sheet 'Daten'.*Antworten"):
        read_export(FIXTURES / "paper.xlsx", sheet="Daten")


def test_spss_value_labels_and_user_missing_are_kept_as_metadata():
    raw = read_export(FIXTURES / "spss.sav")
    assert raw.value_labels["who5_1"]["5"] == "die ganze Zeit"
    assert raw.user_missing["who5_1"] == [(-9.0, -9.0), (-1.0, -1.0)]
    assert raw.questions["code"] == "Persönlicher Code"
    assert raw.table.loc[5, "who5_2"] == "-9"  # kept as exported; cleaning makes it missing
    assert raw.table.loc[1, "code"] == "AN12KL"


def test_a_plain_format_name_must_fit_the_container():
    with pytest.raises(InputError, match=r"says 'sav', but the file is delimited text"):
        read_export(FIXTURES / "sosci.csv", format="sav")
    with pytest.raises(InputError, match=r"not a LimeSurvey export"):
        read_export(FIXTURES / "sosci.csv", format="limesurvey")


def test_a_partial_tool_signature_is_unsure_and_says_how_to_name_the_format(tmp_path):
    path = tmp_path / "half.csv"
    path.write_text("CASE;STARTED;WB01_01\n1;2024-01-01 10:00:00;3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"partly like a SoSci Survey export.*format: sosci"):
        read_export(path)
    assert read_export(path, format="csv").provenance.format == "csv"


def test_limesurvey_full_text_headings_are_refused(tmp_path):
    path = tmp_path / "lime.csv"
    path.write_text(
        '"Response ID","Date submitted","Last page","Start language","Code"\n'
        '"1","2024-04-17 19:24:14","3","de","AN12KL"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="question code"):
        read_export(path)


def test_a_named_delimiter_overrides_detection(tmp_path):
    path = tmp_path / "pipe.csv"
    path.write_text("code|x\nAB|1\n", encoding="utf-8")
    assert read_export(path, delimiter="|").table.loc[1, "x"] == "1"
