"""The instruments table and the APA reference list come from the definitions."""

from __future__ import annotations

from impact import sections


def test_every_instrument_is_listed_with_items_range_source_licence_and_status(demo):
    table = sections.instruments_table(demo, "en")
    assert len(table) == len(demo.instruments)
    rows = table.set_index("Instrument")
    who5 = demo.instruments["who5"]
    row = rows.loc[who5.short["en"]]
    assert row["Items"] == 5 and row["Range"] == "0–100" and row["Status"] == "validated"
    assert row["Licence"] == who5.licence and row["Source"] == who5.citation
    competences = demo.instruments["competences"]
    assert rows.loc[(competences.short or competences.name)["en"], "Status"] == (
        "own, not validated"
    )


def test_references_hold_the_instruments_and_only_the_methods_the_report_uses(demo):
    final = sections.references(demo, "final")
    kickoff = sections.references(demo, "kickoff")
    assert final == sorted(final, key=str.casefold) and len(set(final)) == len(final)
    for instrument in demo.instruments.values():
        assert set(instrument.references) <= set(kickoff)
    assert any(r.startswith("Jacobson, N. S., & Truax") for r in final)
    assert not any(r.startswith(("Jacobson", "Holm", "Howard")) for r in kickoff)
    assert all(r.count("(") >= 1 and "." in r for r in final)  # author (year). title.
