"""What each demo account may touch, written before a load run.

For every township and village account (``zhenNN``, ``cunTTVV``) a sample
of the households its own scope (``restrict(..., "view")``) lets it see:
id, 户主 name, a current member's ID number, the current cadre (a visit
needs one); for the county viewer, the townships it exports. The Locust
side reads this file and nothing else, so every request it makes is one
the account is allowed to make.

``python -m bench.load.sample [--out FILE]`` writes it on its own.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from . import DEMO_PASSWORD, LOAD_DIR, LoadError, django_setup

STAFF_USERNAME = re.compile(r"^(zhen\d{2}|cun\d{4})$")
COUNTY_USERNAMES = ("county_viewer",)
PER_ACCOUNT = 300


def account_sample(user, *, rng: random.Random, per_account: int) -> dict:
    """Households the account may see, with what the load needs of each."""
    from households.models import Assignment, Household, Member
    from povertyrelief.permissions import restrict

    ids = sorted(restrict(Household, user, "view").values_list("pk", flat=True))
    chosen = sorted(rng.sample(ids, min(per_account, len(ids))))
    heads = dict(Household.objects.filter(pk__in=chosen).values_list("pk", "head_name"))
    id_numbers: dict[int, str] = {}
    for household_id, id_number in (
        Member.objects.filter(household_id__in=chosen, left_date__isnull=True).exclude(id_number="")
        .order_by("household_id", "pk").values_list("household_id", "id_number")
    ):
        id_numbers.setdefault(household_id, id_number)
    cadres = dict(
        Assignment.objects.filter(household_id__in=chosen, end_date__isnull=True).values_list("household_id", "cadre_id")
    )
    households = [
        {"id": pk, "name": heads[pk], "id_number": id_numbers.get(pk, ""), "cadre": cadres.get(pk)} for pk in chosen
    ]
    return {"username": user.username, "role": user.role, "area": user.area_id, "households": households, "visible": len(ids)}


def county_sample(user) -> dict:
    from povertyrelief.permissions import restrict
    from villages.models import Area, AreaLevel

    townships = list(restrict(Area, user).filter(level=AreaLevel.TOWNSHIP).order_by("code").values_list("pk", flat=True))
    return {"username": user.username, "role": user.role, "area": user.area_id, "townships": townships}


def sample(*, per_account: int = PER_ACCOUNT, seed: int = 2026) -> dict:
    """The demo accounts and what each may touch; LoadError when the
    database holds no demo county."""
    from households.models import MeasureCategory
    from povertyrelief.models import User

    rng = random.Random(seed)
    users = User.objects.filter(is_active=True, must_change_password=False).select_related("area").order_by("username")
    staff = [u for u in users if STAFF_USERNAME.match(u.username) and u.role in ("township", "village")]
    county = [u for u in users if u.username in COUNTY_USERNAMES]
    if not staff or not county:
        raise LoadError("数据库中没有演示账户（zhenNN、cunTTVV、county_viewer）：请先运行 seed_demo 生成演示县。")
    accounts = [account_sample(user, rng=rng, per_account=per_account) for user in staff]
    accounts = [a for a in accounts if a["households"]]
    return {
        "password": DEMO_PASSWORD,
        "categories": list(MeasureCategory.objects.filter(active=True).order_by("pk").values_list("pk", flat=True)),
        "staff": accounts,
        "county": [county_sample(user) for user in county],
    }


def write_sample(path: Path, **options) -> dict:
    data = sample(**options)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load.sample", description="写出每个演示账户可访问的户（压测前）。")
    parser.add_argument("--out", type=Path, default=LOAD_DIR / "sample.json")
    parser.add_argument("--per-account", type=int, default=PER_ACCOUNT)
    options = parser.parse_args(argv)
    django_setup()
    data = write_sample(options.out, per_account=options.per_account)
    households = sum(len(a["households"]) for a in data["staff"])
    print(f"{len(data['staff'])} 个乡镇、村账户，{households} 户；{len(data['county'])} 个县级账户 → {options.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
