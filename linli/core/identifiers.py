"""Chinese identifiers: citizen ID numbers (GB 11643), vehicle plates (GA 36-2018), phone numbers,
unified social credit codes (GB 32100).

Each ``parse_*`` returns a small frozen value or raises ``IdentifierError`` whose message is
translated and names what is wrong. Django validators and pydantic types (for Ninja schemas) are
built on the same functions, so a form, the API and an import all say the same thing.

Hard errors are what a number cannot be: a wrong check character, a birth date that does not
exist. What merely looks unusual — an area code Linli does not know — is a *warning* on the
parsed value: new districts (330113, 330114, …) appear every year and must never be refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator


class IdentifierError(ValueError):
    """A value that cannot be the identifier asked for; ``message`` is translated."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- citizen ID numbers (GB 11643-1999) ------------------------------------------------------

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"

# Province-level codes of GB/T 2260 (71 Taiwan, 81 Hong Kong, 82 Macau); 83 is used by the
# residence permits of Taiwan residents (830000).
PROVINCES = {
    "11": "北京",
    "12": "天津",
    "13": "河北",
    "14": "山西",
    "15": "内蒙古",
    "21": "辽宁",
    "22": "吉林",
    "23": "黑龙江",
    "31": "上海",
    "32": "江苏",
    "33": "浙江",
    "34": "安徽",
    "35": "福建",
    "36": "江西",
    "37": "山东",
    "41": "河南",
    "42": "湖北",
    "43": "湖南",
    "44": "广东",
    "45": "广西",
    "46": "海南",
    "50": "重庆",
    "51": "四川",
    "52": "贵州",
    "53": "云南",
    "54": "西藏",
    "61": "陕西",
    "62": "甘肃",
    "63": "青海",
    "64": "宁夏",
    "65": "新疆",
    "71": "台湾",
    "81": "香港",
    "82": "澳门",
    "83": "台湾",
}
PERMIT_AREAS = {"810000": "香港", "820000": "澳门", "830000": "台湾"}
# Area codes Linli knows beyond the province level: enough to tell a typo in a familiar place
# from a district Linli has not heard of; anything else is only a warning.
KNOWN_AREAS = frozenset(
    {
        "330100", "330102", "330105", "330106", "330108", "330109", "330110", "330111",
        "330112", "330113", "330114", "330122", "330127", "330182", "330400", "330402",
        "330411", "330421", "330424", "330481", "330482", "330483", "330499",
    }
)  # fmt: skip


class IdKind:
    CITIZEN = "citizen"
    CITIZEN_15 = "citizen_15"  # an old 15-digit number, converted to 18
    HK_MACAU_TAIWAN_PERMIT = "hk_macau_taiwan_permit"
    FOREIGNER_PERMANENT_RESIDENCE = "foreigner_permanent_residence"


@dataclass(frozen=True)
class CitizenId:
    number: str  # 18 characters, upper-case X
    kind: str
    area_code: str
    birth_date: date
    sex: str  # "male" | "female"
    warnings: tuple[str, ...] = field(default=())


def citizen_id_check_char(first17: str) -> str:
    """The GB 11643 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def _ascii_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _birth_date(text: str, *, today: date) -> date:
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise IdentifierError(
            _("The birth date %(date)s in this ID number does not exist.") % {"date": text},
            "id_birth_date",
        ) from None
    if born > today or born < date(1900, 1, 1):
        raise IdentifierError(
            _("The birth date %(date)s in this ID number is not possible.") % {"date": text},
            "id_birth_date",
        )
    return born


def _clean(value: Any) -> str:
    if not isinstance(value, str):
        raise IdentifierError(_("Enter the number as text."), "invalid")
    return re.sub(r"[\s\-]", "", value).upper()


def parse_citizen_id(value: Any, *, today: date | None = None) -> CitizenId:
    """Check an ID number (18 or old 15 digits, incl. HK/Macau/Taiwan residence permits and the
    2023 foreigners' permanent-residence ID) and return what it says."""
    text = _clean(value)
    today = today or date.today()
    if len(text) == 15:
        if not _ascii_digits(text):
            raise IdentifierError(_("A 15-digit ID number has digits only."), "id_format")
        text = text[:6] + "19" + text[6:]
        text += citizen_id_check_char(text)
        kind = IdKind.CITIZEN_15
    elif len(text) == 18:
        if not (_ascii_digits(text[:17]) and (text[17].isdigit() or text[17] == "X")):
            raise IdentifierError(
                _("An ID number has 17 digits and a check character (a digit or X)."),
                "id_format",
            )
        if citizen_id_check_char(text[:17]) != text[17]:
            raise IdentifierError(
                _("This ID number is mistyped: its check character does not match."),
                "id_check",
            )
        kind = IdKind.CITIZEN
    else:
        raise IdentifierError(
            _("An ID number has 18 characters (or 15 digits for an old one); this has %(n)d.")
            % {"n": len(text)},
            "id_length",
        )
    area = text[:6]
    warnings: list[str] = []
    if text[0] == "9" and kind == IdKind.CITIZEN:
        # Foreigners' permanent-residence ID (2023): 9, issuing province, nationality code.
        kind = IdKind.FOREIGNER_PERMANENT_RESIDENCE
        if text[1:3] not in PROVINCES:
            raise IdentifierError(
                _("The issuing province %(code)s of this permanent-residence ID does not exist.")
                % {"code": text[1:3]},
                "id_area",
            )
    elif area in PERMIT_AREAS:
        kind = IdKind.HK_MACAU_TAIWAN_PERMIT
    elif text[:2] not in PROVINCES:
        raise IdentifierError(
            _("This ID number starts with %(code)s, which is no province.") % {"code": text[:2]},
            "id_area",
        )
    elif area not in KNOWN_AREAS and not area.endswith("0000"):
        warnings.append(
            _("The area code %(code)s is not in Linli's list; check it.") % {"code": area}
        )
    born = _birth_date(text[6:14], today=today)
    sex = "male" if int(text[16]) % 2 else "female"
    return CitizenId(text, kind, area, born, sex, tuple(warnings))


def normalise_citizen_id(value: Any) -> str:
    """The 18-character form of a valid ID number (15-digit ones converted)."""
    return parse_citizen_id(value).number


# --- vehicle plates (GA 36-2018) -------------------------------------------------------------

PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O are never used
_SERIAL = _LETTER + "0123456789"
_ELECTRIC = "DABCE"  # pure electric (D is the common one)
_OTHER_ENERGY = "FGHJK"  # plug-in hybrid, fuel cell, …


@dataclass(frozen=True)
class Plate:
    number: str  # without separator: 浙FD12345
    display: str  # 浙F·D12345
    kind: str
    province: str
    energy: str | None = None  # "electric" | "other" for new-energy plates


def _plate_error() -> IdentifierError:
    return IdentifierError(
        _("This is not a Chinese number plate (for example 浙F·12345 or 浙F·D12345)."),
        "plate_format",
    )


def parse_plate(value: Any) -> Plate:
    text = _clean(value).replace("·", "").replace(".", "").replace("•", "")
    if text.startswith("使"):  # embassy plates: 使 + 6 digits
        if len(text) == 7 and _ascii_digits(text[1:]):
            return Plate(text, f"使{text[1:]}", "embassy", "")
        raise _plate_error()
    if len(text) < 7 or text[0] not in PLATE_PROVINCES:
        if text and text[0] not in PLATE_PROVINCES and not text[0].isascii():
            raise IdentifierError(
                _("“%(char)s” is not a province abbreviation on a plate.") % {"char": text[0]},
                "plate_province",
            )
        raise _plate_error()
    province, city, rest = text[0], text[1], text[2:]
    if city not in _LETTER:
        raise _plate_error()

    def plate(kind: str, energy: str | None = None) -> Plate:
        return Plate(text, f"{province}{city}·{rest}", kind, province, energy)

    def serial(chars: str) -> bool:
        return all(c in _SERIAL for c in chars)

    last = rest[-1]
    suffixes = {"警": "police", "学": "coach", "挂": "trailer", "领": "consulate", "使": "embassy"}
    suffixes |= {"港": "hong_kong_macau", "澳": "hong_kong_macau"}
    if len(rest) == 5 and last in suffixes and serial(rest[:4]):
        return plate(suffixes[last])
    if len(rest) == 5 and serial(rest):
        return plate("ordinary")
    if len(rest) == 6:
        # Small new-energy: D/A/B/C/E or F/G/H/J/K, a letter or digit, then four digits.
        if rest[0] in _ELECTRIC + _OTHER_ENERGY and rest[1] in _SERIAL and _ascii_digits(rest[2:]):
            return plate("new_energy_small", "electric" if rest[0] in _ELECTRIC else "other")
        # Large new-energy: five digits, then the energy letter.
        if _ascii_digits(rest[:5]) and last in _ELECTRIC + _OTHER_ENERGY:
            return plate("new_energy_large", "electric" if last in _ELECTRIC else "other")
    raise _plate_error()


# --- phone numbers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Phone:
    e164: str
    national: str
    kind: str  # "mobile" | "landline" | "other"


def parse_phone(value: Any, region: str = "CN") -> Phone:
    text = value.strip() if isinstance(value, str) else ""
    if not re.fullmatch(r"[0-9+\-() .]{3,40}", text):
        raise IdentifierError(_("Enter a valid phone number."), "phone")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise IdentifierError(_("Enter a valid phone number."), "phone")
    number_type = phonenumbers.number_type(number)
    kind = {
        phonenumbers.PhoneNumberType.MOBILE: "mobile",
        phonenumbers.PhoneNumberType.FIXED_LINE: "landline",
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "mobile",
    }.get(number_type, "other")
    return Phone(
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        kind,
    )


def normalise_mobile(value: Any) -> str:
    """A mainland mobile number as its 11 digits."""
    phone = parse_phone(value)
    if phone.kind != "mobile" or not phone.e164.startswith("+86"):
        raise IdentifierError(_("Enter a valid mobile phone number."), "mobile")
    return phone.e164[3:]


# --- unified social credit codes (GB 32100-2015) ---------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
# Registration authorities: 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教,
# 8 工会, 9 市场监管 (工商), A 中央军委改革和编制办公室, N 农业, Y 其他.
USCC_AUTHORITIES = "123456789ANY"
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]  # GB 11714 organisation code
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class CreditCode:
    code: str
    authority: str
    organisation_type: str
    area_code: str
    organisation_code: str


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def organisation_check_char(first8: str) -> str:
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def parse_uscc(value: Any) -> CreditCode:
    text = _clean(value)
    if len(text) != 18 or any(c not in USCC_ALPHABET for c in text):
        raise IdentifierError(
            _("A unified social credit code has 18 digits and capital letters (no I, O, S, V, Z)."),
            "uscc_format",
        )
    if text[0] not in USCC_AUTHORITIES:
        raise IdentifierError(
            _("“%(char)s” is no registration authority of a credit code.") % {"char": text[0]},
            "uscc_authority",
        )
    if not _ascii_digits(text[2:8]):
        raise IdentifierError(
            _("Characters 3 to 8 of a credit code are an area code of digits."), "uscc_area"
        )
    if uscc_check_char(text[:17]) != text[17]:
        raise IdentifierError(
            _("This credit code is mistyped: its check character does not match."), "uscc_check"
        )
    if organisation_check_char(text[8:16]) != text[16]:
        raise IdentifierError(
            _("The organisation code inside this credit code is mistyped."), "uscc_org_check"
        )
    return CreditCode(text, text[0], text[1], text[2:8], text[8:17])


# --- Django validators and pydantic types ----------------------------------------------------


def _validator(parse: Any) -> Any:
    def validate(value: Any) -> None:
        try:
            parse(value)
        except IdentifierError as exc:
            raise ValidationError(exc.message, code=exc.code) from None

    validate.__name__ = f"validate_{parse.__name__.removeprefix('parse_')}"
    return validate


validate_citizen_id = _validator(parse_citizen_id)
validate_plate = _validator(parse_plate)
validate_phone = _validator(parse_phone)
validate_mobile = _validator(normalise_mobile)
validate_uscc = _validator(parse_uscc)


def _pydantic(normalise: Any) -> Any:
    def check(value: str) -> str:
        try:
            return str(normalise(value))
        except IdentifierError as exc:
            raise ValueError(exc.message) from None

    return AfterValidator(check)


CitizenIdStr = Annotated[str, _pydantic(normalise_citizen_id)]
MobileStr = Annotated[str, _pydantic(normalise_mobile)]
PlateStr = Annotated[str, _pydantic(lambda v: parse_plate(v).number)]
UsccStr = Annotated[str, _pydantic(lambda v: parse_uscc(v).code)]
