import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import nhs_number
from app.errors import InvalidInput
from app.ids import new_id
from app.persons import validate_person_fields


@pytest.mark.parametrize("number", ["943 476 5919", "9434765919", "401-023-2137", "9990000018"])
def test_valid_nhs_numbers_are_accepted_and_normalised(number: str) -> None:
    assert nhs_number.validate(number) == nhs_number.normalise(number)


@pytest.mark.parametrize("number", ["9434765918", "943476591", "94347659190", "abcdefghij", "1000000010", ""])
def test_invalid_nhs_numbers_are_refused_naming_the_field(number: str) -> None:
    with pytest.raises(InvalidInput) as info:
        nhs_number.validate(number)
    assert info.value.field == "NHS number"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_exactly_one_check_digit_validates_nine_digits_or_none_does(first_nine: str) -> None:
    valid = [d for d in "0123456789" if nhs_number.is_valid(first_nine + d)]
    expected = nhs_number.check_digit(first_nine)
    assert valid == ([] if expected is None else [str(expected)])


def test_required_person_fields_are_named_when_empty() -> None:
    with pytest.raises(InvalidInput, match="Family name"):
        validate_person_fields("Ana", " ", "Ana", None, "wales")
    with pytest.raises(InvalidInput, match="Nation"):
        validate_person_fields("Ana", "Jones", "Ana", None, "atlantis")


def test_ids_are_uuid7_and_strictly_increasing() -> None:
    ids = [new_id() for _ in range(5000)]
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
