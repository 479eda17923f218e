"""The NHS number rule as the NHS Data Dictionary states it: ten ASCII digits; weight the first nine 10 down
to 2, take the sum modulo 11 and subtract it from 11; 11 means a check digit of 0, 10 means no valid number.
Written from that rule (an oracle of its own), not from app/nhs_number.py."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import nhs_number
from app.errors import InvalidInput


def expected_check_digit(first_nine: str) -> int | None:
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(first_nine)) % 11
    return {0: 0, 1: None}.get(remainder, 11 - remainder)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_the_check_digit_follows_the_published_rule(first_nine: str) -> None:
    assert nhs_number.check_digit(first_nine) == expected_check_digit(first_nine)


@pytest.mark.parametrize("number", ["1000000060", "100 000 0230", "1000000370"])
def test_a_number_whose_remainder_is_zero_ends_in_0_and_is_valid(number: str) -> None:
    assert nhs_number.check_digit(nhs_number.normalise(number)[:9]) == 0
    assert nhs_number.is_valid(number)
    assert nhs_number.validate(number) == number.replace(" ", "")


def test_a_remainder_of_one_makes_every_number_with_those_nine_digits_invalid() -> None:
    assert nhs_number.check_digit("100000001") is None
    assert not any(nhs_number.is_valid("100000001" + d) for d in "0123456789")


def test_the_check_digit_needs_exactly_nine_digits() -> None:
    with pytest.raises(ValueError):
        nhs_number.check_digit("12345678")
    with pytest.raises(ValueError):
        nhs_number.check_digit("1234567890")


@pytest.mark.parametrize(
    "number",
    [
        "٩٤٣٤٧٦٥٩١٩",  # Arabic-Indic digits: isdigit() is true, but they are not an NHS number
        "９４３４７６５９１９",  # full-width digits, as some input methods type them
        "943.476.5919",
        "943/476/5919",
        "NHS 9434765919",
        "9434765919x",
        "94347659l9",
    ],
)
def test_anything_but_ascii_digits_spaces_and_hyphens_is_refused_not_dropped(number: str) -> None:
    with pytest.raises(InvalidInput) as info:
        nhs_number.validate(number)
    assert info.value.field == "NHS number"
    assert info.value.problem == "must be 10 digits"
    assert not nhs_number.is_valid(number)


@pytest.mark.parametrize("number", ["943 476 5919", "943-476-5919", " 9434765919 ", "943\t476\t5919"])
def test_spaces_and_hyphens_are_how_workers_type_them_and_are_dropped(number: str) -> None:
    assert nhs_number.normalise(number) == "9434765919"
    assert nhs_number.validate(number) == "9434765919"


def test_a_wrong_check_digit_is_named_as_such_for_the_field_asked_about() -> None:
    with pytest.raises(InvalidInput) as info:
        nhs_number.validate("9434765918", field="Carer's NHS number")
    assert info.value.field == "Carer's NHS number"
    assert info.value.problem == "is not a valid NHS number (its check digit does not match)"
    with pytest.raises(InvalidInput) as info:
        nhs_number.validate("943476591", field="Carer's NHS number")
    assert info.value.field == "Carer's NHS number"


def test_numbers_are_shown_in_the_three_three_four_grouping() -> None:
    assert nhs_number.formatted("9434765919") == "943 476 5919"
