"""Survey-tool codes: one per item, letters and digits only, never shared."""

import re

import pytest

from assessment.instrument.codes import MAX_CODE, tool_code, tool_codes
from assessment.instrument.integration import load_integration


def test_every_item_has_a_distinct_limesurvey_code(instrument, latest_instrument):
    integration = [load_integration(version=v) for v in ("1.0.0", "1.1.0")]
    for inst in (instrument, latest_instrument, *integration):
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


def test_a_long_id_is_cut_to_the_limit_and_ends_in_a_hash_of_the_whole_id():
    long_a, long_b = "int_role_productive_resource_1", "int_role_productive_resource_2"
    a, b = tool_code(long_a), tool_code(long_b)
    assert len(a) == len(b) == MAX_CODE and a != b
    assert a.startswith("introleproducti") and a == tool_code(long_a)
