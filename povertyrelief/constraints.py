"""Constraint messages next to the field they are about.

Rules live in database constraints with a Chinese ``violation_error_message``;
forms and services show them through ``full_clean()`` (a ModelForm validates
constraints too), so no form repeats a rule the database already keeps.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def errors_on_fields(exc: ValidationError, fields: set[str]) -> ValidationError:
    """Move each record-wide error whose code names one of ``fields`` onto
    that field."""
    moved: dict[str, list[ValidationError]] = {}
    for name, errors in exc.error_dict.items():
        for error in errors:
            target = error.code if name == NON_FIELD_ERRORS and error.code in fields else name
            moved.setdefault(target, []).append(error)
    return ValidationError(moved)


class FieldConstraintsMixin:
    """Model mixin. Django reports a violated check constraint on the whole
    record; one whose ``violation_error_code`` is a field name of the model is
    reported on that field instead, in forms and services alike."""

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            raise errors_on_fields(exc, {field.name for field in self._meta.fields}) from None
