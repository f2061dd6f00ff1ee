"""What a user sees in a real browser: login, browsing to a village, scope, phone layout."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

# Every FontFace the page declared for the Chinese webfont, with its load status.
NOTO_STATUSES = """() => document.fonts.ready.then(() =>
    [...document.fonts].filter(f => f.family.replace(/["']/g, "") === "Noto Sans SC").map(f => f.status))"""


def log_in(page, base_url, username, password=PASSWORD):
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def test_township_user_browses_to_a_village_and_logs_out(page, live_server, areas, screenshot_dir):
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    log_in(page, live_server.url, "zhen_a")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("城关镇")

    page.get_by_role("link", name="区划与工作队").click()
    page.get_by_role("link", name="张家沟村", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/areas/{areas.village_x.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("张家沟村")
    expect(page.get_by_text("驻村工作队", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="县财政局")).to_be_visible()

    # The server has no CJK system fonts: without the bundled webfont the
    # screenshot would show tofu boxes while the DOM text still looked right.
    assert page.evaluate(NOTO_STATUSES) == ["loaded"]
    page.screenshot(path=screenshot_dir / "village.png", full_page=True)

    # Offline county networks: no CDN, analytics or remote fonts.
    foreign = [url for url in requested if not url.startswith(live_server.url) and not url.startswith("data:")]
    assert requested and not foreign

    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="用户登录")).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_have_count(0)


def test_wrong_password_shows_chinese_error_and_stays_on_login(page, live_server):
    log_in(page, live_server.url, "zhen_a", "wrong-password")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_text("正确的用户名和密码")).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_have_count(0)


def test_other_township_gets_chinese_404_for_a_village_outside_its_area(page, live_server, areas):
    log_in(page, live_server.url, "zhen_b")
    expect(page.get_by_role("heading", level=1)).to_contain_text("清河镇")

    response = page.goto(f"{live_server.url}/areas/{areas.village_x.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    expect(page.get_by_text("张家沟村")).to_have_count(0)


def test_phone_viewport_collapses_the_menu_behind_a_toggler(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, live_server.url, "zhen_a")

    nav_link = page.get_by_role("link", name="区划与工作队")
    expect(nav_link).to_be_hidden()
    page.get_by_role("button", name="展开菜单").click()
    expect(nav_link).to_be_visible()
    nav_link.click()
    expect(page).to_have_url(f"{live_server.url}/areas/")
    context.close()
