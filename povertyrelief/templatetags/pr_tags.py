from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value) -> str:
    """An amount in 元 as 12,345.60 (blank when there is none)."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


@register.filter
def verbose_name(content_type_or_model) -> str:
    """Chinese name of a model, given the model, an instance or a ContentType."""
    model = getattr(content_type_or_model, "model_class", None)
    model = model() if callable(model) else content_type_or_model
    meta = getattr(model, "_meta", None)
    return str(meta.verbose_name) if meta else ""


@register.filter
def audit_value(value) -> str:
    """An audited value for people: empty and None both read as （空）."""
    if value in (None, "None", "", "[]"):
        return "（空）"
    return value


@register.filter
def audit_action(entry) -> str:
    from povertyrelief.audit import ACTION_LABELS

    return ACTION_LABELS.get(entry.action, str(entry.action))


@register.filter
def small_control(bound_field):
    """A form field rendered as a small Bootstrap control (for filter bars whose form sets no classes)."""
    from django import forms

    widget = bound_field.field.widget
    if widget.attrs.get("class"):
        return bound_field.as_widget()
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select form-select-sm"
    else:
        css = "form-control form-control-sm"
    return bound_field.as_widget(attrs={"class": css})
