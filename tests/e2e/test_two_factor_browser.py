"""A county administrator sets up the second factor in a real browser, logs
out, and logs in again with a code from the authenticator."""

import base64
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.e2e.test_browser import log_in

pytestmark = pytest.mark.e2e


def code_from_secret(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the secret on the enrolment page."""
    totp = TOTP(base64.b32decode(secret.replace(" ", "")))
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def test_county_admin_enrols_then_logs_in_with_a_code(page, live_server, screenshot_dir):
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    log_in(page, live_server.url, "admin1")
    expect(page).to_have_url(f"{live_server.url}/accounts/two-factor/")
    expect(page.get_by_text("县级管理员账户必须启用两步验证")).to_be_visible()
    expect(page.locator(".qr-code svg")).to_be_visible()
    page.screenshot(path=screenshot_dir / "two-factor-enrol.png", full_page=True)

    # Nothing else opens before the set-up is done.
    page.goto(f"{live_server.url}/users/")
    expect(page).to_have_url(f"{live_server.url}/accounts/two-factor/")

    secret = page.locator("code.totp-secret").inner_text()
    page.get_by_label("验证码").fill(code_from_secret(secret))
    page.get_by_role("button", name="启用两步验证").click()
    expect(page.get_by_role("heading", name="恢复码")).to_be_visible()
    expect(page.locator("ol.recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="我已保存，进入系统").click()
    expect(page).to_have_url(f"{live_server.url}/")

    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")

    log_in(page, live_server.url, "admin1")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/code/")
    expect(page.get_by_role("heading", name="输入验证码")).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_have_count(0)
    # The code used at enrolment cannot be replayed: the app's next one is typed.
    page.get_by_label("验证码").fill(code_from_secret(secret, steps_ahead=1))
    page.get_by_role("button", name="验证并登录").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()

    page.goto(f"{live_server.url}/users/")
    expect(page.get_by_role("heading", name="用户管理")).to_be_visible()
    admin_row = page.locator("tr", has_text="admin1")
    expect(admin_row).to_contain_text("已启用")

    foreign = [url for url in requested if not url.startswith(live_server.url) and not url.startswith("data:")]
    assert requested and not foreign
