"""建档立卡: households, their members, incomes, cadres, visits, measures,
monitoring and papers. Every model names its path to the village in
``area_scope_path`` so ``restrict(user, action)`` scopes it."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
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


def _rate_from_0_to_1(field: str, label: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 1}),
        name=f"%(app_label)s_%(class)s_{field}_0_to_1",
        violation_error_message=f"{label}应在0到1之间（如0.40表示40%%）。",
        violation_error_code=field,
    )


class AnnualStandard(FieldConstraintsMixin, models.Model):
    """Per-year (and province) lines and production-cost coefficients; county
    administrators edit them."""

    year = models.PositiveSmallIntegerField("年度")
    province = models.CharField("省份", max_length=20, default="陕西省")
    poverty_line = models.DecimalField("扶贫标准(元/人·年)", **MONEY)
    monitoring_line = models.DecimalField("监测标准(元/人·年)", null=True, blank=True, **MONEY)
    grain_cost_rate = models.DecimalField("粮食生产成本系数", max_digits=4, decimal_places=2, default=Decimal("0.40"))
    cash_crop_cost_rate = models.DecimalField("经济作物成本系数", max_digits=4, decimal_places=2, default=Decimal("0.45"))
    livestock_cost_rate = models.DecimalField("畜禽养殖成本系数", max_digits=4, decimal_places=2, default=Decimal("0.40"))
    forestry_fruit_cost_rate = models.DecimalField("林果成本系数", max_digits=4, decimal_places=2, default=Decimal("0.15"))
    other_cost_rate = models.DecimalField("其他生产成本系数", max_digits=4, decimal_places=2, default=Decimal("0.40"))
    monitoring_stable_months = models.PositiveSmallIntegerField(
        "风险消除须收入稳定月数", default=6, help_text="收入稳定高于监测线满多少个月方可消除风险"
    )
    monitoring_deadline_days = models.PositiveSmallIntegerField(
        "监测识别时限(天)", default=15, help_text="自风险识别起，超过该天数仍未消除风险的列为逾期"
    )
    exit_publicity_days = models.PositiveSmallIntegerField("退出公示最少天数", default=7)
    monitoring_publicity_days = models.PositiveSmallIntegerField("监测公示最少天数", default=5)
    village_exit_max_rate = models.DecimalField(
        "贫困村退出贫困发生率上限(%)", max_digits=4, decimal_places=2, default=Decimal("3.00"),
        help_text="贫困发生率低于该值方可退出：一般为2%，西部省份3%",
    )

    class Meta:
        verbose_name = "年度标准"
        verbose_name_plural = "年度标准"
        ordering = ["-year", "province"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "province"], name="%(app_label)s_%(class)s_one_per_year_province",
                violation_error_message="该省份该年度的标准已存在。",
            ),
            models.CheckConstraint(
                condition=Q(poverty_line__gt=0), name="%(app_label)s_%(class)s_line_positive",
                violation_error_message="扶贫标准必须大于0。",
            ),
            models.CheckConstraint(
                condition=Q(monitoring_line__isnull=True) | Q(monitoring_line__gte=F("poverty_line")),
                name="%(app_label)s_%(class)s_monitoring_line_gte_poverty",
                violation_error_message="监测标准不应低于同年度扶贫标准。",
                violation_error_code="monitoring_line",
            ),
            _rate_from_0_to_1("grain_cost_rate", "粮食生产成本系数"),
            _rate_from_0_to_1("cash_crop_cost_rate", "经济作物成本系数"),
            _rate_from_0_to_1("livestock_cost_rate", "畜禽养殖成本系数"),
            _rate_from_0_to_1("forestry_fruit_cost_rate", "林果成本系数"),
            _rate_from_0_to_1("other_cost_rate", "其他生产成本系数"),
        ]

    def __str__(self) -> str:
        return f"{self.province}{self.year}年标准"


INCOME_GROUPS = {
    "工资性收入": ["wage_migrant_work", "wage_public_post"],
    "生产经营性收入": ["prod_grain", "prod_cash_crop", "prod_livestock", "prod_forestry_fruit", "prod_other"],
    "财产性收入": ["prop_interest", "prop_dividend", "prop_rent", "prop_land_transfer"],
    "转移性收入": [
        "trans_agri_subsidy", "trans_ecological", "trans_dibao", "trans_tekun", "trans_pension",
        "trans_family_planning", "trans_other",
    ],
}
PRODUCTION_COST_RATES = {
    "prod_grain": "grain_cost_rate",
    "prod_cash_crop": "cash_crop_cost_rate",
    "prod_livestock": "livestock_cost_rate",
    "prod_forestry_fruit": "forestry_fruit_cost_rate",
    "prod_other": "other_cost_rate",
}


class Income(models.Model):
    """收入测算 for one household and year; totals are computed by the service
    (``income_calculate``) and stored so lists and ledgers can filter on them."""

    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.PROTECT, related_name="incomes")
    year = models.PositiveSmallIntegerField("年度")
    wage_migrant_work = money_field("务工收入")
    wage_public_post = money_field("公益岗位收入")
    prod_grain = money_field("种植业-粮食")
    prod_cash_crop = money_field("种植业-经济作物")
    prod_livestock = money_field("养殖业-畜禽")
    prod_forestry_fruit = money_field("林果业")
    prod_other = money_field("其他生产经营")
    prop_interest = money_field("利息")
    prop_dividend = money_field("资产收益分红")
    prop_rent = money_field("租金")
    prop_land_transfer = money_field("土地流转金")
    trans_agri_subsidy = money_field("农业补贴")
    trans_ecological = money_field("生态补偿")
    trans_dibao = money_field("低保金")
    trans_tekun = money_field("特困供养金")
    trans_pension = money_field("养老金")
    trans_family_planning = money_field("计生金")
    trans_other = money_field("其他转移性收入")
    production_cost = models.DecimalField(
        "生产经营性支出", null=True, blank=True, help_text="不填则按年度系数从生产经营性收入估算", **MONEY
    )
    household_size = models.PositiveSmallIntegerField("家庭人口")
    total_income = models.DecimalField("家庭总收入", default=Decimal("0.00"), **MONEY)
    production_cost_used = models.DecimalField("计入的生产经营性支出", default=Decimal("0.00"), **MONEY)
    net_income = models.DecimalField("家庭纯收入", default=Decimal("0.00"), **MONEY)
    net_income_per_capita = models.DecimalField("人均纯收入", default=Decimal("0.00"), **MONEY)
    recorded_at = models.DateTimeField("测算时间", auto_now=True)

    objects = ScopedManager()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "收入测算"
        verbose_name_plural = "收入测算"
        ordering = ["household", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"], name="%(app_label)s_%(class)s_one_per_year",
                violation_error_message="该户该年度已有收入测算。",
            ),
            models.CheckConstraint(
                condition=Q(household_size__gte=1), name="%(app_label)s_%(class)s_size_positive",
                violation_error_message="家庭人口至少为1。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.year}年收入测算"

    def get_absolute_url(self) -> str:
        return self.household.get_absolute_url() + "#income"

    def group_total(self, group: str) -> Decimal:
        return sum((getattr(self, f) for f in INCOME_GROUPS[group]), Decimal("0.00"))

    def compute(self, standard: "AnnualStandard | None") -> None:
        """Fill the totals: 家庭纯收入 = 总收入 − 生产经营性支出; 人均 = ÷ 人口, to 0.01 元."""
        self.total_income = sum((self.group_total(g) for g in INCOME_GROUPS), Decimal("0.00"))
        if self.production_cost is not None:
            cost = self.production_cost
        elif standard is not None:
            cost = sum(
                (getattr(self, f) * getattr(standard, rate) for f, rate in PRODUCTION_COST_RATES.items()), Decimal("0")
            )
        else:
            cost = Decimal("0")
        self.production_cost_used = cost.quantize(CENT, ROUND_HALF_UP)
        self.net_income = (self.total_income - self.production_cost_used).quantize(CENT, ROUND_HALF_UP)
        self.net_income_per_capita = (self.net_income / self.household_size).quantize(CENT, ROUND_HALF_UP)


class UnitLevel(models.TextChoices):
    PROVINCE = "省直", "省直"
    CITY = "市直", "市直"
    COUNTY = "县直", "县直"
    TOWNSHIP = "乡镇", "乡镇"
    VILLAGE = "村级", "村级"


class Cadre(models.Model):
    name = models.CharField("姓名", max_length=30)
    unit = models.CharField("工作单位", max_length=100)
    unit_level = models.CharField("单位层级", max_length=4, choices=UnitLevel.choices)
    position = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20)
    area = models.ForeignKey(
        "villages.Area", verbose_name="管理区划", on_delete=models.PROTECT, related_name="cadres",
        help_text="登记并管理该干部的县、乡镇或村",
    )
    active = models.BooleanField("在岗", default=True)

    objects = ScopedManager()
    area_scope_path = "area"
    # Cadres of higher units serve households below them: village and
    # township staff see (and assign) the county's and their township's.
    area_scope_upward = ("view",)

    class Meta:
        verbose_name = "帮扶责任人"
        verbose_name_plural = "帮扶责任人"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"

    def get_absolute_url(self) -> str:
        return reverse("households:cadre_detail", args=[self.pk])


class Assignment(models.Model):
    """帮扶结对: a cadre helps a household from start to end."""

    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.PROTECT, related_name="assignments")
    cadre = models.ForeignKey(Cadre, verbose_name="帮扶责任人", on_delete=models.PROTECT, related_name="assignments")
    start_date = models.DateField("结对日期")
    end_date = models.DateField("解除日期", null=True, blank=True)
    end_reason = models.CharField("解除原因", max_length=100, blank=True)

    objects = ScopedManager()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "帮扶结对"
        verbose_name_plural = "帮扶结对"
        ordering = ["household", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(end_date__isnull=True),
                name="%(app_label)s_%(class)s_one_current_per_household",
                violation_error_message="该户已有在帮的帮扶责任人，请先解除或更换。",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="%(app_label)s_%(class)s_end_after_start",
                violation_error_message="解除日期不能早于结对日期。",
            ),
        ]
        indexes = [models.Index(fields=["cadre", "end_date"], name="assignment_cadre_current")]

    def __str__(self) -> str:
        return f"{self.cadre.name} 帮扶 {self.household}"

    def get_absolute_url(self) -> str:
        return self.household.get_absolute_url() + "#cadres"


class Visit(models.Model):
    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.PROTECT, related_name="visits")
    cadre = models.ForeignKey(Cadre, verbose_name="走访干部", on_delete=models.PROTECT, related_name="visits")
    date = models.DateField("走访日期")
    content = models.TextField("走访内容")
    photo = models.ImageField("照片", upload_to="visits/%Y/%m/", blank=True)

    objects = ScopedManager()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["household", "-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.cadre.name} 走访 {self.household}"

    def get_absolute_url(self) -> str:
        return self.household.get_absolute_url() + "#visits"


class MeasureGroup(models.TextChoices):
    INDUSTRY = "产业扶贫", "产业扶贫"
    EMPLOYMENT = "就业扶贫", "就业扶贫"
    RELOCATION = "易地扶贫搬迁", "易地扶贫搬迁"
    EDUCATION = "教育扶贫", "教育扶贫"
    HEALTH = "健康扶贫", "健康扶贫"
    HOUSING = "危房改造", "危房改造"
    FINANCE = "金融扶贫", "金融扶贫"
    ECOLOGY = "生态扶贫", "生态扶贫"
    SOCIAL_SECURITY = "综合保障", "综合保障"
    LIVING_CONDITIONS = "生活条件改善", "生活条件改善"
    MOTIVATION = "扶志教育", "扶志教育"
    OTHER = "其他", "其他"


class MeasureCategory(models.Model):
    """The measure catalogue (seeded; county administrators extend it)."""

    group = models.CharField("类别", max_length=10, choices=MeasureGroup.choices)
    name = models.CharField("措施", max_length=30)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "帮扶措施目录"
        verbose_name_plural = "帮扶措施目录"
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "name"], name="%(app_label)s_%(class)s_unique_name",
                violation_error_message="该类别下已有同名措施。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.group}·{self.name}"


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", "计划"
    IN_PROGRESS = "in_progress", "实施中"
    DONE = "done", "已落实"


class Measure(models.Model):
    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.PROTECT, related_name="measures")
    member = models.ForeignKey(
        Member, verbose_name="受益成员", on_delete=models.PROTECT, null=True, blank=True, related_name="measures"
    )
    year = models.PositiveSmallIntegerField("年度")
    category = models.ForeignKey(MeasureCategory, verbose_name="措施类别", on_delete=models.PROTECT, related_name="measures")
    content = models.CharField("帮扶内容", max_length=200)
    amount = models.DecimalField("金额(元)", null=True, blank=True, **MONEY)
    planned_date = models.DateField("计划日期", null=True, blank=True)
    done_date = models.DateField("落实日期", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED)
    cadre = models.ForeignKey(
        Cadre, verbose_name="责任人", on_delete=models.PROTECT, null=True, blank=True, related_name="measures"
    )

    objects = ScopedManager()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "帮扶措施"
        verbose_name_plural = "帮扶措施"
        ordering = ["household", "-year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="%(app_label)s_%(class)s_amount_not_negative",
                violation_error_message="金额不能为负数。",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_date__isnull=False), name="%(app_label)s_%(class)s_done_has_date",
                violation_error_message="已落实的措施须填写落实日期。",
            ),
        ]
        indexes = [models.Index(fields=["year", "status"], name="measure_year_status")]

    def __str__(self) -> str:
        return f"{self.year}年 {self.category.name}：{self.content}"

    def get_absolute_url(self) -> str:
        return self.household.get_absolute_url() + "#measures"


class MonitoringType(models.TextChoices):
    UNSTABLE = "脱贫不稳定户", "脱贫不稳定户"
    MARGINAL = "边缘易致贫户", "边缘易致贫户"
    SUDDEN_HARDSHIP = "突发严重困难户", "突发严重困难户"


class SignalKind(models.TextChoices):
    DECLARED = "农户申报", "农户申报"
    SCREENING = "干部排查", "干部排查"
    DEPARTMENT = "部门预警", "部门预警"
    OTHER = "其他", "其他"


class MonitoringStage(models.TextChoices):
    """Identification of a monitoring object, one dated step at a time."""

    SIGNALLED = "signalled", "风险预警"
    CHECKED = "checked", "入户核查"
    REVIEWED = "reviewed", "民主评议"
    PUBLICITY = "publicity", "村级公示"
    PUBLICIZED = "publicized", "公示期满"
    TOWNSHIP_APPROVED = "township_approved", "乡镇审核"
    IDENTIFIED = "identified", "县级审定（纳入监测）"
    NOT_IDENTIFIED = "not_identified", "县级审定（不予纳入）"


MONITORING_STAGE_ORDER = [
    MonitoringStage.SIGNALLED, MonitoringStage.CHECKED, MonitoringStage.REVIEWED, MonitoringStage.PUBLICITY,
    MonitoringStage.PUBLICIZED, MonitoringStage.TOWNSHIP_APPROVED, MonitoringStage.IDENTIFIED,
]
MONITORING_DECIDED = (MonitoringStage.IDENTIFIED, MonitoringStage.NOT_IDENTIFIED)


class Monitoring(models.Model):
    """防返贫监测 of one household, from the first risk signal through
    入户核查, 民主评议, 村级公示, 乡镇审核 and 县级审定 to risk elimination;
    at most one open case per household. The decision is due within the
    year's deadline (15 days) of the first signal."""

    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.PROTECT, related_name="monitorings")
    object_type = models.CharField("监测对象类型", max_length=10, choices=MonitoringType.choices)
    risk_description = models.TextField("风险描述")
    signal_kind = models.CharField("信号来源", max_length=6, choices=SignalKind.choices, default=SignalKind.OTHER)
    signal_date = models.DateField("首次风险信号日期", help_text="农户申报、干部排查或部门预警首次发现风险的日期；识别须在规定天数内完成")
    # signal_date + the year's deadline (年度标准, 15 days): a case is overdue
    # when its 县级审定 came, or is still missing, after this day.
    due_date = models.DateField("识别时限", editable=False)
    stage = models.CharField(
        "识别环节", max_length=20, choices=MonitoringStage.choices, default=MonitoringStage.SIGNALLED, editable=False
    )
    stage_date = models.DateField("环节日期", editable=False)
    checked_on = models.DateField("入户核查日期", null=True, blank=True, editable=False)
    reviewed_on = models.DateField("民主评议日期", null=True, blank=True, editable=False)
    publicity_start = models.DateField("公示开始日期", null=True, blank=True, editable=False)
    publicity_end = models.DateField("公示结束日期", null=True, blank=True, editable=False)
    township_approved_on = models.DateField("乡镇审核日期", null=True, blank=True, editable=False)
    decided_on = models.DateField("县级审定日期", null=True, blank=True, editable=False)
    return_reason = models.CharField("退回原因", max_length=200, blank=True, editable=False)
    returned_to_poverty = models.BooleanField("认定返贫", default=False, editable=False)
    risk_identified_date = models.DateField("风险识别时间", null=True, blank=True, editable=False, help_text="县级审定纳入监测的日期")
    income_stable_since = models.DateField(
        "收入稳定超过监测线起始日", null=True, blank=True, help_text="核实月人均收入持续高于监测线的起始日期"
    )
    no_labour_capacity = models.BooleanField("无劳动能力（纳入兜底后继续监测）", default=False)
    risk_eliminated = models.BooleanField("风险已消除", default=False)
    risk_eliminated_date = models.DateField("风险消除时间", null=True, blank=True)

    objects = ScopedManager()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "防返贫监测"
        verbose_name_plural = "防返贫监测"
        ordering = ["household", "-signal_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(risk_eliminated=False) & ~Q(stage="not_identified"),
                name="%(app_label)s_%(class)s_one_open_case",
                violation_error_message="该户已有未消除风险的监测记录。",
            ),
            models.CheckConstraint(
                condition=Q(risk_eliminated=False) | Q(risk_eliminated_date__isnull=False),
                name="%(app_label)s_%(class)s_eliminated_has_date",
                violation_error_message="风险消除须填写消除时间。",
            ),
            models.CheckConstraint(
                condition=Q(risk_eliminated_date__isnull=True) | Q(risk_eliminated_date__gte=F("risk_identified_date")),
                name="%(app_label)s_%(class)s_eliminated_after_identified",
                violation_error_message="风险消除时间不能早于识别时间。",
            ),
            models.CheckConstraint(
                condition=Q(risk_eliminated=False) | Q(stage="identified"),
                name="%(app_label)s_%(class)s_eliminated_only_when_identified",
                violation_error_message="只有经县级审定纳入监测的对象才能标注风险消除。",
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("signal_date")),
                name="%(app_label)s_%(class)s_decided_after_signal",
                violation_error_message="县级审定日期不能早于首次风险信号日期。",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("signal_date")), name="%(app_label)s_%(class)s_due_after_signal",
                violation_error_message="识别时限不能早于首次风险信号日期。",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=MonitoringStage.values), name="%(app_label)s_%(class)s_stage_valid",
                violation_error_message="识别环节无效。",
            ),
        ]
        indexes = [models.Index(fields=["due_date", "decided_on"], name="monitoring_due_decided")]

    def __str__(self) -> str:
        return f"{self.household} {self.object_type}"

    def save(self, *args, **kwargs):
        # A case written with only its 风险识别时间 (the shape of cases
        # recorded before the procedure, of bulk loads and fixtures) is an
        # identified case whose first signal and decision fell on that day.
        if self.signal_date is None and self.risk_identified_date is not None:
            self.signal_date = self.decided_on = self.risk_identified_date
            self.stage = MonitoringStage.IDENTIFIED
        if self.due_date is None and self.signal_date is not None:
            self.due_date = self.signal_date + timedelta(days=15)
        if self.stage_date is None:
            self.stage_date = self.decided_on or self.signal_date
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return self.household.get_absolute_url() + "#monitoring"

    @property
    def is_open(self) -> bool:
        return not self.risk_eliminated and self.stage != MonitoringStage.NOT_IDENTIFIED

    @property
    def is_identified(self) -> bool:
        return self.stage == MonitoringStage.IDENTIFIED

    def overdue_on(self, today) -> bool:
        """Decided (or, undecided, still open on ``today``) after the deadline."""
        decided = self.decided_on or (None if self.stage in MONITORING_DECIDED else today)
        return decided is not None and decided > self.due_date

    @property
    def next_stage(self) -> str | None:
        if self.stage in MONITORING_DECIDED:
            return None
        return MONITORING_STAGE_ORDER[MONITORING_STAGE_ORDER.index(self.stage) + 1]


class AttachmentKind(models.TextChoices):
    APPLICATION = "申请书", "申请书"
    REVIEW = "评议公示材料", "评议公示材料"
    PLAN = "帮扶计划", "帮扶计划"
    INCOME = "收入测算表", "收入测算表"
    EXIT = "退出验收表", "退出验收表"
    PHOTO = "户主合影照", "户主合影照"
    OTHER = "其他", "其他"


class Attachment(models.Model):
    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField("材料类型", max_length=10, choices=AttachmentKind.choices)
    file = models.FileField("文件", upload_to="attachments/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小(字节)")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = ScopedManager()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "一户一档材料"
        verbose_name_plural = "一户一档材料"
        ordering = ["household", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.kind}：{self.original_name}"

    def get_absolute_url(self) -> str:
        return self.household.get_absolute_url() + "#attachments"


class CardPrint(models.Model):
    """One printing of a household's 明白卡, and its handing over."""

    household = models.ForeignKey(Household, verbose_name="户", on_delete=models.PROTECT, related_name="card_prints")
    year = models.PositiveSmallIntegerField("年度")
    printed_at = models.DateTimeField("打印时间")
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="打印人", on_delete=models.PROTECT, related_name="+"
    )
    handed_over_on = models.DateField("发放日期", null=True, blank=True)
    handed_over_by = models.CharField("发放人", max_length=30, blank=True)

    objects = ScopedManager()
    area_scope_path = "household__village"

    class Meta:
        verbose_name = "明白卡打印记录"
        verbose_name_plural = "明白卡打印记录"
        ordering = ["household", "-printed_at"]
        indexes = [models.Index(fields=["household", "-printed_at"], name="cardprint_household_latest")]

    def __str__(self) -> str:
        return f"{self.household} {self.year}年明白卡 {self.printed_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return self.household.get_absolute_url()
