"""One household walks the exit procedure in a real browser, by three
users of three levels: the village cadre proposes it (民主评议), verifies it
at home, records the household's consent and runs the 公示; the township
approves; the county administrator (signing in with a second factor)
approves and announces it. Its 明白卡 then prints the ticks."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from households.models import Household
from tests.assessment.conftest import add_income, ensure_standard
from tests.e2e.test_browser import log_in
from tests.two_factor_helpers import enrol, totp_code

pytestmark = pytest.mark.e2e

TODAY = timezone.localdate()
START = TODAY - timedelta(days=20)


def on(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


@pytest.fixture
def ready(households):
    standard = ensure_standard(START.year)
    add_income(households.x, standard.poverty_line + 1200, year=START.year)
    return households.x


def new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def step(page, link: str, fields: dict, button: str, done: str):
    page.get_by_role("link", name=link, exact=True).first.click()
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name=button).click()
    expect(page.locator(".review-stage")).to_have_text(done)


def test_three_users_walk_a_household_to_its_exit_and_the_card_shows_the_ticks(
    ready, personas, browser, page, live_server, screenshot_dir
):
    base = live_server.url
    # 村: 民主评议 with a preview, 核实 with 两不愁 attested, 户主认可, 公示.
    log_in(page, base, "cun_x")
    page.goto(f"{base}/assessment/")
    page.get_by_role("link", name="民主评议：提出退出").click()
    page.get_by_label("民主评议日期").fill(on(0))
    page.get_by_label("同意票").fill("31")
    page.get_by_label("反对票").fill("2")
    page.locator(f"input[name=households][value='{ready.pk}']").check()
    page.get_by_role("button", name="预览").click()
    expect(page.locator(".propose-preview")).to_contain_text("可以")
    page.get_by_role("button", name="确认登记 1 户").click()
    expect(page.locator(".review-stage")).to_have_text("民主评议")

    page.get_by_role("link", name="入户核实", exact=True).first.click()
    expect(page.locator(".exit-criteria")).to_contain_text("高于当年扶贫标准")
    page.get_by_label("入户核实日期").fill(on(1))
    page.get_by_label("不愁吃（入户核实确认）").check()
    page.get_by_label("不愁穿（入户核实确认）").check()
    page.get_by_role("button", name="登记入户核实").click()
    expect(page.locator(".review-stage")).to_have_text("入户核实")
    step(page, "户主认可", {"户主签字认可日期": on(2)}, "登记户主认可", "户主认可")
    step(page, "村内公示中", {"公示开始日期": on(3)}, "开始公示", "村内公示中")
    # Six days are not enough; the seventh is.
    page.get_by_role("link", name="公示期满", exact=True).first.click()
    page.get_by_label("公示期满日期").fill(on(8))
    page.get_by_role("button", name="登记公示期满").click()
    expect(page.get_by_text("至少 7 天")).to_be_visible()
    page.get_by_label("公示期满日期").fill(on(9))
    page.get_by_role("button", name="登记公示期满").click()
    expect(page.locator(".review-stage")).to_have_text("公示期满")
    review_url = page.url
    # The village has no township step to take.
    expect(page.get_by_role("link", name="乡镇审核通过")).to_have_count(0)

    # 乡镇
    context, township = new_page(browser)
    log_in(township, base, "zhen_a")
    township.goto(review_url)
    step(township, "乡镇审核通过", {"乡镇审核日期": on(10)}, "提交乡镇审核意见", "乡镇审核通过")
    context.close()

    # 县: a second factor at sign-in.
    device, _ = enrol(personas.county_admin)
    context, county = new_page(browser)
    log_in(county, base, "admin1")
    county.get_by_label("验证码").fill(totp_code(device))
    county.get_by_role("button", name="验证并登录").click()
    expect(county.get_by_role("button", name="退出登录")).to_be_visible()
    county.goto(review_url)
    step(county, "县级审定通过", {"县级审定日期": on(11)}, "提交县级审定意见", "县级审定通过")
    step(county, "公告销号", {"公告日期": on(12)}, "公告并销号", "公告销号")
    expect(county.locator(".alert-success").first).to_contain_text("已公告销号")
    county.screenshot(path=screenshot_dir / "exit-announced.png", full_page=True)
    steps = county.locator(".exit-steps li")
    expect(steps).to_have_count(8)
    expect(steps.nth(5)).to_contain_text("乡镇审核通过")

    ready.refresh_from_db()
    assert (ready.status, ready.exit_year) == ("1", START.year)

    # The household's 明白卡 for the year prints the verified ticks.
    response = county.request.get(f"{base}/households/{ready.pk}/card.pdf?year={START.year}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(response.body())).pages)
    assert "不愁吃 √" in text and "不愁穿 √" in text and "饮水安全有保障 √" in text
    assert "入户核实" in text and Household.objects.get(pk=ready.pk).get_status_display() in text
    context.close()
