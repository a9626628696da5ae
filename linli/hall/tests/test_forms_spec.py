"""The application form: a declaration checked when a matter is saved, and answers checked on
the server by type, with a translated message per field."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from linli.core.identifiers import citizen_id_check_char
from linli.hall.forms_spec import DeclarationError, check_declaration, validate_form
from linli.hall.models import Matter


def field(name: str, kind: str, required: bool = True, **extra: object) -> dict[str, object]:
    return {
        "name": name,
        "label_zh": name,
        "label_en": name,
        "type": kind,
        "required": required,
        **extra,
    }


FIELDS = [
    field("hotel_name", "text", max_length=10),
    field("about", "textarea", required=False),
    field("opens_on", "date"),
    field("rooms", "integer"),
    field("stars", "choice", required=False, choices=["一星", "二星"]),
    field("phone", "phone"),
    field("owner_id", "id_number"),
    field("plate", "plate", required=False),
]
ID17 = "33040219900101123"
VALID_ID = ID17 + citizen_id_check_char(ID17)
WRONG_ID = ID17 + ("1" if VALID_ID[-1] == "0" else "0")
GOOD = {
    "hotel_name": " 南湖宾馆 ",
    "opens_on": "2026-05-01",
    "rooms": "12",
    "stars": "二星",
    "phone": "13812345678",
    "owner_id": VALID_ID.lower(),
    "plate": "浙F·12345",
}


def test_good_answers_come_back_clean():
    clean, errors = validate_form(FIELDS, GOOD)
    assert errors == {}
    assert clean["hotel_name"] == "南湖宾馆" and clean["rooms"] == 12
    assert clean["phone"] == "+8613812345678" and clean["plate"] == "浙F12345"
    assert clean["owner_id"] == VALID_ID.upper()
    assert "about" not in clean


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hotel_name", "一二三四五六七八九十十一"),
        ("hotel_name", 12),
        ("opens_on", "2026-02-30"),
        ("opens_on", "2026-W01-1"),
        ("opens_on", "20260501"),
        ("rooms", "twelve"),
        ("rooms", True),
        ("rooms", 1.5),
        ("stars", "五星"),
        ("phone", "12345"),
        ("owner_id", WRONG_ID),
        ("owner_id", "33040219901301123X"),
        ("plate", "ABC123"),
        ("hotel_name", "a\x00b"),
        ("about", ["list"]),
    ],
)
def test_a_bad_answer_is_named_with_its_field(field, value):
    clean, errors = validate_form(FIELDS, {**GOOD, field: value})
    assert set(errors) == {field} and clean == {}
    assert all(isinstance(m, str) and m for m in errors[field])


def test_missing_required_and_unknown_fields_are_refused():
    _clean, errors = validate_form(FIELDS, {"smuggled": "x"})
    assert set(errors) == {"smuggled", "hotel_name", "opens_on", "rooms", "phone", "owner_id"}


def test_answers_that_are_not_an_object_are_refused():
    assert validate_form(FIELDS, ["x"])[1] == {
        "__all__": ["The form must be an object of field names and values."]
    }


def test_messages_follow_the_language():
    with translation.override("zh-hans"):
        _clean, errors = validate_form(FIELDS, {**GOOD, "rooms": "x"})
    assert errors["rooms"] == ["请输入整数。"]


@pytest.mark.parametrize(
    "declaration",
    [
        "not a list",
        [{"name": "a", "label_zh": "甲", "label_en": "A", "type": "colour"}],
        [{"name": "a", "label_zh": "甲", "label_en": "A", "type": "text"}] * 2,
        [{"name": "a", "label_zh": "甲", "label_en": "A", "type": "choice"}],
        [{"name": "a", "label_zh": "甲", "label_en": "A", "type": "choice", "choices": []}],
        [{"name": "a", "label_zh": "甲", "label_en": "A", "type": "text", "choices": ["x"]}],
        [{"name": "Bad Name", "label_zh": "甲", "label_en": "A", "type": "text"}],
        [{"name": "a", "label_en": "A", "type": "text"}],
        [{"name": "a", "label_zh": "甲", "label_en": "A", "type": "text", "max_length": 0}],
        [{"name": "a", "label_zh": "甲", "label_en": "A", "type": "text", "colour": "red"}],
        [{"name": "a", "label_zh": "甲", "label_en": "A", "type": "text", "required": "yes"}],
        ["field"],
    ],
)
def test_a_bad_declaration_is_refused(declaration):
    with pytest.raises(DeclarationError):
        check_declaration(declaration)


@pytest.mark.django_db
def test_a_matter_with_a_bad_form_cannot_be_saved_through_validation():
    matter = Matter.objects.get(code="passport")
    matter.form = [{"name": "a", "label_zh": "甲", "label_en": "A", "type": "choice"}]
    with pytest.raises(ValidationError) as caught:
        matter.full_clean()
    assert set(caught.value.message_dict) == {"form"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([f["name"] for f in FIELDS] + ["x"]), json_values))
def test_any_answers_give_clean_data_or_messages_never_an_exception(answers):
    clean, errors = validate_form(FIELDS, answers)
    assert not errors or clean == {}  # never half-clean
    assert all(isinstance(m, str) for messages in errors.values() for m in messages)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_declaration_is_accepted_or_refused_with_messages(declaration):
    try:
        check_declaration(declaration)
    except DeclarationError as exc:
        assert exc.messages and all(isinstance(m, str) for m in exc.messages)
