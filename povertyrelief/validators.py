import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError

PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def validate_phone(value: str) -> None:
    if not PHONE_RE.match(value.strip()):
        raise ValidationError("电话格式不正确：应为以1开头的11位手机号，或 0915-1234567 形式的座机号。")


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def normalise_id_number(value: str) -> str:
    """As typed with a Chinese input method: full-width digits, Ｘ or x and
    spaces (NFKC, upper case, no whitespace)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).upper()


def validate_id_number(value: str, *, today: date | None = None) -> None:
    """GB 11643-1999: 17 digits, a real birth date not in the future, and the
    ISO 7064 MOD 11-2 check character."""
    value = normalise_id_number(value)
    if len(value) != 18:
        raise ValidationError(f"身份证号应为18位，当前为{len(value)}位。")
    if not ID_SHAPE.fullmatch(value):
        raise ValidationError("身份证号前17位须为数字，最后一位为数字或X。")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(f"身份证号中的出生日期 {value[6:14]} 不存在。") from None
    if birth > (today or date.today()) or birth.year < 1900:
        raise ValidationError(f"身份证号中的出生日期 {value[6:14]} 不合理。")
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError("身份证号校验位不正确，请核对号码。")
