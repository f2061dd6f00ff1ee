"""A township user finds the visiting cadre by typing, in a real browser."""

import pytest
from playwright.sync_api import expect

from households.models import Cadre, Visit
from tests.e2e.test_browser import log_in
from tests.households.test_cadre_picker import make_cadres

pytestmark = pytest.mark.e2e

PLACEHOLDER = "输入姓名、单位或电话查找帮扶责任人"


def test_township_user_searches_for_the_cadre_who_visited(households, areas, page, live_server, screenshot_dir):
    make_cadres(areas.township_a, 40)
    make_cadres(areas.township_b, 3, prefix="外镇干部")
    log_in(page, live_server.url, "zhen_a")
    page.goto(f"{live_server.url}/households/{households.x.pk}/visits/new/")

    select = page.locator("#id_cadre")
    expect(select.locator("option")).to_have_count(1)  # no cadre yet: the blank choice only
    search = page.get_by_placeholder(PLACEHOLDER)

    search.fill("外镇干部")
    expect(select.locator("option:disabled")).to_have_text("未找到匹配的帮扶责任人")

    search.fill("乡干部03")
    expect(select.locator("option:not([disabled])")).to_have_count(11)  # the blank choice and 乡干部030–039
    select.select_option(label="乡干部037（城关镇人民政府，干部）")
    # Another search keeps the chosen cadre; Enter picks the first match and sends nothing.
    search.fill("1390000001")
    expect(select.locator("option", has_text="乡干部010")).to_have_count(1)
    expect(select).to_have_value(str(Cadre.objects.get(name="乡干部037").pk))
    search.press("Enter")
    expect(select).to_have_value(str(Cadre.objects.get(name="乡干部010").pk))
    expect(page).to_have_url(f"{live_server.url}/households/{households.x.pk}/visits/new/")

    page.locator("#id_content").fill("了解务工情况")
    page.screenshot(path=screenshot_dir / "cadre_picker.png", full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("乡干部010的走访")).to_be_visible()
    assert Visit.objects.get().cadre.name == "乡干部010"
