from django import forms

from .permissions import restrict

EMPTY_LABEL = "—— 请选择 ——"


class ChineseFormMixin:
    """Replaces Django's English "---------" empty choice with Chinese."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.empty_label is not None:
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
