from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from .permissions import ScopedQuerySet


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", "县级管理员"
    COUNTY_VIEWER = "county_viewer", "县级查看"
    TOWNSHIP = "township", "乡镇工作人员"
    VILLAGE = "village", "村级工作人员"
    AUDITOR = "auditor", "审计员"


# What each role may do, whatever the area. The area then narrows the rows.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.COUNTY_ADMIN: frozenset({"view", "change", "export", "reveal", "manage"}),
    Role.COUNTY_VIEWER: frozenset({"view", "export"}),
    Role.TOWNSHIP: frozenset({"view", "change", "export", "reveal"}),
    Role.VILLAGE: frozenset({"view", "change", "export", "reveal"}),
    Role.AUDITOR: frozenset({"audit"}),
}

# The area level each role must be attached to.
ROLE_AREA_LEVEL = {
    Role.COUNTY_ADMIN: "county",
    Role.COUNTY_VIEWER: "county",
    Role.AUDITOR: "county",
    Role.TOWNSHIP: "township",
    Role.VILLAGE: "village",
}


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.VILLAGE)
    area = models.ForeignKey(
        "villages.Area", verbose_name="所属区划", on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)
    must_change_password = models.BooleanField("首次登录须修改密码", default=False)

    objects = ScopedUserManager()
    area_scope_path = "area"

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self) -> str:
        name = self.get_full_name() or self.first_name
        return f"{name}（{self.username}）" if name else self.username

    def get_full_name(self) -> str:
        # Chinese names: family name first, no space.
        return f"{self.last_name}{self.first_name}".strip()

    def can(self, action: str) -> bool:
        """Whether the role allows an action at all (the area then scopes it)."""
        if not self.is_authenticated or not self.is_active:
            return False
        if action in ROLE_ACTIONS.get(self.role, frozenset()):
            return self.area_id is not None
        return False


class PersonalDataAccess(models.Model):
    """Each reveal of a full ID or bank number and each export of personal
    data (个人信息保护法): who, when, what, which filter, how many rows."""

    class Kind(models.TextChoices):
        REVEAL = "reveal", "查看完整敏感信息"
        EXPORT = "export", "导出个人信息"
        PRINT = "print", "打印个人信息"

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    what = models.CharField("内容", max_length=200)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    filters = models.TextField("筛选条件", blank=True)
    rows = models.PositiveIntegerField("行数", null=True, blank=True)
    ip_address = models.GenericIPAddressField("IP", null=True, blank=True)

    class Meta:
        verbose_name = "个人信息访问记录"
        verbose_name_plural = "个人信息访问记录"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_kind_display()} {self.what}"
