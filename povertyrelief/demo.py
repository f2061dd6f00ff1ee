"""A realistic, deterministic demo county: areas, work teams and accounts.

Apps add their own demo data through ``DEMO_SEEDERS`` (called in order with
the random generator and the created areas), so one command builds it all;
``DEMO_DERIVED`` steps then compute what is derived from it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from villages.models import Area, AreaLevel, WorkTeam

from .models import Role, User

COUNTY_CODE = "610499"
COUNTY_NAME = "秦川县"
DEMO_PASSWORD = "Fupin@2026"
TOWNSHIPS = [
    "城关镇", "清河镇", "石门镇", "柳林镇", "马家庄镇", "双河镇",
    "王家坪乡", "高桥镇", "金山镇", "白水乡", "桃园镇",
]
VILLAGE_PREFIXES = [
    "张家", "李家", "王家", "刘家", "陈家", "杨家", "赵家", "黄家", "周家", "吴家", "徐家", "孙家",
    "马家", "朱家", "胡家", "郭家", "何家", "高家", "林家", "罗家", "郑家", "梁家", "谢家", "宋家",
    "唐家", "许家", "韩家", "冯家", "邓家", "曹家", "彭家", "曾家", "肖家", "田家", "董家", "袁家",
    "潘家", "蒋家", "蔡家", "余家", "杜家", "叶家", "程家", "魏家", "苏家", "吕家", "丁家", "任家",
]
VILLAGE_SUFFIXES = ["沟", "湾", "坪", "庄", "河", "岭", "塬", "峪", "山", "寨", "营", "堡", "洼", "梁"]
NEW_VILLAGE_NAMES = ["前进", "红星", "团结", "新民", "光明", "幸福", "和平", "胜利", "东风", "丰收", "兴隆", "永安"]
UNITS = [
    "县财政局", "县教育局", "县卫生健康局", "县农业农村局", "县人社局", "县交通运输局", "县水利局",
    "县住建局", "县自然资源局", "县民政局", "县供电公司", "县农商银行", "市发展改革委", "市税务局",
    "省交通运输厅", "县委组织部", "县委宣传部", "县公安局", "县林业局", "县市场监管局",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国文红志峰海云辉鹏斌宇浩凯佳琳晨欣怡子轩梓涵一诺雨萱俊杰金凤春梅淑珍秀英德福有才堃喆燊"
VILLAGES_TOTAL = 161


@dataclass
class DemoCounty:
    county: Area
    townships: list[Area] = field(default_factory=list)
    villages: list[Area] = field(default_factory=list)
    accounts: list[tuple[str, str, str, str, str]] = field(default_factory=list)


DEMO_SEEDERS: list = []
# Run after every seeder, by the seed_demo command only: what makes the demo
# show its tools at work — records breaking the data-quality rules on
# purpose, annual targets. The seeders' own data stays consistent without it.
DEMO_SHOWCASE: list = []
# Run last, showcase or not: data derived from everything above (the battle
# maps' figures), so the first page views read it instead of waiting.
DEMO_DERIVED: list = []


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN_CHARS) + (rng.choice(GIVEN_CHARS) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return rng.choice(["135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182", "187", "188", "199"]) + "".join(
        rng.choice("0123456789") for _ in range(8)
    )


def _village_names(rng: random.Random, count: int) -> list[str]:
    names = set()
    while len(names) < count:
        if rng.random() < 0.15:
            names.add(rng.choice(NEW_VILLAGE_NAMES) + "村")
        else:
            names.add(rng.choice(VILLAGE_PREFIXES) + rng.choice(VILLAGE_SUFFIXES) + "村")
    return sorted(names)


@transaction.atomic
def build_areas(rng: random.Random) -> DemoCounty:
    county = Area.objects.create(code=COUNTY_CODE + "000000", name=COUNTY_NAME, level=AreaLevel.COUNTY)
    demo = DemoCounty(county=county)
    townships = Area.objects.bulk_create(
        Area(code=f"{COUNTY_CODE}{100 + i + 1:03d}000", name=name, level=AreaLevel.TOWNSHIP, parent=county)
        for i, name in enumerate(TOWNSHIPS)
    )
    demo.townships = list(Area.objects.filter(level=AreaLevel.TOWNSHIP).order_by("code"))
    # 161 villages spread unevenly over 11 townships, as in real counties.
    weights = [rng.uniform(0.7, 1.3) for _ in townships]
    counts = [max(8, round(VILLAGES_TOTAL * w / sum(weights))) for w in weights]
    counts[0] += VILLAGES_TOTAL - sum(counts)
    names = _village_names(rng, VILLAGES_TOTAL)
    rng.shuffle(names)
    villages = []
    position = 0
    for township, count in zip(demo.townships, counts):
        for j in range(count):
            villages.append(
                Area(
                    code=f"{township.code[:9]}{200 + j + 1:03d}",
                    name=names[position],
                    level=AreaLevel.VILLAGE,
                    parent=township,
                    rural_population=rng.randint(600, 3200),
                )
            )
            position += 1
    Area.objects.bulk_create(villages)
    demo.villages = list(Area.objects.filter(level=AreaLevel.VILLAGE).order_by("code"))
    return demo


def build_work_teams(rng: random.Random, demo: DemoCounty) -> None:
    teams = []
    for village in demo.villages:
        start = date(rng.choice([2021, 2023]), rng.choice([3, 6, 9]), 1)
        unit = rng.choice(UNITS)
        if start.year == 2021:
            teams.append(_team(rng, village, unit, start, date(2023, start.month, 1) if start.month != 9 else date(2023, 8, 31)))
            start = date(2023, start.month, 1) if start.month != 9 else date(2023, 9, 1)
            unit = rng.choice(UNITS)
        teams.append(_team(rng, village, unit, start, None))
    WorkTeam.objects.bulk_create(teams)


def _team(rng, village, unit, start, end) -> WorkTeam:
    members = "\n".join(f"{person_name(rng)} {unit} {mobile(rng)}" for _ in range(rng.randint(1, 3)))
    return WorkTeam(
        village=village,
        dispatching_unit=unit,
        leader_name=person_name(rng),
        leader_phone=mobile(rng),
        first_secretary_name=person_name(rng),
        first_secretary_unit=unit,
        first_secretary_phone=mobile(rng),
        members=members,
        start_date=start,
        end_date=end,
    )


def build_accounts(rng: random.Random, demo: DemoCounty) -> None:
    password_hash = make_password(DEMO_PASSWORD)
    users: list[User] = []

    def add(username: str, role: Role, area: Area, name: str) -> None:
        users.append(
            User(username=username, role=role, area=area, last_name=name[0], first_name=name[1:], password=password_hash)
        )
        demo.accounts.append((username, DEMO_PASSWORD, role.label, area.code, area.name))

    add("county_admin", Role.COUNTY_ADMIN, demo.county, person_name(rng))
    add("county_viewer", Role.COUNTY_VIEWER, demo.county, person_name(rng))
    add("auditor", Role.AUDITOR, demo.county, person_name(rng))
    for index, township in enumerate(demo.townships, start=1):
        add(f"zhen{index:02d}", Role.TOWNSHIP, township, person_name(rng))
    for t_index, township in enumerate(demo.townships[:2], start=1):
        for v_index, village in enumerate((v for v in demo.villages if v.parent_id == township.pk), start=1):
            add(f"cun{t_index:02d}{v_index:02d}", Role.VILLAGE, village, person_name(rng))
    User.objects.bulk_create(users)


def write_accounts_file(demo: DemoCounty, path: Path | None = None) -> Path:
    path = path or settings.VAR_DIR / "demo-accounts.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join("\t".join(row) + "\n" for row in demo.accounts), encoding="utf-8")
    return path


def seed_demo(*, households: int, seed: int, log=print, showcase: bool = False) -> DemoCounty:
    """Build the demo county in an empty database (deterministic per seed);
    ``showcase`` adds the DEMO_SHOWCASE data."""
    if Area.objects.exists():
        raise RuntimeError("数据库中已有区划数据，演示数据只能写入空数据库。")
    rng = random.Random(seed)
    demo = build_areas(rng)
    log(f"区划：1 个县，{len(demo.townships)} 个乡镇，{len(demo.villages)} 个村")
    build_work_teams(rng, demo)
    log(f"驻村工作队：{WorkTeam.objects.count()} 支")
    build_accounts(rng, demo)
    for seeder in DEMO_SEEDERS:
        seeder(rng=rng, demo=demo, households=households, log=log)
    for seeder in DEMO_SHOWCASE if showcase else []:
        seeder(rng=rng, demo=demo, households=households, log=log)
    for step in DEMO_DERIVED:
        step(demo=demo, log=log)
    return demo
