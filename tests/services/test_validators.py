"""Identifier validators: full-width input normalised where GB 32100 allows it, everything else refused with a
message; generated inputs (≥ 1,000 per validator) never raise."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.core import validators as v

VALID_USCC = v.make_uscc("1", "1", "990100", "MB000001")
FULL_WIDTH = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ")
many = settings(max_examples=1_000, deadline=None)
code_like = st.one_of(st.text(max_size=24), st.text(alphabet="0123456789０１２３４５６７８９ABXYＸ٣۳ \u3000", max_size=20))


def test_a_full_width_credit_code_is_normalised_and_accepted():
    typed = VALID_USCC.translate(FULL_WIDTH)
    assert typed != VALID_USCC
    assert v.uscc_error(typed) is None
    assert v.normalize_code(typed) == VALID_USCC


def test_non_ascii_digits_in_a_credit_code_are_refused_with_a_message():
    arabic = VALID_USCC.replace("9", "\u0669")  # ARABIC-INDIC DIGIT NINE: not a character of the code
    assert v.uscc_error(arabic)


def _resident_id(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, v.RESIDENT_ID_WEIGHTS, strict=True))
    return first17 + v.RESIDENT_ID_CHECK[total % 11]


def test_resident_id_takes_ascii_digits_and_a_plausible_birth_date():
    assert v.resident_id_error(_resident_id("11010519491231002")) is None
    assert v.resident_id_error(_resident_id("11010519491231002").translate(FULL_WIDTH))  # refused, not normalised
    assert v.resident_id_error(_resident_id("11010500010101002"))  # birth year 0001
    assert v.resident_id_error(_resident_id("11010520990101002"))  # born in the future


def test_region_codes_take_ascii_digits_only():
    assert v.region_code_error("990100") is None
    assert v.region_code_error("９９０１００")


@many
@given(code_like)
def test_uscc_error_never_raises(text):
    assert v.uscc_error(text) is None or isinstance(v.uscc_error(text), str)


@many
@given(code_like)
def test_resident_id_error_never_raises(text):
    assert v.resident_id_error(text) is None or isinstance(v.resident_id_error(text), str)


@many
@given(code_like)
def test_region_code_error_never_raises(text):
    assert v.region_code_error(text) is None or isinstance(v.region_code_error(text), str)


def test_the_unit_form_stores_a_full_width_credit_code_in_ascii(world):
    from services.administration import orgs

    code = v.make_uscc("1", "1", "990100", "MB000077")
    unit_id = orgs.save_unit(world["sysadmin"], orgs.UnitInput(
        uscc=code.translate(FULL_WIDTH), name="示范市测试局", kind="department", level="city",
        region_id=world.regions["city"]))
    assert orgs.get_unit(unit_id).uscc == code
    assert orgs.unit_id_by_uscc(code.translate(FULL_WIDTH)) == unit_id
