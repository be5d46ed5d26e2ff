"""Validators shared by models, serializers and imports."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: the 31 characters a unified social credit code may use (no I, O, S, V, Z).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_VALUE = {ch: i for i, ch in enumerate(CREDIT_CODE_ALPHABET)}


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code, computed from the first 17."""
    total = sum(_VALUE[ch] * weight for ch, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Refuse anything but a well-formed 18-character code whose check character is right."""
    if len(value) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位（当前%(length)d位）。 The unified social credit code must have 18 characters."),
            code="credit_code_length",
            params={"length": len(value)},
        )
    bad = sorted({ch for ch in value if ch not in _VALUE})
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有非法字符：%(chars)s。 Invalid characters in the credit code."),
            code="credit_code_alphabet",
            params={"chars": "".join(bad)},
        )
    if credit_code_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("统一社会信用代码校验位不正确。 The check character of the credit code is wrong."),
            code="credit_code_check",
        )


def normalize_credit_code(value: str) -> str:
    """Codes are written in upper case; people paste them with spaces and lower-case letters."""
    return "".join(value.split()).upper()


MAX_AMOUNT = 10**14


NUL_NOT_ALLOWED = _("不允许包含空字符（NUL）。 NUL characters are not allowed.")


def validate_country_code(value: str) -> None:
    """An ISO 3166-1 alpha-2 code in capitals (CN, US, DE); names such as 中国 are refused."""
    if not (len(value) == 2 and value.isascii() and value.isalpha() and value.isupper()):
        raise ValidationError(
            _("请填写 ISO 3166 两位国家代码，例如 CN。 Use an ISO 3166 alpha-2 code such as CN."),
            code="country_code",
        )


FORTUNE500_RANGE = _("世界500强排名应在 1 到 500 之间。 A Fortune Global 500 rank lies between 1 and 500.")


def validate_fortune500_rank(value: int | None) -> None:
    if value is not None and not 1 <= value <= 500:
        raise ValidationError(FORTUNE500_RANGE, code="fortune500_rank")
