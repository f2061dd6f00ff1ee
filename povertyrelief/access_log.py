"""The personal-data access log, read back: who revealed, exported, printed or
downloaded personal data, when, what and how many rows.

Auditors and county administrators (the ``access_log`` action) read it,
scoped by the area of the user who accessed the data. The page and its Excel
ledger (``exports:access_log``) share one selector and one set of filters:
user, kind, date range, and the township or village of the user.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone

from .exports import Column, Exporter, Kind, register
from .forms import ChineseFormMixin, date_input
from .models import PersonalDataAccess, User
from .permissions import area_code_prefix, restrict

ACTION = "access_log"
FILTER_KEYS = ("user", "kind", "date_from", "date_to", "township", "village")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _area_prefix(actor, value: str) -> str | None:
    """The code prefix of an area (pk or 12-digit code) inside the actor's
    reach; None when it is not (the exporter's area check makes that a 404
    first, the page's form refuses it)."""
    from villages.models import Area

    lookup = {"code": value} if len(value) == 12 else {"pk": int(value)}
    area = restrict(Area, actor, "view").filter(**lookup).first()
    return area_code_prefix(area) if area is not None else None


def personal_data_access_search(*, actor, filters: dict, action: str = ACTION):
    """Access records the actor may read, matching the filters (strings, as
    the page's query string has them), newest first. A malformed value
    raises ValueError."""
    records = PersonalDataAccess.objects.restrict(actor, action).select_related("user").order_by("-at", "-pk")
    value = {key: str(filters.get(key) or "").strip() for key in FILTER_KEYS}
    if value["user"]:
        records = records.filter(user_id=int(value["user"]))
    if value["kind"]:
        if value["kind"] not in PersonalDataAccess.Kind.values:
            raise ValueError(f"unknown kind {value['kind']!r}")
        records = records.filter(kind=value["kind"])
    if value["date_from"]:
        records = records.filter(at__gte=_day_start(date.fromisoformat(value["date_from"])))
    if value["date_to"]:
        records = records.filter(at__lt=_day_start(date.fromisoformat(value["date_to"]) + timedelta(days=1)))
    for name in ("village", "township"):
        if value[name]:
            prefix = _area_prefix(actor, value[name])
            if prefix is None:
                return records.none()
            records = records.filter(user__area__code__startswith=prefix)
            break
    return records


class AccessLogFilterForm(ChineseFormMixin, forms.Form):
    user = forms.ModelChoiceField(label="用户", queryset=User.objects.none(), required=False)
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部")] + PersonalDataAccess.Kind.choices)
    date_from = forms.DateField(label="起始日期", required=False, widget=date_input())
    date_to = forms.DateField(label="截止日期", required=False, widget=date_input())

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        # Users whose accesses the actor may read: those of the actor's area.
        self.fields["user"].queryset = restrict(User, actor, ACTION).order_by("username")
        for field in self.fields.values():
            css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("起始日期不能晚于截止日期。")
        return data

    def filters(self) -> dict:
        """The cleaned filters as the selector and the exporter take them."""
        data = self.cleaned_data
        return {
            "user": str(data["user"].pk) if data.get("user") else "",
            "kind": data.get("kind") or "",
            "date_from": data["date_from"].isoformat() if data.get("date_from") else "",
            "date_to": data["date_to"].isoformat() if data.get("date_to") else "",
        }


def _local_time(row) -> str:
    return timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S")


def _full_name(row) -> str:
    return f"{row.user__last_name}{row.user__first_name}".strip()


@register
class AccessLogLedger(Exporter):
    identifier = "access_log"
    title = "个人信息访问记录"
    description = "每次查看完整证件号或银行账号、导出、打印和下载任务文件：时间、用户、内容、行数。按用户所属区划筛选。"
    action = ACTION
    # The log names households and members: exporting it is logged too.
    personal_data = True
    extra_fields = ("at", "user__last_name", "user__first_name")
    columns = [
        Column("时间", 19, Kind.TEXT, _local_time),
        Column("用户名", 14, Kind.ID, "user__username"),
        Column("姓名", 10, Kind.TEXT, _full_name),
        Column("类型", 14, Kind.TEXT, "kind", choices=dict(PersonalDataAccess.Kind.choices)),
        Column("内容", 28, Kind.TEXT, "what"),
        Column("对象", 28, Kind.TEXT, "object_repr"),
        Column("筛选条件", 24, Kind.TEXT, "filters"),
        Column("行数", 8, Kind.INT, "rows"),
        Column("IP", 15, Kind.ID, "ip_address"),
    ]

    def queryset(self, actor, filters: dict):
        return personal_data_access_search(actor=actor, filters=filters, action=self.action)
