"""Forms for households and members. They check what a person can fix on
the spot (ID checksum, one person one household) so errors appear next to
the field; the services check the same rules again before writing."""

from __future__ import annotations

import copy

from django import forms
from django.core.exceptions import ValidationError

from povertyrelief.forms import EMPTY_LABEL, ChineseFormMixin, ScopedModelForm, add_service_errors, date_input
from povertyrelief.masking import keep_placeholder, mask_value
from povertyrelief.validators import normalise_id_number, validate_id_number
from villages.fields import AreaChoiceField
from villages.models import AreaLevel

from ..models import Household, LeaveReason, Member, Relation
from ..services.registry import STATUS_FIELDS, household_validate, id_owner_message, may_set_status

PHONE_HELP = "11位手机号或 0915-1234567 形式的座机号"
ID_HELP = "18位居民身份证号，末位X大小写均可；出生日期和性别由身份证号自动得出"

HOUSEHOLD_SECTIONS = [
    ("基本信息", ["village", "number", "group", "address", "phone", "bank_name", "bank_account"]),
    (
        "识别与致贫原因",
        [
            "not_registered", "identification_standard", "identification_year", "attribute", "main_cause", "other_cause_1",
            "other_cause_2", "status", "exit_year", "planned_exit_year", "declared_income_per_capita",
        ],
    ),
    (
        "生产生活条件",
        [
            "housing_safety", "relocated", "relocation_date", "safe_drinking_water", "has_electricity", "road_to_home",
            "farmland_mu", "forest_mu", "returned_farmland_mu",
        ],
    ),
]
KEEP_HELP = "如需更改请输入新的完整号码；留空则保留原号码。"
# Typed IDs may carry spaces or full-width characters: the length rule
# applies after normalisation, so the input only bounds what a browser sends.
ID_INPUT = forms.TextInput(attrs={"maxlength": 40, "autocomplete": "off", "spellcheck": "false"})
VERSION_MISSING = "页面缺少版本信息，本次保存未生效；请重新打开编辑页后再保存。"
VERSION_ERRORS = {"required": VERSION_MISSING, "invalid": VERSION_MISSING}


def chinese_blank_choices(form: forms.Form) -> None:
    """Django 6.1 labels a model field's blank choice "- Select an option -"
    (untranslated), which ChineseFormMixin's "---------" match misses."""
    for field in form.fields.values():
        if isinstance(field, forms.TypedChoiceField) or type(field) is forms.ChoiceField:
            field.choices = [(value, EMPTY_LABEL if value == "" else label) for value, label in field.choices]


def _clean_id(value: str) -> str:
    value = normalise_id_number(value or "")
    if value:
        validate_id_number(value)
    return value


def keep_sensitive(form: forms.ModelForm, name: str) -> None:
    """On edit, a sensitive field (full ID, bank account) starts empty, never
    holding the current value: its placeholder shows the masked value,
    leaving it blank keeps it, and the full value is only shown through the
    logged reveal. ``form.kept[name]`` holds the value a blank keeps and
    ``form.masked[name]`` what the page may show of it."""
    current = getattr(form.instance, name) if form.instance.pk else None
    form.kept[name] = current
    if not current:
        return
    form.masked[name] = mask_value(name, current)
    field = form.fields[name]
    field.required = False
    field.help_text = KEEP_HELP
    field.widget.attrs.update(placeholder=keep_placeholder(form.masked[name]), autocomplete="off")
    form.initial[name] = ""


def kept_if_blank(form: forms.ModelForm, name: str, value):
    """The current value when the field was left blank on edit."""
    if not (value or "").strip() and form.kept.get(name):
        return form.kept[name]
    return value


class HouseholdForm(ScopedModelForm):
    """建档 and editing of the household's own record. On create it also takes
    the 户主, since a household never exists without one; on edit it carries
    the ``version`` it was opened at, so a later save cannot overwrite
    someone else's."""

    village = AreaChoiceField(label="行政村", level=AreaLevel.VILLAGE, action="change")
    head_name = forms.CharField(label="户主姓名", max_length=30)
    head_id_number = forms.CharField(label="户主身份证号", required=False, help_text=ID_HELP, widget=ID_INPUT)
    head_disability_cert_number = forms.CharField(
        label="户主残疾证号", max_length=30, required=False, help_text="仅在户主没有身份证号时填写"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, error_messages=VERSION_ERRORS)
    # Unticked (the default, and what older pages and scripts send) is a
    # 建档立卡 household; ticked, an ordinary rural household kept only as a
    # 防返贫监测 object, without 识别年度, 属性, 致贫原因 or 脱贫状态.
    not_registered = forms.BooleanField(
        label="非建档立卡户（仅作为防返贫监测对象登记）", required=False,
        help_text="边缘易致贫户、突发严重困难户等未建档立卡的农户勾选此项；识别年度、贫困户属性和致贫原因只对建档立卡户必填",
    )

    class Meta:
        model = Household
        fields = [name for _, names in HOUSEHOLD_SECTIONS for name in names if name != "not_registered"]
        widgets = {"relocation_date": date_input(), "address": forms.TextInput}
        help_texts = {"phone": PHONE_HELP, "number": "同一行政村内不能重复"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        chinese_blank_choices(self)
        self.creating = self.instance.pk is None
        self.kept, self.masked = {}, {}
        self.fields["village"].offer_to(user)
        if self.creating:
            del self.fields["version"]
        else:
            for name in ("head_name", "head_id_number", "head_disability_cert_number"):
                del self.fields[name]
            self.fields["version"].required = True
            self.fields["version"].initial = self.instance.version
            keep_sensitive(self, "bank_account")
        if not may_set_status(user):
            for name in STATUS_FIELDS:
                del self.fields[name]
            if not self.creating:
                # Entering or leaving 建档立卡 is the county's decision.
                self.fields["not_registered"].disabled = True
        self.fields["not_registered"].initial = not self.instance.registered

    @property
    def sections(self):
        """(title, bound fields) in the order the form shows them."""
        result = []
        if self.creating:
            result.append(("户主", [self[n] for n in ("head_name", "head_id_number", "head_disability_cert_number")]))
        for title, names in HOUSEHOLD_SECTIONS:
            result.append((title, [self[n] for n in names if n in self.fields]))
        return result

    def clean_head_name(self):
        return self.cleaned_data["head_name"].strip()

    def clean_bank_account(self):
        return kept_if_blank(self, "bank_account", self.cleaned_data.get("bank_account"))

    def clean_head_id_number(self):
        value = _clean_id(self.cleaned_data.get("head_id_number"))
        if value:
            message = id_owner_message(actor=self.user, id_number=value)
            if message:
                raise ValidationError(message)
        return value

    def clean(self):
        cleaned = super().clean()
        if self.creating and not self.has_error("head_id_number"):
            if not cleaned.get("head_id_number") and not (cleaned.get("head_disability_cert_number") or "").strip():
                self.add_error("head_id_number", "请填写户主的身份证号；没有身份证号时填写残疾证号。")
        # The service's own rules, run on a copy so each message lands next
        # to its field before anything is written.
        probe = copy.copy(self.instance)
        for name in self._meta.fields:
            if name in cleaned:
                setattr(probe, name, cleaned[name])
        probe.registered = self.instance.registered = not cleaned.get("not_registered", False)
        try:
            household_validate(probe)
        except ValidationError as exc:
            add_service_errors(self, exc)
        for name in ("other_cause_1", "other_cause_2"):
            if name in cleaned:
                cleaned[name] = getattr(probe, name)
        return cleaned

    def head_member(self) -> Member:
        """The 户主 this form registers (only when creating)."""
        return Member(
            name=self.cleaned_data["head_name"],
            id_number=self.cleaned_data.get("head_id_number") or None,
            disability_cert_number=self.cleaned_data.get("head_disability_cert_number", ""),
            relation=Relation.HEAD,
        )


MEMBER_SECTIONS = [
    ("身份", ["name", "id_number", "disability_cert_number", "sex", "birth_date", "relation", "ethnicity"]),
    ("教育与健康", ["education", "school_status", "school_exemption", "health", "disability_grade"]),
    ("劳动与务工", ["labour_skill", "work_status", "work_months"]),
    (
        "保障",
        ["medical_insurance", "serious_illness_insurance", "pension_insurance", "is_dibao", "is_tekun"],
    ),
]


class MemberForm(ChineseFormMixin, forms.ModelForm):
    """Adding or editing a member. A new 户主 is chosen with 设为户主, never
    here, so the relation list leaves 户主 out (except on the 户主's own
    record, where it cannot change). An edit carries the ``version`` it was
    opened at, so a later save cannot overwrite someone else's."""

    id_number = forms.CharField(label="证件号码", required=False, help_text=ID_HELP, widget=ID_INPUT)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, error_messages=VERSION_ERRORS)

    class Meta:
        model = Member
        fields = [name for _, names in MEMBER_SECTIONS for name in names]
        widgets = {"birth_date": date_input(), "school_exemption": forms.TextInput}
        help_texts = {
            "sex": "有身份证号时按身份证号确定",
            "birth_date": "有身份证号时按身份证号确定",
        }

    def __init__(self, *args, user, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        chinese_blank_choices(self)
        self.user = user
        self.instance.household = household
        self.kept, self.masked = {}, {}
        if self.instance.pk is None:
            del self.fields["version"]
        else:
            self.fields["version"].required = True
            self.fields["version"].initial = self.instance.version
            keep_sensitive(self, "id_number")
        relation = self.fields["relation"]
        if self.instance.pk and self.instance.relation == Relation.HEAD:
            relation.choices = [(Relation.HEAD, Relation.HEAD.label)]
            relation.disabled = True
            relation.help_text = "更换户主请在成员列表中使用“设为户主”"
        else:
            relation.choices = [("", EMPTY_LABEL)] + [c for c in Relation.choices if c[0] != Relation.HEAD]

    @property
    def sections(self):
        return [(title, [self[n] for n in names]) for title, names in MEMBER_SECTIONS]

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_id_number(self):
        value = kept_if_blank(self, "id_number", self.cleaned_data.get("id_number"))
        value = _clean_id(value)
        if value and self.instance.left_date is None:
            message = id_owner_message(actor=self.user, id_number=value, exclude_member_pk=self.instance.pk)
            if message:
                raise ValidationError(message)
        return value or None

    def clean(self):
        cleaned = super().clean()
        if not self.has_error("id_number") and not cleaned.get("id_number"):
            if not (cleaned.get("disability_cert_number") or "").strip():
                self.add_error("id_number", "请填写身份证号；没有身份证号时填写残疾证号。")
        return cleaned


class MemberLeaveForm(ChineseFormMixin, forms.Form):
    left_date = forms.DateField(label="减少日期", widget=date_input())
    reason = forms.ChoiceField(label="减少原因", choices=[("", EMPTY_LABEL)] + LeaveReason.choices)
    note = forms.CharField(label="说明", max_length=200, required=False, help_text="原因为“其他”时必填，如迁入何处、婚出至何地")


class MemberMakeHeadForm(ChineseFormMixin, forms.Form):
    old_head_relation = forms.ChoiceField(
        label="原户主改为",
        choices=[("", EMPTY_LABEL)] + [c for c in Relation.choices if c[0] != Relation.HEAD],
        help_text="原户主与新户主的关系，如新户主为原户主之子，原户主一般改为“之父”或“之母”",
    )

    def __init__(self, *args, has_head: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        # A household left without a 户主 (e.g. by an import) has nobody to re-label.
        self.fields["old_head_relation"].required = has_head


class IdSearchForm(ChineseFormMixin, forms.Form):
    id_number = forms.CharField(label="身份证号", widget=ID_INPUT)

    def clean_id_number(self):
        value = normalise_id_number(self.cleaned_data["id_number"])
        try:
            validate_id_number(value)
        except ValidationError:
            # The message would echo the number back (into a cookie-stored
            # flash message); a plain one is enough here.
            raise ValidationError("身份证号格式或校验位不正确，请核对后重新输入。") from None
        return value
