"""Primary and secondary suppression: what the audit recovers from cell-by-cell
suppression, it recovers nothing from once the table is protected."""

import pandas as pd
import pytest

from impact.audit import category_leaks
from impact.disclosure import protect, shown_breakdowns

K = 5


def _cells(table: pd.DataFrame) -> list[dict]:
    return [
        {"category": c, "n": None if s else n, "suppressed": s}
        for c, n, s in zip(table["category"], table["n"], table["suppressed"], strict=True)
    ]


@pytest.mark.parametrize("size", [1, 2, K - 1])
def test_a_planted_small_category_is_protected_against_the_total(size):
    table = pd.DataFrame({"category": ["small", "middle", "large"], "n": [size, 12, 30]})
    total = int(table["n"].sum())
    cell_by_cell = table.assign(suppressed=table["n"] < K)
    assert [f.value for f in category_leaks(_cells(cell_by_cell), label="", k=K, total=total)] == [
        size
    ]
    protected = protect(table, count="n", k=K)
    assert protected["suppressed"].tolist() == [True, True, False]  # the smallest other cell
    assert category_leaks(_cells(protected), label="", k=K, total=total) == []


def test_a_breakdown_whose_complement_is_small_is_left_out():
    sites = pd.DataFrame({"attribute": "site", "category": ["Marburg", "Moshi"], "n": [50, 2]})
    roles = pd.DataFrame({"attribute": "role", "category": ["mentee", "mentor"], "n": [26, 26]})
    table = protect(
        pd.concat([sites, roles], ignore_index=True), count="n", k=K, within=["attribute"]
    )
    assert table.loc[table["attribute"] == "site", "suppressed"].all()
    assert shown_breakdowns(table, by="attribute")["attribute"].tolist() == ["role", "role"]


def test_each_table_is_protected_against_its_own_total_and_zeros_are_shown():
    table = pd.DataFrame(
        {
            "wave": ["a", "a", "a", "b", "b", "b"],
            "category": ["improved", "unchanged", "deteriorated"] * 2,
            "n": [4, 39, 0, 10, 30, 3],
            "total": [43, 43, 43, 43, 43, 43],
        }
    )
    protected = protect(table, count="n", k=K, within=["wave"], total="total")
    # wave a: the 4 improved and the 39 unchanged are blanked together; the zero stays
    assert protected["suppressed"].tolist() == [True, True, False, True, False, True]
    for _, part in protected.groupby("wave"):
        assert category_leaks(_cells(part), label="", k=K, total=43) == []
