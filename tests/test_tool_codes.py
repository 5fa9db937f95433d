"""Survey-tool codes: one per item, letters and digits only, never shared."""

import re

import pytest

from assessment.instrument.codes import tool_code, tool_codes


def test_every_item_has_a_distinct_limesurvey_code(instrument, latest_instrument):
    for inst in (instrument, latest_instrument):
        ids = [item.id for item in inst.items]
        codes = tool_codes(ids)
        assert sorted(codes.values()) == sorted(ids)
        for code in codes:
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", code), code


def test_codes_that_differ_only_by_case_are_refused():
    with pytest.raises(ValueError, match="'a_1' and 'A1'"):
        tool_codes(["a_1", "A1"])


def test_an_id_without_a_leading_letter_is_refused():
    with pytest.raises(ValueError, match="no valid"):
        tool_code("_1")
