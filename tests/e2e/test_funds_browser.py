"""Township staff record a disbursement in a real browser, a county
administrator confirms it, and the fund ledger's balance moves; an
administrator corrects an allocation and cancels it, and the ledger drops it."""

from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from povertyrelief.models import Role
from tests.conftest import make_user
from tests.e2e.test_browser import log_in
from tests.funds.conftest import make_allocation, make_project, make_source, record

pytestmark = pytest.mark.e2e


@pytest.fixture
def funded(personas, areas):
    source = make_source(personas.county_admin, "100000.00")
    project = make_project(personas.county_admin, [areas.village_x])
    allocation = make_allocation(personas.county_admin, source, project, "50000.00")
    checker = make_user("admin2", Role.COUNTY_ADMIN, areas.county)
    return type("Funded", (), dict(allocation=allocation, checker=checker))


def signed_in_context(browser, live_server, user):
    """A browser context carrying a session of ``user`` (the login form is
    tested elsewhere; an administrator's sign-in may ask for a second factor)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context


def test_one_user_records_a_disbursement_a_second_confirms_and_the_balance_changes(
    funded, page, browser, live_server, screenshot_dir
):
    allocation_url = f"{live_server.url}/funds/allocations/{funded.allocation.pk}/"
    log_in(page, live_server.url, "zhen_a")
    page.goto(allocation_url)
    balance = page.locator(".allocation-balance")
    expect(balance.locator("[data-total=balance]")).to_have_text("50,000.00")
    page.get_by_role("link", name="登记拨付").click()
    page.locator("#id_amount").fill("1500.00")
    page.locator("#id_payee").fill("秦川县路桥工程有限公司")
    page.locator("#id_voucher_number").fill("记-2024-0418")
    page.get_by_role("button", name="登记拨付").click()
    expect(page.get_by_text("已登记拨付 1,500.00 元（凭证 记-2024-0418），待另一名县级管理员确认。")).to_be_visible()
    expect(balance.locator("[data-total=pending]")).to_have_text("1,500.00")
    expect(balance.locator("[data-total=balance]")).to_have_text("50,000.00")
    # The maker has no confirm button.
    page.locator(".disbursement-list").get_by_role("link").first.click()
    expect(page.get_by_role("link", name="确认", exact=True)).to_have_count(0)

    context = signed_in_context(browser, live_server, funded.checker)
    checker = context.new_page()
    checker.set_default_timeout(10_000)
    checker.goto(f"{live_server.url}/funds/disbursements/?status=pending")
    checker.locator(".disbursement-list tbody tr").first.get_by_role("link").click()
    checker.get_by_role("link", name="确认", exact=True).click()
    checker.get_by_role("button", name="确认", exact=True).click()
    expect(checker.get_by_text("已确认：1,500.00 元（凭证 记-2024-0418）计入已拨付。")).to_be_visible()

    checker.goto(f"{live_server.url}/funds/?by=allocation")
    expect(checker.locator("[data-total=disbursed]")).to_have_text("1,500.00")
    expect(checker.locator("[data-total=balance]")).to_have_text(f"{Decimal('48500.00'):,.2f}")
    checker.screenshot(path=screenshot_dir / "funds-ledger.png", full_page=True)
    context.close()

    page.goto(allocation_url)
    expect(balance.locator("[data-total=disbursed]")).to_have_text("1,500.00")
    expect(balance.locator("[data-total=balance]")).to_have_text("48,500.00")


@pytest.fixture
def two_allocations(personas, areas):
    """50,000 元 to a project in village X with 1,500 元 of it awaiting
    confirmation (recorded by 城关镇), and 20,000 元 to a project in village Z."""
    admin = personas.county_admin
    source = make_source(admin, "100000.00")
    corrected = make_allocation(admin, source, make_project(admin, [areas.village_x]), "50000.00")
    kept = make_allocation(admin, source, make_project(admin, [areas.village_z], name="王家坪村安全饮水巩固提升"), "20000.00")
    pending = record(personas.township_a, corrected, "1500.00", voucher_number="记-2024-0501")
    return type("TwoAllocations", (), dict(corrected=corrected, kept=kept, pending=pending))


def test_an_administrator_corrects_an_allocation_then_cancels_it_and_the_ledger_drops_it(
    two_allocations, page, browser, live_server, screenshot_dir, personas
):
    context = signed_in_context(browser, live_server, personas.county_admin)
    admin = context.new_page()
    admin.set_default_timeout(10_000)
    admin.goto(f"{live_server.url}/funds/?by=allocation")
    expect(admin.locator("[data-total=allocated]")).to_have_text("70,000.00")

    admin.goto(f"{live_server.url}/funds/allocations/{two_allocations.corrected.pk}/")
    admin.get_by_role("link", name="修改", exact=True).click()
    admin.locator("#id_amount").fill("1000.00")
    admin.get_by_role("button", name="保存", exact=True).click()
    expect(admin.get_by_text("已拨付 0.00 元、待确认 1,500.00 元，分配金额不能少于 1,500.00 元。")).to_be_visible()
    admin.locator("#id_amount").fill("45000.00")
    admin.get_by_role("button", name="保存", exact=True).click()
    expect(admin.get_by_text("资金分配已保存：45,000.00 元，项目：张家沟村产业路硬化。")).to_be_visible()
    balance = admin.locator(".allocation-balance")
    expect(balance.locator("[data-total=balance]")).to_have_text("45,000.00")
    expect(balance.locator("[data-total=pending]")).to_have_text("1,500.00")

    # Cancelling is refused while 1,500 元 awaits confirmation ...
    admin.get_by_role("link", name="撤销", exact=True).click()
    expect(admin.get_by_text("撤销后这笔分配仍保留在记录中")).to_be_visible()
    admin.locator("#id_reason").fill("项目调整，改由县级资金安排")
    admin.get_by_role("button", name="确认撤销").click()
    expect(admin.locator("form .alert-danger").first).to_contain_text("待确认 1,500.00 元：只有没有拨付（含待确认）的分配可以撤销")

    # ... until the township withdraws its entry.
    log_in(page, live_server.url, "zhen_a")
    page.goto(f"{live_server.url}/funds/disbursements/{two_allocations.pending.pk}/")
    page.get_by_role("link", name="撤回", exact=True).click()
    page.get_by_role("button", name="确认撤回").click()
    expect(page.get_by_text("已撤回：凭证 记-2024-0501")).to_be_visible()

    admin.goto(f"{live_server.url}/funds/allocations/{two_allocations.corrected.pk}/cancel/")
    expect(admin.locator(".alert-warning")).to_contain_text("45,000.00 元退回资金来源")
    admin.locator("#id_reason").fill("项目调整，改由县级资金安排")
    admin.get_by_role("button", name="确认撤销").click()
    expect(admin.get_by_text("已撤销资金分配（45,000.00 元，项目：张家沟村产业路硬化），金额退回资金来源。")).to_be_visible()
    expect(admin.get_by_role("heading", level=1).locator(".badge")).to_have_text("已撤销")
    expect(admin.get_by_text("撤销：项目调整，改由县级资金安排。")).to_be_visible()
    expect(admin.get_by_role("link", name="修改", exact=True)).to_have_count(0)

    admin.goto(f"{live_server.url}/funds/allocations/")
    cancelled = admin.locator(".allocation-list tbody tr", has_text="张家沟村产业路硬化")
    expect(cancelled.locator(".badge")).to_have_text("已撤销")
    expect(admin.locator(".allocation-list tbody tr", has_text="王家坪村安全饮水巩固提升").locator(".badge")).to_have_count(0)

    admin.goto(f"{live_server.url}/funds/?by=allocation")
    expect(admin.locator("[data-total=allocated]")).to_have_text("20,000.00")
    expect(admin.locator("[data-total=pending]")).to_have_text("0.00")
    admin.screenshot(path=screenshot_dir / "funds-allocation-cancelled.png", full_page=True)
    context.close()
