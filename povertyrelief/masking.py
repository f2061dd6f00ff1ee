"""Masking sensitive personal numbers wherever they are shown without a
logged reveal: the audit trail, record histories and edit forms.

The masks are the ones the household page and the ledgers already use: an
ID or bank number keeps its first 6 and last 4 characters (the 公示 rule,
``mask_identifier``); a disability certificate number, which begins with
the holder's ID, keeps its first 4 as on the household page. The full value
is only ever shown through the logged reveal (povertyrelief/privacy.py).
"""

from __future__ import annotations

from typing import Callable

from .exports import mask_identifier

EMPTY_VALUES = (None, "", "None")


def mask_certificate(value: str | None) -> str | None:
    """First 4 characters, as the household page shows a 残疾证号."""
    if not value:
        return value
    return value[:4] + "****"


# Field name → mask, whatever the model: a field called ``id_number`` is a
# person's ID on every record that has one.
SENSITIVE_FIELDS: dict[str, Callable[[str], str]] = {
    "id_number": mask_identifier,
    "head_id_number": mask_identifier,
    "bank_account": mask_identifier,
    "disability_cert_number": mask_certificate,
}


def is_sensitive(field_name: str) -> bool:
    return field_name in SENSITIVE_FIELDS


def mask_value(field_name: str, value):
    """The value as it may be shown without a reveal (unchanged when the
    field is not sensitive or the value is empty)."""
    mask = SENSITIVE_FIELDS.get(field_name)
    if mask is None or value in EMPTY_VALUES:
        return value
    return mask(str(value))


def mask_changes(changes: dict) -> dict:
    """An audit entry's ``{field: [before, after]}`` with sensitive values masked."""
    masked = {}
    for name, values in (changes or {}).items():
        if is_sensitive(name) and isinstance(values, (list, tuple)):
            values = [mask_value(name, value) for value in values]
        masked[name] = values
    return masked


def keep_placeholder(masked: str) -> str:
    """The placeholder of an input that keeps its current value when left blank."""
    return f"{masked}（不修改请留空）"
