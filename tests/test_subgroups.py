"""Change by subgroup with the privacy threshold."""

import numpy as np
import pandas as pd
import pytest

from impact.change import paired_change
from impact.errors import ArgumentError
from impact.subgroups import subgroup_change


def test_each_group_is_the_plain_change_of_its_members(demo):
    table = demo.subgroup_change("sector_group")
    attributes = demo.attributes.set_index("participant")["sector_group"]
    scores = demo.scores.query("frame == 'now'")
    for group in ["business", "research"]:
        members = attributes.index[attributes == group]
        expected = paired_change(scores[scores["participant"].isin(members)], adjust=None)
        ours = table.query("group == @group").reset_index(drop=True)
        assert ours["n"].tolist() == expected["n"].tolist()
        shown = ~ours["suppressed"]
        assert ours.loc[shown, "t"].tolist() == pytest.approx(expected.loc[shown, "t"].tolist())


def test_small_groups_are_flagged_and_blanked(demo):
    table = demo.subgroup_change("site")
    moshi = table.query("group == 'Moshi'")
    assert len(moshi) and moshi["suppressed"].all()
    assert moshi["mean_diff"].isna().all() and moshi["t"].isna().all()
    assert (moshi["n"] < demo.survey.privacy.min_group_size).all()
    marburg = table.query("group == 'Marburg'")
    assert not marburg["suppressed"].any() and marburg["t"].notna().all()


def test_roles_and_unknown_attributes(demo):
    table = demo.subgroup_change("role")
    assert set(table["group"]) == {"mentor", "mentee"}
    with pytest.raises(
        ArgumentError, match="`by` must be a registry attribute .*; got 'tandem_size'"
    ):
        demo.subgroup_change("tandem_size")
    with pytest.raises(ArgumentError, match=r"got 'Role' \(did you mean 'role'\?\)"):
        demo.subgroup_change("Role")


def test_suppression_can_be_turned_off_for_research():
    scores = pd.DataFrame(
        {
            "participant": list("abc") * 2,
            "wave": ["kickoff"] * 3 + ["final"] * 3,
            "scale": "x",
            "score": [1.0, 2, 3, 2, 4, 3],
        }
    )
    registry = pd.DataFrame({"participant": list("abc"), "site": "A"})
    kept = subgroup_change(scores, registry, by="site", suppress=False).iloc[0]
    assert kept["suppressed"] and not np.isnan(kept["t"])
