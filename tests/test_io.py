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
