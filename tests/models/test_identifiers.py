"""Children's identifying details are kept out of escalations."""

from datetime import date

import pytest

from models.identifiers import identifying_details, valid_nhs_number

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("number, valid", [("9434765919", True), ("4010232137", True), ("9434765918", False),
                                           ("1234567890", False)])
def test_nhs_numbers_are_checked_with_their_modulus_11_digit(number, valid):
    assert valid_nhs_number(number) is valid


@pytest.mark.parametrize("text", ["NHS 943 476 5919", "nhs no 943-476-5919", "ref 9434765919 seen"])
def test_a_valid_nhs_number_is_refused_however_it_is_spaced(text):
    assert identifying_details(text, today=TODAY) == ["it contains what looks like an NHS number"]


def test_a_ten_digit_number_that_fails_the_check_is_allowed():
    assert identifying_details("call 0121 704 6000 about case 1234567890", today=TODAY) == []


@pytest.mark.parametrize("text", ["Family moved to B91 3QB last month", "address sw1a1aa", "EC1A 1BB"])
def test_a_full_postcode_is_refused(text):
    assert "full postcode" in identifying_details(text, today=TODAY)[0]


def test_the_first_half_of_a_postcode_is_allowed():
    assert identifying_details("Families in the B91 area are waiting 12 weeks", today=TODAY) == []


@pytest.mark.parametrize("text", ["DOB 01/02/2015", "d.o.b. 1 Feb 2015", "date of birth given", "born on 3 March 2019",
                                  "child aged 7 (12/03/2019)", "seen with sibling 3rd May 2014"])
def test_dates_of_birth_are_refused(text):
    assert identifying_details(text, today=TODAY)


def test_a_recent_meeting_date_is_not_mistaken_for_a_birth_date():
    assert identifying_details("Strategy meeting on 03/11/2026 did not include health", today=TODAY) == []


def test_plain_text_about_a_case_reference_passes():
    assert identifying_details("Case CS-12345: CSC closed after single assessment, HV disagrees",
                               today=TODAY) == []
