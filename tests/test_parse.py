"""Reading item cells as numbers: the one-cast road gives what the careful roads give."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from impact.cleaning.cells import cast_as_exported, plain_numbers, to_numbers

_CELLS = st.one_of(
    st.sampled_from(["", " ", "1", " 2", "3 ", "4,5", "4.5", "-9", "1e3", ".5", "5.", "+4"]),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "abc", "３", "1_000", "0x10", "\t7", "-0"]),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**6), 10**6).map(str),
)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(_CELLS, max_size=30), start=st.integers(0, 5))
def test_the_cast_as_exported_reads_what_stripping_and_parsing_read(cells, start):
    column = pd.Series(cells, dtype="str").iloc[start:]  # a slice: arrow chunks with an offset
    fast = cast_as_exported(column)
    careful = to_numbers(column.str.strip()).to_numpy(dtype=float)
    if fast is not None:
        np.testing.assert_array_equal(fast, careful)
        assert np.signbit(fast).tolist() == np.signbit(careful).tolist()  # -0 stays -0


def test_cells_that_need_stripping_or_a_decimal_comma_take_the_careful_road():
    for cells in ([" 1", "2"], ["1,5"], ["nan"], ["inf"], ["abc"]):
        assert cast_as_exported(pd.Series(cells, dtype="str")) is None
    column = pd.Series(["1", "", "3"], dtype="str")
    np.testing.assert_array_equal(cast_as_exported(column), [1.0, np.nan, 3.0])
    np.testing.assert_array_equal(cast_as_exported(column), plain_numbers(column))
