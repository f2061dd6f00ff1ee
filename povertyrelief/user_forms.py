from django import forms
from django.contrib.auth import password_validation

from villages.models import Area

from .forms import ChineseFormMixin, date_input
from .models import ROLE_AREA_LEVEL, Role, User
from .permissions import restrict


class UserFormBase(ChineseFormMixin, forms.ModelForm):
    def __init__(self, *args, user, **kwargs):
        self.actor = user
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = restrict(Area, user, "manage").order_by("code")
        self.fields["area"].required = True
        self.fields["area"].label_from_instance = lambda a: f"{a.code} {a.name}（{a.get_level_display()}）"

    def clean(self):
        cleaned = super().clean()
        role, area = cleaned.get("role"), cleaned.get("area")
        if role and area and ROLE_AREA_LEVEL[Role(role)] != area.level:
            level = dict(Area._meta.get_field("level").choices)[ROLE_AREA_LEVEL[Role(role)]]
            self.add_error("area", f"角色“{Role(role).label}”必须对应{level}级区划。")
        return cleaned


class UserCreateForm(UserFormBase):
    password = forms.CharField(
        label="初始密码", widget=forms.PasswordInput, help_text="用户首次登录时必须修改。至少8位，不能是常见密码。"
    )

    class Meta:
        model = User
        fields = ["username", "last_name", "first_name", "phone", "role", "area"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password, User(username=self.data.get("username", "")))
        return password

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password"])
        user.must_change_password = True
        if commit:
            user.save()
        return user


class UserUpdateForm(UserFormBase):
    class Meta:
        model = User
        fields = ["last_name", "first_name", "phone", "role", "area", "is_active"]


class PasswordResetByAdminForm(ChineseFormMixin, forms.Form):
    password = forms.CharField(label="新密码", widget=forms.PasswordInput, help_text="用户下次登录时必须修改。")

    def __init__(self, *args, target, **kwargs):
        self.target = target
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password, self.target)
        return password


class AuditSearchForm(ChineseFormMixin, forms.Form):
    q = forms.CharField(label="记录", required=False)
    actor = forms.CharField(label="操作人用户名", required=False)
    action = forms.ChoiceField(
        label="操作", required=False, choices=[("", "全部"), ("0", "新增"), ("1", "修改"), ("2", "删除")]
    )
    model = forms.ChoiceField(label="数据类型", required=False)
    date_from = forms.DateField(label="起始日期", required=False, widget=date_input())
    date_to = forms.DateField(label="截止日期", required=False, widget=date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from auditlog.registry import auditlog
        from django.contrib.contenttypes.models import ContentType

        types = ContentType.objects.get_for_models(*auditlog.get_models())
        self.fields["model"].choices = [("", "全部")] + sorted(
            ((str(ct.pk), str(model._meta.verbose_name)) for model, ct in types.items()), key=lambda c: c[1]
        )


class TwoFactorCodeForm(forms.Form):
    """A code from the authenticator app (or, at login, a recovery code)."""

    code = forms.CharField(
        label="验证码",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off"}),
    )

    def __init__(self, *args, recovery_allowed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = (
            "打开手机上的验证器应用，输入显示的 6 位数字；手机不在身边时可输入一个恢复码（每个只能用一次）。"
            if recovery_allowed
            else "用验证器应用扫描二维码后，输入应用显示的 6 位数字。"
        )


class TwoFactorDisableForm(forms.Form):
    password = forms.CharField(label="当前密码", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("密码不正确。")
        return password
