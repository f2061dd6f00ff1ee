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
    Role.COUNTY_ADMIN: frozenset({"view", "change", "export", "manage"}),
    Role.COUNTY_VIEWER: frozenset({"view", "export"}),
    Role.TOWNSHIP: frozenset({"view", "change", "export"}),
    Role.VILLAGE: frozenset({"view", "change", "export"}),
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
