import pytest
from django.core.exceptions import ValidationError

from crm.models.validators import credit_code_check_character, normalize_credit_code, validate_credit_code

# Codes of real, registered organisations (published on their own sites and in filings).
REAL_CODES = [
    "91350100M000100Y43",  # the worked example of GB 32100-2015
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "914403001922038216",  # 华为技术有限公司
    "91110000717825966F",  # a state-owned enterprise in Beijing
    "91440300708461136T",  # a Shenzhen enterprise
    "91110108551385082Q",  # 北京小米科技有限责任公司
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_it_accepts_real_codes(code):
    validate_credit_code(code)
    assert credit_code_check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", REAL_CODES)
def test_it_rejects_every_single_character_change_of_a_real_code(code):
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(18):
        replacement = alphabet[(alphabet.index(code[position]) + 7) % 31]
        corrupted = code[:position] + replacement + code[position + 1 :]
        with pytest.raises(ValidationError):
            validate_credit_code(corrupted)


@pytest.mark.parametrize("code", REAL_CODES)
def test_it_rejects_swapped_neighbours(code):
    for position in range(17):
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        if swapped != code:
            with pytest.raises(ValidationError):
                validate_credit_code(swapped)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("9144030071526726X", "credit_code_length"),
        ("9144030071526726XGG", "credit_code_length"),
        ("", "credit_code_length"),
        ("9144030071526726IG", "credit_code_alphabet"),  # I is not in the alphabet
        ("9144030071526726OG", "credit_code_alphabet"),  # nor O
        ("91440300715267260S", "credit_code_alphabet"),  # nor S as check character
        ("9144030071526726xg", "credit_code_alphabet"),  # lower case is normalized before, not here
        ("914403007152672６XG", "credit_code_alphabet"),  # a full-width digit
        ("9144030071526726XA", "credit_code_check"),
    ],
)
def test_it_names_the_reason_a_code_is_refused(code, reason):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert error.value.code == reason


def test_normalize_removes_spaces_and_upper_cases():
    assert normalize_credit_code(" 9144 0300 7152 6726xg ") == "9144030071526726XG"
