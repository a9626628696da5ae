"""Chinese identifiers: what must pass, what must be caught, and garbage that must not crash."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from linli.core.identifiers import (
    PROVINCES,
    USCC_ALPHABET,
    CitizenIdStr,
    IdentifierError,
    IdKind,
    MobileStr,
    PlateStr,
    UsccStr,
    citizen_id_check_char,
    normalise_citizen_id,
    normalise_mobile,
    organisation_check_char,
    parse_citizen_id,
    parse_phone,
    parse_plate,
    parse_uscc,
    uscc_check_char,
    validate_citizen_id,
    validate_mobile,
    validate_plate,
    validate_uscc,
)

GARBAGE = [
    "",
    " ",
    "abc",
    "３３０４０２１９９００１０１１２３４",  # full-width digits
    "3304021990010112",  # 16
    "33040219900101123",  # 17
    "3304021990010112345",  # 19
    "33040219900101123\x00",
    "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨",  # Arabic-Indic digits
    "x" * 10_000,
    "<script>alert(1)</script>",
    "NULL",
]

# --- citizen ID ------------------------------------------------------------------------------


def make_id(area: str, born: date, seq: int) -> str:
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    return first17 + citizen_id_check_char(first17)


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(set(PROVINCES) - {"81", "82", "83"})))
    area = province + draw(st.from_regex(r"\A[0-9]{4}\Z"))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 1, 1)))
    return make_id(area, born, draw(st.integers(0, 999)))


@settings(max_examples=200, deadline=None)
@given(valid_ids())
def test_every_generated_valid_number_passes(number):
    parsed = parse_citizen_id(number)
    assert parsed.number == number
    assert parsed.birth_date == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


@settings(max_examples=200, deadline=None)
@given(valid_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_every_single_character_change_is_caught(number, position, replacement):
    if number[position] == replacement or (position < 17 and replacement == "X"):
        replacement = "0" if number[position] != "0" else "1"
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(IdentifierError):
        parse_citizen_id(changed)


@pytest.mark.parametrize("area", ["330113", "330114"])
def test_new_districts_pass_without_a_warning(area):
    parsed = parse_citizen_id(make_id(area, date(1990, 1, 1), 123))
    assert parsed.area_code == area and parsed.warnings == ()


def test_an_area_linli_does_not_know_is_only_a_warning():
    parsed = parse_citizen_id(make_id("659999", date(1985, 6, 30), 7))
    assert parsed.kind == IdKind.CITIZEN
    assert "659999" in parsed.warnings[0]


def test_a_number_from_no_province_is_an_error():
    with pytest.raises(IdentifierError, match="no province") as caught:
        parse_citizen_id(make_id("190101", date(1985, 6, 30), 7))
    assert caught.value.code == "id_area"


@pytest.mark.parametrize("birth", ["19990230", "19991301", "20000000"])
def test_a_birth_date_that_does_not_exist_is_an_error(birth):
    first17 = f"330402{birth}123"
    with pytest.raises(IdentifierError, match="does not exist"):
        parse_citizen_id(first17 + citizen_id_check_char(first17))


def test_a_birth_date_in_the_future_is_an_error():
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(IdentifierError, match="not possible"):
        parse_citizen_id(make_id("330402", tomorrow, 1))


def test_a_lower_case_x_and_spaces_are_accepted_and_normalised():
    number = "11010519491231002X"
    assert normalise_citizen_id(" 110105 19491231 002x ") == number
    assert parse_citizen_id(number).sex == "female"


def test_an_old_fifteen_digit_number_is_converted_to_eighteen():
    parsed = parse_citizen_id("110105491231002")
    assert parsed.kind == IdKind.CITIZEN_15
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)


@pytest.mark.parametrize("area", ["810000", "820000", "830000"])
def test_hong_kong_macau_and_taiwan_residence_permits_pass(area):
    parsed = parse_citizen_id(make_id(area, date(1995, 3, 15), 24))
    assert parsed.kind == IdKind.HK_MACAU_TAIWAN_PERMIT
    assert parsed.warnings == ()


def test_the_foreigners_permanent_residence_id_passes_and_needs_a_real_province():
    parsed = parse_citizen_id(make_id("933840", date(1980, 7, 1), 15))  # 33 Zhejiang, 840 USA
    assert parsed.kind == IdKind.FOREIGNER_PERMANENT_RESIDENCE
    with pytest.raises(IdentifierError, match="issuing province"):
        parse_citizen_id(make_id("999840", date(1980, 7, 1), 15))


@pytest.mark.parametrize("value", [*GARBAGE, None, 12345, 3.5, b"330402"])
def test_garbage_is_an_identifier_error_with_a_message(value):
    with pytest.raises(IdentifierError) as caught:
        parse_citizen_id(value)
    assert caught.value.message


def test_the_django_validator_and_the_pydantic_type_say_the_same():
    class Person(BaseModel):
        id_number: CitizenIdStr

    valid = make_id("330402", date(1990, 1, 1), 123)
    mistyped = valid[:17] + ("0" if valid[17] != "0" else "1")
    with pytest.raises(ValidationError) as django_error:
        validate_citizen_id(mistyped)
    with pytest.raises(PydanticError) as pydantic_error:
        Person(id_number=mistyped)
    assert django_error.value.messages[0] in str(pydantic_error.value)
    assert Person(id_number="110105491231002").id_number == "11010519491231002X"


# --- plates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "energy", "display"),
    [
        ("浙A12345", "ordinary", None, "浙A·12345"),
        ("浙a·b1c23", "ordinary", None, "浙A·B1C23"),
        ("浙F·D12345", "new_energy_small", "electric", "浙F·D12345"),
        ("浙F A1234 5", "new_energy_small", "electric", "浙F·A12345"),
        ("沪AF0922", "ordinary", None, "沪A·F0922"),
        ("沪A·FA1234", "new_energy_small", "other", "沪A·FA1234"),
        ("京AK12345", "new_energy_small", "other", "京A·K12345"),
        ("浙A12345D", "new_energy_large", "electric", "浙A·12345D"),
        ("粤B12345F", "new_energy_large", "other", "粤B·12345F"),
        ("浙A1234警", "police", None, "浙A·1234警"),
        ("浙A1234学", "coach", None, "浙A·1234学"),
        ("浙F1234挂", "trailer", None, "浙F·1234挂"),
        ("沪A0012领", "consulate", None, "沪A·0012领"),
        ("使014578", "embassy", None, "使014578"),
        ("粤Z1234港", "hong_kong_macau", None, "粤Z·1234港"),
    ],
)
def test_plates_of_every_form_are_recognised(value, kind, energy, display):
    plate = parse_plate(value)
    assert (plate.kind, plate.energy, plate.display) == (kind, energy, display)
    assert "·" not in plate.number


@pytest.mark.parametrize(
    "value",
    [
        "浙AI2345",  # I is never used
        "浙AO2345",  # nor O
        "哈A12345",  # no such province
        "浙12345",  # no city letter
        "浙A1234",  # too short
        "浙A1234567",  # too long
        "浙FX12345",  # X is no energy letter
        "浙A12345X",
        "浙A123学",  # a coach plate has four characters before 学
        "使01457",
        "A12345",
        *GARBAGE,
        None,
    ],
)
def test_bad_plates_are_refused_with_a_message(value):
    with pytest.raises(IdentifierError) as caught:
        parse_plate(value)
    assert caught.value.message
    if isinstance(value, str):
        with pytest.raises(ValidationError):
            validate_plate(value)


def test_an_unknown_province_character_is_named():
    with pytest.raises(IdentifierError, match="哈"):
        parse_plate("哈A12345")


# --- phones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "e164"),
    [
        ("13800138000", "mobile", "+8613800138000"),
        ("+86 138 0013 8000", "mobile", "+8613800138000"),
        ("0086-138-0013-8000", "mobile", "+8613800138000"),
        ("0571-87654321", "landline", "+8657187654321"),
        ("0573 8009 9020", "landline", "+8657380099020"),
    ],
)
def test_phone_numbers_are_parsed(value, kind, e164):
    phone = parse_phone(value)
    assert (phone.kind, phone.e164) == (kind, e164)


def test_a_mobile_is_normalised_to_its_eleven_digits_and_a_landline_is_not_a_mobile():
    assert normalise_mobile("+86 138 0013 8000") == "13800138000"
    with pytest.raises(IdentifierError, match="mobile"):
        normalise_mobile("0571-87654321")
    with pytest.raises(ValidationError):
        validate_mobile("0571-87654321")


@pytest.mark.parametrize(
    "value", ["12345", "1380013800", "138001380001", "+1 202 555 0100x", *GARBAGE, None]
)
def test_bad_phone_numbers_are_refused(value):
    with pytest.raises(IdentifierError):
        normalise_mobile(value)


def test_the_mobile_type_normalises_for_the_api():
    class Contact(BaseModel):
        phone: MobileStr

    assert Contact(phone="+86 138 0013 8000").phone == "13800138000"
    with pytest.raises(PydanticError):
        Contact(phone="hello")


# --- unified social credit codes -------------------------------------------------------------


@st.composite
def valid_credit_codes(draw: st.DrawFn) -> str:
    authority = draw(st.sampled_from("123456789ANY"))
    kind = draw(st.sampled_from("123459"))
    area = draw(st.sampled_from(["330402", "110000", "350100", "330499"]))
    org8 = draw(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8))
    org_check = organisation_check_char(org8)
    first17 = f"{authority}{kind}{area}{org8}{org_check}"
    return first17 + uscc_check_char(first17)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_published_credit_codes_pass(code):
    parsed = parse_uscc(code)
    assert (parsed.authority, parsed.area_code) == ("9", code[2:8])


@settings(max_examples=200, deadline=None)
@given(valid_credit_codes())
def test_generated_credit_codes_pass_whatever_the_authority(code):
    assert parse_uscc(code.lower()).code == code


@settings(max_examples=200, deadline=None)
@given(valid_credit_codes(), st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_a_single_change_in_a_credit_code_is_caught(code, position, replacement):
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(IdentifierError):
        parse_uscc(changed)


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_authorities_a_n_and_y_are_accepted(authority):
    first17 = f"{authority}1330402MA2B3C4D{organisation_check_char('MA2B3C4D')}"
    assert parse_uscc(first17 + uscc_check_char(first17)).authority == authority


@pytest.mark.parametrize(
    "value", ["91350100M000100Y4", "B1350100M000100Y43", "91350100M000I00Y43", *GARBAGE, None]
)
def test_bad_credit_codes_are_refused(value):
    with pytest.raises(IdentifierError):
        parse_uscc(value)
    if isinstance(value, str):
        with pytest.raises(ValidationError):
            validate_uscc(value)


def test_the_plate_and_credit_code_types_normalise():
    class Vehicle(BaseModel):
        plate: PlateStr
        owner: UsccStr

    vehicle = Vehicle(plate="浙f·d12345", owner="91350100m000100y43")
    assert (vehicle.plate, vehicle.owner) == ("浙FD12345", "91350100M000100Y43")
