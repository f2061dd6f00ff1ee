"""A village cadre keeps a household's members in a real browser."""

import pytest
from playwright.sync_api import expect

from tests.conftest import IDS
from tests.e2e.test_browser import NOTO_STATUSES, log_in

pytestmark = pytest.mark.e2e

BAD_ID = IDS[3][:-1] + "2"  # right length and birth date, wrong check character


def test_village_cadre_adds_a_member_after_fixing_a_wrong_id(households, page, live_server, screenshot_dir):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    log_in(page, live_server.url, "cun_x")

    page.get_by_role("link", name="贫困户", exact=True).click()
    page.get_by_placeholder("姓名（任一家庭成员）或户编号").fill("张建国")
    page.get_by_role("button", name="查询", exact=True).click()
    rows = page.locator("table.household-list tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name="张建国").click()

    expect(page).to_have_url(f"{live_server.url}/households/{households.x.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("张建国户")
    page.locator("#members").get_by_role("link", name="添加成员").click()

    page.locator("#id_name").fill("张小军")
    page.locator("#id_id_number").fill(BAD_ID)
    page.locator("#id_relation").select_option("之子")
    page.locator("#id_school_status").select_option("初中")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("身份证号校验位不正确，请核对号码。")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("张小军")  # nothing typed is lost

    page.locator("#id_id_number").fill(IDS[3])
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(f"{live_server.url}/households/{households.x.pk}/#members")
    expect(page.get_by_text("已添加家庭成员：张小军。")).to_be_visible()
    members = page.locator("#members")
    new_row = members.locator("tr", has_text="张小军")
    expect(new_row).to_contain_text("之子")
    expect(new_row).to_contain_text("610499********0041")
    expect(members).to_contain_text("现有 2 人")
    history = page.locator("#history")
    expect(history.get_by_text("张小军·姓名")).to_be_visible()
    expect(history).to_contain_text("测试cun_x")

    # The full ID appears only after the logged reveal, swapped in place.
    new_row.get_by_role("button", name="查看").click()
    expect(new_row).to_contain_text(IDS[3])
    expect(page).to_have_url(f"{live_server.url}/households/{households.x.pk}/#members")

    assert page.evaluate(NOTO_STATUSES) == ["loaded"]
    page.screenshot(path=screenshot_dir / "household.png", full_page=True)
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requested)
    assert not any(IDS[3] in url or BAD_ID in url for url in requested)


@pytest.fixture
def head(households):
    """Read before the browser starts (no database calls inside its event loop)."""
    return households.x.members.get()


def test_member_edit_form_saves_on_enter_and_reveals_the_id_in_place(head, households, page, live_server):
    edit_url = f"{live_server.url}/households/members/{head.pk}/edit/"
    log_in(page, live_server.url, "cun_x")
    page.goto(edit_url)
    id_input = page.locator("#id_id_number")
    expect(id_input).to_have_value("")
    expect(id_input).to_have_attribute("placeholder", "610499********0011（不修改请留空）")
    assert IDS[0] not in page.content()

    page.locator("#id_ethnicity").fill("回族")
    page.locator("#id_ethnicity").press("Enter")  # saves: the reveal button is not the form's default
    expect(page).to_have_url(f"{live_server.url}/households/{households.x.pk}/#members")
    expect(page.get_by_text("张建国 的信息已保存。")).to_be_visible()

    page.goto(edit_url)
    expect(page.locator("#id_ethnicity")).to_have_value("回族")
    expect(id_input).to_have_attribute("placeholder", "610499********0011（不修改请留空）")
    page.get_by_role("button", name="查看完整号码").click()
    revealed = page.locator(f"#member-id-{head.pk}")
    expect(revealed).to_contain_text(IDS[0])
    expect(revealed).to_contain_text("已记录查看")
    expect(page).to_have_url(edit_url)
    expect(id_input).to_have_value("")
