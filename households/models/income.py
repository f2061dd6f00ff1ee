"""Per-year lines and coefficients (年度标准) and household incomes (收入测算)."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import F, Q

from povertyrelief.constraints import FieldConstraintsMixin
from povertyrelief.permissions import ScopedManager

from .registry import CENT, Household, MONEY, money_field


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
