"""Households (一户一档) and their members; money fields every model shares."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from povertyrelief.constraints import FieldConstraintsMixin
from povertyrelief.permissions import ScopedManager, ScopedQuerySet


MONEY = {"max_digits": 14, "decimal_places": 2}
CENT = Decimal("0.01")


def money_field(label: str, **extra):
    return models.DecimalField(label, default=Decimal("0.00"), **MONEY, **extra)


class HouseholdStatus(models.TextChoices):
    NOT_OUT = "0", "未脱贫"
    OUT_WITH_POLICY = "1", "已脱贫(享受政策)"
    RETURNED = "3", "返贫"
    OUT_NO_POLICY = "4", "已脱贫(不再享受政策)"


class IdentificationStandard(models.TextChoices):
    NATIONAL = "national", "国家"
    PROVINCIAL = "provincial", "省定"
    CITY = "city", "市定"


class HouseholdAttribute(models.TextChoices):
    GENERAL = "一般贫困户", "一般贫困户"
    DIBAO = "低保贫困户", "低保贫困户"
    TEKUN = "特困供养贫困户", "特困供养贫困户"


class PovertyCause(models.TextChoices):
    ILLNESS = "因病", "因病"
    DISABILITY = "因残", "因残"
    SCHOOLING = "因学", "因学"
    DISASTER = "因灾", "因灾"
    LACK_LAND = "缺土地", "缺土地"
    LACK_WATER = "缺水", "缺水"
    LACK_SKILLS = "缺技术", "缺技术"
    LACK_LABOUR = "缺劳力", "缺劳力"
    LACK_FUNDS = "缺资金", "缺资金"
    POOR_TRANSPORT = "交通条件落后", "交通条件落后"
    LACK_MOTIVATION = "自身发展动力不足", "自身发展动力不足"
    OTHER = "其他", "其他"


class HousingSafety(models.TextChoices):
    SAFE = "安全", "安全"
    GRADE_C = "C级危房", "C级危房"
    GRADE_D = "D级危房", "D级危房"
    RELOCATED = "已搬迁", "已搬迁"


class HouseholdQuerySet(ScopedQuerySet):
    def not_exited(self):
        return self.filter(status__in=[HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED])


class Household(models.Model):
    village = models.ForeignKey(
        "villages.Area", verbose_name="行政村", on_delete=models.PROTECT, related_name="households",
        limit_choices_to={"level": "village"},
    )
    number = models.CharField("户编号", max_length=30)
    group = models.CharField("村民小组", max_length=30, blank=True)
    address = models.CharField("住址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    bank_name = models.CharField("开户银行", max_length=50, blank=True)
    bank_account = models.CharField("银行账号", max_length=30, blank=True)
    # 建档立卡户 carry the poverty record (识别年度, 属性, 致贫原因, 脱贫状态);
    # other rural households are kept only as 防返贫监测 objects
    # (边缘易致贫户, 突发严重困难户) and have none of it.
    registered = models.BooleanField(
        "建档立卡户", default=True, help_text="不勾选：非建档立卡的农村户（如边缘易致贫户、突发严重困难户），只作为防返贫监测对象登记"
    )
    identification_standard = models.CharField(
        "识别标准", max_length=12, choices=IdentificationStandard.choices, default=IdentificationStandard.NATIONAL
    )
    identification_year = models.PositiveSmallIntegerField("识别年度", null=True, blank=True)
    attribute = models.CharField("贫困户属性", max_length=10, choices=HouseholdAttribute.choices, blank=True)
    main_cause = models.CharField("主要致贫原因", max_length=10, choices=PovertyCause.choices, blank=True)
    other_cause_1 = models.CharField("其他致贫原因一", max_length=10, choices=PovertyCause.choices, blank=True)
    other_cause_2 = models.CharField("其他致贫原因二", max_length=10, choices=PovertyCause.choices, blank=True)
    status = models.CharField(
        "脱贫状态", max_length=1, choices=HouseholdStatus.choices, default=HouseholdStatus.NOT_OUT, blank=True
    )
    exit_year = models.PositiveSmallIntegerField("脱贫年度", null=True, blank=True)
    planned_exit_year = models.PositiveSmallIntegerField("计划脱贫年度", null=True, blank=True)
    housing_safety = models.CharField("住房安全", max_length=10, choices=HousingSafety.choices, blank=True)
    relocated = models.BooleanField("易地扶贫搬迁", default=False)
    relocation_date = models.DateField("搬迁入住日期", null=True, blank=True)
    safe_drinking_water = models.BooleanField("饮水安全", null=True, blank=True)
    has_electricity = models.BooleanField("通生活用电", null=True, blank=True)
    road_to_home = models.BooleanField("通入户路", null=True, blank=True)
    farmland_mu = models.DecimalField("耕地面积(亩)", max_digits=8, decimal_places=2, null=True, blank=True)
    forest_mu = models.DecimalField("林地面积(亩)", max_digits=8, decimal_places=2, null=True, blank=True)
    returned_farmland_mu = models.DecimalField("退耕还林面积(亩)", max_digits=8, decimal_places=2, null=True, blank=True)
    declared_income_per_capita = models.DecimalField(
        "人均纯收入(元)", null=True, blank=True, help_text="导入或登记的人均纯收入；收入测算保存后以测算为准", **MONEY
    )
    # The village's township, kept by the database on every write (triggers,
    # households/township.py) so the list filters and sorts a township by index.
    township = models.ForeignKey(
        "villages.Area", verbose_name="乡镇", on_delete=models.PROTECT, related_name="+", null=True, blank=True,
        editable=False, db_index=False,
    )
    # Kept by the services so lists need no join or aggregate per row.
    head_name = models.CharField("户主姓名", max_length=30, blank=True, db_index=True)
    member_count = models.PositiveSmallIntegerField("家庭人口", default=0)
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    # Last change to anything printed on the 明白卡 (household, members,
    # incomes, cadres, measures, monitoring): cards printed before are stale.
    card_data_changed_at = models.DateTimeField("明白卡内容更新时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopedManager.from_queryset(HouseholdQuerySet)()
    area_scope_path = "village"

    class Meta:
        verbose_name = "贫困户"
        verbose_name_plural = "贫困户"
        ordering = ["village__code", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "number"], name="%(app_label)s_%(class)s_number_unique_in_village",
                violation_error_message="同一行政村内户编号不能重复。",
            ),
            models.CheckConstraint(
                condition=Q(exit_year__isnull=True) | Q(exit_year__gte=F("identification_year")),
                name="%(app_label)s_%(class)s_exit_after_identification",
                violation_error_message="脱贫年度不能早于识别年度。",
            ),
            models.CheckConstraint(
                condition=Q(identification_year__isnull=True) | Q(identification_year__gte=2013),
                name="%(app_label)s_%(class)s_identified_from_2013",
                violation_error_message="识别年度不能早于2013年。",
            ),
            models.CheckConstraint(
                condition=(Q(other_cause_1="") | ~Q(other_cause_1=F("main_cause")))
                & (Q(other_cause_2="") | ~Q(other_cause_2=F("main_cause")) & ~Q(other_cause_2=F("other_cause_1"))),
                name="%(app_label)s_%(class)s_causes_distinct",
                violation_error_message="其他致贫原因不能与主要致贫原因相同，两项其他原因也不能相同。",
            ),
            models.CheckConstraint(
                condition=Q(registered=True, status__in=HouseholdStatus.values)
                | Q(registered=False, status="", exit_year__isnull=True),
                name="%(app_label)s_%(class)s_status_valid",
                violation_error_message="脱贫状态无效：建档立卡户须有脱贫状态，非建档立卡户没有脱贫状态和脱贫年度。",
            ),
            models.CheckConstraint(
                condition=Q(registered=False)
                | Q(identification_year__isnull=False) & ~Q(attribute="") & ~Q(main_cause=""),
                name="%(app_label)s_%(class)s_registered_has_poverty_record",
                violation_error_message="建档立卡户须填写识别年度、贫困户属性和主要致贫原因。",
            ),
        ]
        indexes = [
            models.Index(fields=["village", "status"], name="household_village_status"),
            models.Index(fields=["status", "identification_year"], name="household_status_year"),
            models.Index(fields=["main_cause"], name="household_main_cause"),
            # A township's list, newest identification first, and its counts, from the index alone
            # (the trailing columns are what the counts and the area scope read; SQLite has no INCLUDE).
            models.Index(
                fields=["township", "identification_year", "id", "member_count", "village"], name="household_township_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.head_name or '（无户主）'}户（{self.number}）"

    def get_absolute_url(self) -> str:
        return reverse("households:household_detail", args=[self.pk])

    @property
    def status_label(self) -> str:
        return self.get_status_display() if self.registered else "非建档立卡户"

    @property
    def is_poor(self) -> bool:
        return self.status in (HouseholdStatus.NOT_OUT, HouseholdStatus.RETURNED)

    @property
    def other_causes(self) -> list[str]:
        return [c for c in (self.other_cause_1, self.other_cause_2) if c]


class Relation(models.TextChoices):
    HEAD = "户主", "户主"
    SPOUSE = "配偶", "配偶"
    SON = "之子", "之子"
    DAUGHTER = "之女", "之女"
    DAUGHTER_IN_LAW = "之儿媳", "之儿媳"
    SON_IN_LAW = "之女婿", "之女婿"
    GRANDSON = "之孙子", "之孙子"
    GRANDDAUGHTER = "之孙女", "之孙女"
    DAUGHTERS_CHILD = "之外孙子女", "之外孙子女"
    FATHER = "之父", "之父"
    MOTHER = "之母", "之母"
    SIBLING = "之兄弟姐妹", "之兄弟姐妹"
    GRANDPARENT = "之祖父母", "之祖父母"
    OTHER = "其他", "其他"


class Education(models.TextChoices):
    ILLITERATE = "文盲或半文盲", "文盲或半文盲"
    PRIMARY = "小学", "小学"
    JUNIOR = "初中", "初中"
    SENIOR = "高中", "高中"
    COLLEGE = "大专及以上", "大专及以上"


class SchoolStatus(models.TextChoices):
    PRESCHOOL = "学前教育", "学前教育"
    PRIMARY = "小学", "小学"
    JUNIOR = "初中", "初中"
    SENIOR = "高中", "高中"
    SECONDARY_VOCATIONAL = "中职", "中职"
    HIGHER_VOCATIONAL = "高职", "高职"
    COLLEGE = "大专", "大专"
    UNIVERSITY = "本科及以上", "本科及以上"


class Health(models.TextChoices):
    HEALTHY = "健康", "健康"
    CHRONIC = "长期慢性病", "长期慢性病"
    SERIOUS = "患有大病", "患有大病"
    DISABLED = "残疾", "残疾"


class DisabilityGrade(models.TextChoices):
    ONE = "一级", "一级"
    TWO = "二级", "二级"
    THREE = "三级", "三级"
    FOUR = "四级", "四级"


class LabourSkill(models.TextChoices):
    ORDINARY = "普通劳动力", "普通劳动力"
    SKILLED = "技能劳动力", "技能劳动力"
    WEAK = "弱劳动力或半劳动力", "弱劳动力或半劳动力"
    LOST = "丧失劳动力", "丧失劳动力"
    NONE = "无劳动力", "无劳动力"


class WorkStatus(models.TextChoices):
    IN_TOWNSHIP = "乡镇内务工", "乡镇内务工"
    IN_COUNTY = "县内务工", "县内务工"
    IN_PROVINCE = "省内县外务工", "省内县外务工"
    OUT_OF_PROVINCE = "省外务工", "省外务工"


class LeaveReason(models.TextChoices):
    DEATH = "死亡", "死亡"
    MARRIED_OUT = "婚出", "婚出"
    MOVED_OUT = "迁出", "迁出"
    OTHER = "其他", "其他"


class Sex(models.TextChoices):
    MALE = "男", "男"
    FEMALE = "女", "女"


class MemberQuerySet(ScopedQuerySet):
    def current(self):
        return self.filter(left_date__isnull=True)


class Member(FieldConstraintsMixin, models.Model):
    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.PROTECT, related_name="members")
    name = models.CharField("姓名", max_length=30)
    id_number = models.CharField("证件号码", max_length=18, null=True, blank=True, help_text="18位居民身份证号")
    disability_cert_number = models.CharField("残疾证号", max_length=30, blank=True, help_text="无身份证号时填写")
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    relation = models.CharField("与户主关系", max_length=10, choices=Relation.choices)
    ethnicity = models.CharField("民族", max_length=20, blank=True, default="汉族")
    education = models.CharField("文化程度", max_length=10, choices=Education.choices, blank=True)
    school_status = models.CharField("在校生状况", max_length=10, choices=SchoolStatus.choices, blank=True)
    health = models.CharField("健康状况", max_length=10, choices=Health.choices, default=Health.HEALTHY)
    disability_grade = models.CharField("残疾等级", max_length=4, choices=DisabilityGrade.choices, blank=True)
    labour_skill = models.CharField("劳动技能", max_length=12, choices=LabourSkill.choices, blank=True)
    work_status = models.CharField("务工状况", max_length=10, choices=WorkStatus.choices, blank=True)
    work_months = models.PositiveSmallIntegerField("务工时间(月)", null=True, blank=True)
    medical_insurance = models.BooleanField("参加城乡居民基本医疗保险", default=False)
    serious_illness_insurance = models.BooleanField("参加大病保险", default=False)
    pension_insurance = models.BooleanField("参加城乡居民基本养老保险", default=False)
    is_dibao = models.BooleanField("低保对象", default=False)
    is_tekun = models.BooleanField("特困供养对象", default=False)
    school_exemption = models.CharField("义务教育免学/缓学说明", max_length=100, blank=True)
    left_date = models.DateField("减少日期", null=True, blank=True)
    left_reason = models.CharField("减少原因", max_length=4, choices=LeaveReason.choices, blank=True)
    left_note = models.CharField("减少说明", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = ScopedManager.from_queryset(MemberQuerySet)()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        ordering = ["household", "pk"]
        constraints = [
            # One person, one household: among current members an ID appears once.
            models.UniqueConstraint(
                fields=["id_number"], condition=Q(left_date__isnull=True) & Q(id_number__isnull=False),
                name="%(app_label)s_%(class)s_one_person_one_household",
                violation_error_message="该证件号码已登记在另一户中（一人只能属于一户）。",
            ),
            models.UniqueConstraint(
                fields=["household"], condition=Q(relation="户主") & Q(left_date__isnull=True),
                name="%(app_label)s_%(class)s_one_head_per_household",
                violation_error_message="每户只能有一名户主。",
            ),
            models.CheckConstraint(
                condition=Q(id_number__isnull=False) | ~Q(disability_cert_number=""),
                name="%(app_label)s_%(class)s_has_an_identity_document",
                violation_error_message="须填写身份证号或残疾证号。",
            ),
            models.CheckConstraint(
                condition=Q(work_months__isnull=True) | Q(work_months__lte=12),
                name="%(app_label)s_%(class)s_work_months_max_12",
                violation_error_message="务工时间为0到12个月。",
                violation_error_code="work_months",
            ),
            models.CheckConstraint(
                condition=Q(disability_grade="") | Q(health="残疾"),
                name="%(app_label)s_%(class)s_grade_only_if_disabled",
                violation_error_message="只有健康状况为“残疾”时才能填写残疾等级。",
                violation_error_code="disability_grade",
            ),
            models.CheckConstraint(
                condition=(Q(left_date__isnull=True) & Q(left_reason="")) | (Q(left_date__isnull=False) & ~Q(left_reason="")),
                name="%(app_label)s_%(class)s_leaving_needs_date_and_reason",
                violation_error_message="成员减少须同时填写减少日期和原因。",
            ),
        ]
        indexes = [
            models.Index(fields=["name"], name="member_name"),
            # The ID search finds members who left too, which the unique index leaves out.
            models.Index(fields=["id_number"], name="member_id_number"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.household.get_absolute_url() + f"#member-{self.pk}"

    @property
    def is_current(self) -> bool:
        return self.left_date is None

    @property
    def masked_id(self) -> str:
        """First 6 and last 4 characters, as 公示 rules require."""
        if not self.id_number:
            return ""
        return self.id_number[:6] + "********" + self.id_number[-4:]

    def age_on(self, day) -> int | None:
        if self.birth_date is None:
            return None
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))
