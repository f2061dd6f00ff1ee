"""The household list and finding a person at city scale, each beside the
Django admin showing the same rows (``bench.admin_urls``, tuned as far as
the admin allows): one township's list (page 2 and the last page, newest
identification first), the ID search (the POST and the list it redirects
to), a name search (3 characters, then 2), and an exact 户编号.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.test.utils import override_settings
from django.urls import reverse

from households.filters import SORTS
from households.models import Household, Member, Relation
from households.selectors.registry import household_list

from . import BenchError, admin_urls
from .context import BenchContext, Timing
from .data import busiest_township, county_admin, superuser

PAGE_SIZE = 50  # the household list's and the admin's page size
SEARCHES = (
    ("three", "按姓名查找（3 个字）", "Django admin 按姓名搜索（3 个字）"),
    ("two", "按姓名查找（2 个字）", "Django admin 按姓名搜索（2 个字）"),
    ("number", "按户编号查找（完整）", "Django admin 按户编号搜索"),
)


def _examples(township) -> dict:
    """A current member's ID, a three- and a two-character piece of a
    current member's name (not the 户主's), and a 户编号, all in the
    township, picked the same way on every run."""
    members = Member.objects.filter(
        household__township=township, left_date__isnull=True, id_number__isnull=False
    ).exclude(relation=Relation.HEAD).order_by("pk")
    person = members.first()
    three = members.filter(name__regex=r"^.{3}$").values_list("name", flat=True).first()
    if person is None or three is None:
        raise BenchError(f"{township.name}没有可用于查找的家庭成员：请用 seed_demo 重新生成基准数据库。")
    number = Household.objects.filter(township=township).order_by("pk").values_list("number", flat=True).first()
    return {"id_number": person.id_number, "three": three, "two": three[1:], "number": number}


def _admin_page(ctx: BenchContext, label: str, user, site, query: str) -> tuple[Timing, int | None]:
    """Time the admin's changelist under the bench URLs; returns the timing
    and how many rows the admin found."""
    with override_settings(ROOT_URLCONF=admin_urls.__name__):
        url = admin_urls.changelist_url(site) + query
        client = ctx.client(user)
        found = {}

        def get():
            response = client.get(url)
            if response.status_code != 200:
                raise BenchError(f"{label}：{url} 返回 {response.status_code}，应为 200。")
            found["rows"] = response.context_data["cl"].result_count
            return response

        return ctx.timed(label, get), found.get("rows")


def _found(actor, filters: dict) -> int:
    return household_list(actor=actor, filters=filters).count()


def _pages(ctx: BenchContext, township, staff, admin_user) -> None:
    rows = Household.objects.filter(township=township).count()
    last = max(1, -(-rows // PAGE_SIZE))
    page = 2 if last > 1 else 1  # tiny test databases have one page
    year_desc = next(key for key, order in SORTS.items() if order[0] == "-identification_year")
    list_url = reverse("households:household_list") + f"?township={township.pk}&sort={year_desc}"
    admin_query = f"?township__id__exact={township.pk}&o=-7"
    ctx.out(f"（{township.name} {rows} 户，每页 {PAGE_SIZE} 行；admin 已调优：不重复统计全表、按户的乡镇列筛选、精确匹配的查找）")
    for number, name in ((page, f"第{page}页"), (last, f"末页（第{last}页）")):
        mine = ctx.page(f"贫困户列表 {name}（乡镇，识别年度倒序）", staff, f"{list_url}&page={number}")
        reference, _ = _admin_page(ctx, f"Django admin 列表 {name}", admin_user, admin_urls.list_site, f"{admin_query}&p={number}")
        ctx.ratio("列表 / admin（中位数、P95）", mine, reference)


def _searches(ctx: BenchContext, township, staff, admin_user) -> None:
    examples = _examples(township)
    search_url = reverse("households:household_search_id")
    client = ctx.client(staff)

    def search_id():
        response = client.post(search_url, {"id_number": examples["id_number"]})
        if response.status_code != 302:
            raise BenchError(f"按身份证号查找返回 {response.status_code}，应为 302。")
        listing = client.get(response["Location"])
        if listing.status_code != 200:
            raise BenchError(f"按身份证号查找后的列表返回 {listing.status_code}，应为 200。")

    found = _found(staff, {"id_number": examples["id_number"]})
    mine = ctx.timed("按身份证号查找（POST 与跳转后的列表）", search_id)
    reference, admin_found = _admin_page(
        ctx, "Django admin 按身份证号搜索", admin_user, admin_urls.id_site, "?" + urlencode({"q": examples["id_number"]})
    )
    ctx.ratio(f"查找 / admin（{found} 户；admin {admin_found} 户）", mine, reference)
    for key, label, admin_label in SEARCHES:
        query = "?" + urlencode({"q": examples[key]})
        found = _found(staff, {"q": examples[key]})
        mine = ctx.page(label, staff, reverse("households:household_list") + query)
        reference, admin_found = _admin_page(ctx, admin_label, admin_user, admin_urls.name_site, query)
        ctx.ratio(f"查找 / admin（{found} 户；admin {admin_found} 户）", mine, reference)


def measure(ctx: BenchContext) -> None:
    township = busiest_township()
    staff, admin_user = county_admin(), superuser()
    _pages(ctx, township, staff, admin_user)
    _searches(ctx, township, staff, admin_user)
