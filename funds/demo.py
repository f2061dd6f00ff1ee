"""Demo funds for seed_demo: believable sources for each year and level,
projects at every stage, allocations to projects, villages and household
measures (a handful per township, paid per measure: ``demo_measures``), and
disbursements (most confirmed, some awaiting confirmation, a
few returned, a few reversed), in proportion to the households (about 3,000
projects and 30,000 disbursements per 150,000 households).

Written with bulk_create and the running totals computed here, so
``check_ledger`` agrees with the entries; deterministic per ``rng``.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from povertyrelief.demo import DEMO_SEEDERS
from povertyrelief.models import Role, User

from .demo_measures import measure_allocations, measure_payments
from .models import STAGE_ORDER, Allocation, AllocationMeasure, Disbursement, FundSource, Project, ProjectStep

YEARS = [2022, 2023, 2024, 2025, 2026]
LEVEL_NAMES = {
    "central": "中央财政衔接推进乡村振兴补助资金",
    "provincial": "省级财政衔接推进乡村振兴补助资金",
    "city": "市级财政衔接资金",
    "county": "县级财政衔接资金",
    "integrated": "统筹整合财政涉农资金",
    "cooperation": "东西部协作帮扶资金",
    "donation": "社会帮扶捐赠资金",
    "credit": "脱贫人口小额信贷贴息资金",
}
LEVEL_WEIGHTS = {"central": 30, "provincial": 18, "city": 8, "county": 12, "integrated": 16, "cooperation": 8, "donation": 4, "credit": 4}
PROJECTS = {
    "road": ("产业路硬化", "通村道路提升", "入户道路硬化"),
    "water": ("安全饮水巩固提升", "集中供水管网改造"),
    "power": ("农网改造升级",),
    "telecom": ("通信基站配套",),
    "industry": ("核桃提质增效", "食用菌大棚", "中药材种植基地", "光伏电站", "生猪养殖场", "茶叶加工厂"),
    "public_service": ("村卫生室标准化建设", "村级综合服务中心"),
    "relocation": ("安置点配套设施",),
    "other": ("人居环境整治",),
}
UNITS = ["县交通运输局", "县水利局", "县农业农村局", "县乡村振兴局", "县住建局", "镇人民政府"]
PAYEES = ["秦川县路桥工程有限公司", "秦川县水务建设有限公司", "秦川县建筑安装公司", "陕西秦岭农业科技有限公司",
          "秦川县供电分公司", "村股份经济合作社", "秦川县苗木合作社"]
CENT = Decimal("0.01")
# A disbursement with the allocation it draws on and its reversal, if any.
_Payment = tuple[Allocation, Disbursement, Disbursement | None]


def _money(rng, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low, high) * 100)


def _day(rng, start: date, end: date) -> date:
    end = min(end, date.today())
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _stage_for(rng, year: int) -> int:
    """Index in STAGE_ORDER: old projects are mostly accepted, this year's spread."""
    age = date.today().year - year
    weights = {0: [20, 25, 35, 15, 5], 1: [3, 7, 20, 35, 35]}.get(age, [1, 2, 5, 12, 80])
    return rng.choices(range(5), weights=weights)[0]


class _FundsSeeder:
    """One run of the funds seeder; the steps draw from ``rng`` in a fixed
    order, so the same seed gives the same books."""

    def __init__(self, rng, demo, households: int, admin: User):
        self.rng = rng
        self.households = households
        self.admin = admin
        self.makers = {u.area_id: u for u in User.objects.filter(role=Role.TOWNSHIP).order_by("pk")}
        self.county = demo.county
        self.villages = demo.villages
        self.township_of = {v.pk: v.parent_id for v in demo.villages}
        self.project_count = max(20, households // 50)

    def maker_of(self, area_id: int) -> User:
        """The township account that records for an area, or the county admin."""
        return self.makers.get(area_id, self.admin)

    def sources(self) -> dict[int, list[FundSource]]:
        """Per year, each level; amounts are settled once the allocations are known."""
        rng = self.rng
        sources: dict[int, list[FundSource]] = {}
        for year in YEARS:
            issued = date(year, rng.randint(1, 3), rng.randint(1, 28))
            if issued > date.today():
                continue
            for level, name in LEVEL_NAMES.items():
                for batch in range(max(1, round(self.project_count / 250 * LEVEL_WEIGHTS[level] / 10))):
                    sources.setdefault(year, []).append(FundSource(
                        area=self.county, year=year, level=level, name=f"{year}年{name}" + (f"（第{batch + 1}批）" if batch else ""),
                        document_number=f"秦财农〔{year}〕{len(sources.get(year, [])) + 11}号", amount=Decimal("0"),
                        budget_subject="2130599 其他扶贫支出" if level != "credit" else "2130506 农业保险保费补贴",
                        issued_date=issued, created_by=self.admin,
                    ))
        return sources

    def projects(self, years: list[int]) -> tuple[list[Project], list[list[date]]]:
        """Projects at every stage, with the date each stage was reached."""
        rng = self.rng
        projects, stages = [], []
        for index in range(self.project_count):
            year = rng.choice(years)
            village = rng.choice(self.villages)
            kind = rng.choice(list(PROJECTS))
            # the first few projects cover every stage, so every page and filter has data
            stage = index if index < len(STAGE_ORDER) else _stage_for(rng, year)
            entered = _day(rng, date(year - 1, 10, 1), date(year, 2, 20))
            dates = [entered]
            for _ in range(stage):
                dates.append(_day(rng, dates[-1] + timedelta(days=10), dates[-1] + timedelta(days=120)))
            budget = _money(rng, 300, 8000) if kind != "industry" else _money(rng, 1000, 20000)
            projects.append(Project(
                area=village, year=year, name=f"{village.name}{rng.choice(PROJECTS[kind])}", project_type=kind,
                construction_nature=rng.choice(["new", "new", "renovation", "expansion", "repair"]),
                content=f"{village.name}实施，建设期 {rng.randint(2, 10)} 个月", responsible_unit=rng.choice(UNITS),
                budget=budget, performance_target=f"按期完工率 100%，受益脱贫户满意度 ≥ {rng.choice([90, 95])}%",
                beneficiary_households=rng.randint(10, 180), beneficiary_people=0,
                stage=STAGE_ORDER[stage], stage_date=dates[-1], created_by=self.maker_of(self.township_of[village.pk]),
            ))
            projects[-1].beneficiary_people = projects[-1].beneficiary_households * rng.randint(2, 4)
            stages.append(dates)
        return projects, stages

    def save_projects(self, projects: list[Project], stages: list[list[date]]) -> None:
        """The projects, their villages and a step for every stage reached."""
        Project.objects.bulk_create(projects, batch_size=2000)
        Project.villages.through.objects.bulk_create(
            [Project.villages.through(project_id=p.pk, area_id=p.area_id) for p in projects], batch_size=5000
        )
        steps = []
        for project, dates in zip(projects, stages):
            for stage, day in zip(STAGE_ORDER, dates):
                who = self.admin if stage in ("approved", "accepted") else self.maker_of(self.township_of[project.area_id])
                steps.append(ProjectStep(project=project, stage=stage, date=day, actor=who, note="入库" if stage == "reserve" else ""))
        ProjectStep.objects.bulk_create(steps, batch_size=5000)

    def project_allocations(self, projects: list[Project], stages: list[list[date]],
                            sources: dict[int, list[FundSource]]) -> list[Allocation]:
        """Approved projects get their budget in one or two allocations."""
        rng = self.rng
        allocations = []
        for project, dates in zip(projects, stages):
            if len(dates) < 2:
                continue
            left = project.budget
            for _ in range(rng.choice([1, 1, 2])):
                source = rng.choice(sources[project.year])
                amount = left if left < 50000 else (left * Decimal(rng.choice(["0.4", "0.6", "1"]))).quantize(CENT)
                left -= amount
                day = max(dates[1], source.issued_date)
                allocations.append(Allocation(
                    source=source, target="project", project=project, area=project.area, amount=amount, date=day,
                    document_number=f"秦乡振发〔{project.year}〕{rng.randint(1, 90)}号", created_by=self.admin,
                ))
                if left <= 0:
                    break
        return allocations

    def village_allocations(self, years: list[int], sources: dict[int, list[FundSource]]) -> list[Allocation]:
        rng = self.rng
        allocations = []
        for _ in range(max(5, self.project_count // 10)):
            year = rng.choice(years)
            village = rng.choice(self.villages)
            source = rng.choice(sources[year])
            allocations.append(Allocation(
                source=source, target="village", village=village, area=village, amount=_money(rng, 200, 1000),
                date=_day(rng, source.issued_date, date(year, 11, 30)), purpose="村集体经济发展", created_by=self.admin,
            ))
        return allocations

    def disbursements(self, allocations: list[Allocation], projects: list[Project]) -> list[_Payment]:
        """Confirmed mostly, pending some, returned and reversed a few."""
        rng = self.rng
        per_allocation = max(1, round(self.households / 5 / max(1, len(allocations))))
        payments: list[_Payment] = []
        project_stage = {p.pk: STAGE_ORDER.index(p.stage) for p in projects}
        for allocation in allocations:
            if allocation.target == "project" and project_stage[allocation.project.pk] < 2:
                continue
            if allocation.target == "measures":
                continue  # paid per measure (demo_measures)
            count = rng.randint(1, per_allocation * 2 - 1) if per_allocation > 1 else 1
            part = (allocation.amount / count / Decimal(rng.choice(["1", "1", "1.25"]))).quantize(CENT, rounding=ROUND_DOWN)
            maker = self.maker_of(self.township_of.get(allocation.area_id, allocation.area_id))
            checker = self.admin if maker != self.admin else None
            for n in range(count):
                if part <= 0 or checker is None:
                    break
                payments.append(self._payment(allocation, part, n, maker, checker))
        return payments

    def _payment(self, allocation: Allocation, part: Decimal, n: int, maker: User, checker: User) -> _Payment:
        rng = self.rng
        day = _day(rng, allocation.date, allocation.date + timedelta(days=300))
        roll = rng.random()
        status = "pending" if roll < 0.05 else "rejected" if roll < 0.06 else "confirmed"
        entry = Disbursement(allocation=allocation, amount=part, date=day, payee=rng.choice(PAYEES),
                             voucher_number=f"记-{day:%Y%m}-{rng.randint(1, 999):03d}", note=f"第{n + 1}期", status=status,
                             recorded_by=maker, checked_by=None if status == "pending" else checker,
                             reason="凭证不全" if status == "rejected" else "")
        reversal = None
        if status == "confirmed" and rng.random() < 0.01:
            reversal = Disbursement(allocation=allocation, amount=-part, date=day, payee=entry.payee,
                                    voucher_number=entry.voucher_number, note="冲销", status="confirmed", reason="收款账号有误",
                                    recorded_by=maker, checked_by=checker)
        return allocation, entry, reversal

    def settle(self, sources: dict[int, list[FundSource]], allocations: list[Allocation], payments: list[_Payment]) -> None:
        """Running totals, then the amounts of the sources (allocated plus a margin)."""
        for allocation, entry, reversal in payments:
            if entry.status == "confirmed":
                allocation.confirmed_total += entry.amount + (reversal.amount if reversal else 0)
            elif entry.status == "pending":
                allocation.pending_total += entry.amount
        for year_sources in sources.values():
            for source in year_sources:
                source.allocated_total = Decimal("0")
        for allocation in allocations:
            allocation.source.allocated_total += allocation.amount
        for year_sources in sources.values():
            for source in year_sources:
                source.amount = (source.allocated_total * Decimal(self.rng.choice(["1", "1.05", "1.2"]))).quantize(Decimal("100")) or Decimal("100000")
                source.amount = max(source.amount, source.allocated_total)


def _write_books(sources: dict[int, list[FundSource]], allocations: list[Allocation],
                 shares: list[tuple[Allocation, list[tuple[int, Decimal]]]], payments: list[_Payment]) -> list[Disbursement]:
    """Sources, allocations, their measure shares and the disbursements, parents
    first; returns the reversals written."""
    FundSource.objects.bulk_create([s for year_sources in sources.values() for s in year_sources])
    for allocation in allocations:
        allocation.source_id = allocation.source.pk
        if allocation.project is not None:
            allocation.project_id = allocation.project.pk
    Allocation.objects.bulk_create(allocations, batch_size=2000)
    AllocationMeasure.objects.bulk_create(
        [AllocationMeasure(allocation=a, measure_id=pk, village_id=a.area_id, amount=amount) for a, rows in shares for pk, amount in rows],
        batch_size=5000,
    )
    for allocation, entry, _ in payments:
        entry.allocation_id = allocation.pk
    Disbursement.objects.bulk_create([e for _, e, _ in payments], batch_size=5000)
    reversals = []
    for allocation, entry, reversal in payments:
        if reversal is not None:
            reversal.allocation_id, reversal.reversal_of_id = allocation.pk, entry.pk
            reversals.append(reversal)
    Disbursement.objects.bulk_create(reversals)
    return reversals


def seed_funds(*, rng, demo, households: int, log) -> None:
    if households <= 0 or not demo.villages:
        return
    started = time.monotonic()
    admin = User.objects.filter(role=Role.COUNTY_ADMIN, area=demo.county).order_by("pk").first()
    if admin is None:
        return
    seeder = _FundsSeeder(rng, demo, households, admin)
    sources = seeder.sources()
    years = sorted(sources)
    projects, stages = seeder.projects(years)
    seeder.save_projects(projects, stages)
    allocations = seeder.project_allocations(projects, stages, sources)
    allocations += seeder.village_allocations(years, sources)
    made = measure_allocations(
        rng, townships=demo.townships, villages=demo.villages, years=years, sources=sources,
        per_township=max(3, seeder.project_count // 100), admin=admin,
    )
    payments = seeder.disbursements(allocations, projects)
    allocations += [m.allocation for m in made]
    shares = [(m.allocation, [(pk, amount) for pk, amount, _ in m.shares]) for m in made]
    payments += [(e.allocation, e, None) for e in measure_payments(rng, made, maker_of=seeder.maker_of, checker=admin)]
    seeder.settle(sources, allocations, payments)
    reversals = _write_books(sources, allocations, shares, payments)
    log(
        f"资金：{sum(len(s) for s in sources.values())} 个资金来源，{len(projects)} 个项目，{len(allocations)} 笔分配，"
        f"{len(payments) + len(reversals)} 笔拨付，用时 {time.monotonic() - started:.0f} 秒"
    )


if seed_funds not in DEMO_SEEDERS:
    DEMO_SEEDERS.append(seed_funds)
