from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from .permissions import ScopedManager, ScopedQuerySet


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", "县级管理员"
    COUNTY_VIEWER = "county_viewer", "县级查看"
    TOWNSHIP = "township", "乡镇工作人员"
    VILLAGE = "village", "村级工作人员"
    AUDITOR = "auditor", "审计员"


# What each role may do, whatever the area. The area then narrows the rows.
# fund_record: record disbursements and reversals, propose projects, mark them
# started or finished; fund_manage: fund sources, allocations, approval and
# acceptance of projects, confirming or returning disbursements.
# village_review / township_review / county_review: the steps of the exit and
# monitoring procedures each level takes (村 proposes, verifies and publicises;
# 乡镇 reviews; 县 decides and announces), so no role can take another's step.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.COUNTY_ADMIN: frozenset(
        {"view", "change", "export", "reveal", "manage", "access_log", "fund_record", "fund_manage", "county_review"}
    ),
    Role.COUNTY_VIEWER: frozenset({"view", "export"}),
    Role.TOWNSHIP: frozenset({"view", "change", "export", "reveal", "fund_record", "township_review"}),
    Role.VILLAGE: frozenset({"view", "change", "export", "reveal", "village_review"}),
    Role.AUDITOR: frozenset({"audit", "access_log"}),
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
    data (个人信息保护法): who, when, what, which filter, how many rows.

    Rows are never changed; auditors and county administrators read them
    (``access_log``), scoped by the area of the user who accessed the data."""

    class Kind(models.TextChoices):
        REVEAL = "reveal", "查看完整敏感信息"
        EXPORT = "export", "导出个人信息"
        PRINT = "print", "打印个人信息"
        DOWNLOAD = "download", "下载任务文件"

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    what = models.CharField("内容", max_length=200)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    filters = models.TextField("筛选条件", blank=True)
    rows = models.PositiveIntegerField("行数", null=True, blank=True)
    ip_address = models.GenericIPAddressField("IP", null=True, blank=True)

    objects = ScopedManager()
    area_scope_path = "user__area"

    class Meta:
        verbose_name = "个人信息访问记录"
        verbose_name_plural = "个人信息访问记录"
        ordering = ["-at"]
        indexes = [models.Index(fields=["at"], name="pr_pdaccess_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_kind_display()} {self.what}"


class Job(models.Model):
    """A long-running piece of work (import, export, batch print) run in the
    background by the task worker, with progress for the page and a result
    file that only the requester may open. County administrators see that a
    job of their area exists (list: title, user, status), nothing more. The
    result file is deleted ``JOB_RESULT_RETENTION_DAYS`` after the job
    finished (``purge_job_files``); ``result_purged_at`` then says when."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("任务类型", max_length=40)
    title = models.CharField("任务", max_length=200)
    user = models.ForeignKey(User, verbose_name="发起人", on_delete=models.PROTECT, related_name="jobs")
    area = models.ForeignKey("villages.Area", verbose_name="区划范围", on_delete=models.PROTECT, related_name="+")
    params = models.JSONField("参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveIntegerField("已处理", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    message = models.TextField("说明", blank=True)
    report = models.JSONField("结果报告", default=dict, blank=True)
    result_file = models.FileField("结果文件", upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField("下载文件名", max_length=200, blank=True)
    result_purged_at = models.DateTimeField("结果文件删除时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = ScopedManager()
    area_scope_path = "area"

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("job_detail", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.progress * 100 / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def result_expires_at(self):
        """When the purge deletes the result file."""
        from datetime import timedelta

        from .jobs import retention_days

        return self.finished_at + timedelta(days=retention_days()) if self.finished_at else None

    @property
    def result_expired(self) -> bool:
        """The result file was deleted after the retention period."""
        return self.result_purged_at is not None and not self.result_file


class WorkerHeartbeat(models.Model):
    """When a task worker last showed it takes tasks: at start and each time
    it ran the self-requeuing heartbeat task (``povertyrelief.health``).
    /healthz reports the age; one row, whichever worker wrote it last."""

    name = models.CharField("名称", max_length=40, primary_key=True)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "任务进程心跳"
        verbose_name_plural = "任务进程心跳"

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"
