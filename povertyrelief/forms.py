import re
from collections.abc import Callable, Iterable
from datetime import date
from html import escape

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.safestring import SafeString, mark_safe
from django.core.exceptions import ValidationError

from .permissions import restrict

EMPTY_LABEL = "—— 请选择 ——"
# No date the registry records lies outside these (a birth year before 1900
# is already refused in ID numbers); 0001-01-01 or 9999-12-31 is a slip, and
# a step's deadline computed from it would not exist.
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2100, 12, 31)


def validate_sane_date(value: date) -> None:
    if value and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(f"日期 {value:%Y-%m-%d} 不合理，应在 {EARLIEST_DATE:%Y-%m-%d} 至 {LATEST_DATE:%Y-%m-%d} 之间。")


# Ids and whole numbers beyond these reach no row and no column: the sqlite3
# driver raises OverflowError on them (a server error) instead of finding nothing.
MAX_ROW_ID = 2**63 - 1
INTEGER_RANGE = (-(2**31), 2**31 - 1)
WHOLE_NUMBER = re.compile(r"\s*[-+]?\d+\s*")


def is_row_id(value) -> bool:
    """A value that can be a row's id (digits, within 64 bits)."""
    text = str(value)
    return text.isdigit() and int(text) <= MAX_ROW_ID


def _out_of_range_id(value) -> bool:
    values = value if isinstance(value, (list, tuple)) else [value]
    return any(
        isinstance(v, str) and WHOLE_NUMBER.fullmatch(v) and abs(int(v)) > MAX_ROW_ID for v in values
    )


def _refusing_huge_ids(field: forms.ModelChoiceField) -> Callable:
    clean = field.clean

    def checked(value):
        if _out_of_range_id(value):
            raise ValidationError(field.error_messages["invalid_choice"], code="invalid_choice", params={"value": "该编号"})
        return clean(value)

    return checked


def date_input() -> forms.DateInput:
    """The browser's date picker (<input type="date">), which needs ISO
    dates whatever the locale would format (2024/10/08 shows as empty)."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ChineseFormMixin:
    """Replaces Django's English "---------" empty choice with Chinese, keeps
    every date between EARLIEST_DATE and LATEST_DATE, every whole number
    within a database integer, and refuses an id beyond any row's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.validators.append(validate_sane_date)
            if isinstance(field, forms.IntegerField) and not isinstance(field, (forms.DecimalField, forms.FloatField)):
                if field.max_value is None:
                    field.validators.append(MaxValueValidator(INTEGER_RANGE[1]))
                if field.min_value is None:
                    field.validators.append(MinValueValidator(INTEGER_RANGE[0]))
            if isinstance(field, forms.ModelChoiceField):
                field.clean = _refusing_huge_ids(field)
                # Its choices stay its queryset (a fixed list would run the
                # query now and hide the one the form sets later).
                if field.empty_label is not None:
                    field.empty_label = EMPTY_LABEL
            elif isinstance(field, forms.ChoiceField):
                field.choices = [
                    (value, EMPTY_LABEL if value == "" else label) for value, label in field.choices
                ]


class ScopedModelForm(ChineseFormMixin, forms.ModelForm):
    """A model form whose foreign-key drop-downs list only rows in the user's
    area (``scoped_fields`` maps field name to the action required)."""

    scoped_fields: dict[str, str] = {}

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for name, action in self.scoped_fields.items():
            field = self.fields[name]
            field.queryset = restrict(field.queryset, user, action)


def add_service_errors(form: forms.Form, exc: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: each message next to the
    field it names (renamed where the form calls it differently), the rest on top."""
    rename = rename or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        target = rename.get(name, name)
        form.add_error(target if target in form.fields else None, errors)


def option_tags(
    choices: Iterable[tuple[object, object]], selected: object = None, label: Callable[[object, object], object] | None = None
) -> SafeString:
    """A drop-down's ``<option>``s, the ``selected`` value marked and every
    value and text escaped, built in Python: as template loops a county's
    few hundred options took longer to render than a list's rows.
    ``label(value, text)`` may reword what is shown."""
    selected = None if selected is None else str(selected)
    return mark_safe("".join(
        f'<option value="{escape(str(value))}"{" selected" if str(value) == selected else ""}>'
        f"{escape(str(label(value, text) if label else text))}</option>"
        for value, text in choices
    ))
