"""The battle map in a real browser: the county viewer's home page is the
county map, a click on a township's bar opens that township's map, the
numbers are tables too, and the page prints without its controls."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser import log_in

pytestmark = pytest.mark.e2e

BAR_CENTRE = """(index) => {
  const canvas = document.querySelector('canvas[data-chart="chart-area"]');
  const bar = canvas.chart.getDatasetMeta(0).data[index];
  const box = canvas.getBoundingClientRect();
  return {x: box.left + (bar.x + bar.base) / 2, y: box.top + bar.y, label: canvas.chart.data.labels[index]};
}"""


def test_clicking_a_township_bar_opens_that_townships_map(page, live_server, areas, households, screenshot_dir):
    log_in(page, live_server.url, "viewer1")  # the county viewer: no second factor to enter
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("秦川县 挂图作战")
    canvas = page.locator('canvas[data-chart="chart-area"]')
    canvas.scroll_into_view_if_needed()
    expect(canvas).to_be_visible()
    # The chart's numbers are also a table, with a link per township.
    table = page.locator("#by-area table")
    expect(table.locator(f'tr[data-area="{areas.township_a.code}"] [data-figure="poor_people"]')).to_have_text("2")
    page.screenshot(path=screenshot_dir / "battle-map-county.png", full_page=True)

    bar = page.evaluate(BAR_CENTRE, 0)
    assert bar["label"] == "城关镇"
    page.mouse.click(bar["x"], bar["y"])
    expect(page).to_have_url(re.compile(rf"{live_server.url}/map/{areas.township_a.code}/\?year=\d{{4}}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("城关镇 挂图作战")
    expect(page.locator(f'tr[data-area="{areas.village_x.code}"]')).to_be_visible()
    expect(page.locator(f'tr[data-area="{areas.village_z.code}"]')).to_have_count(0)

    page.emulate_media(media="print")
    expect(page.locator(".print-only")).to_be_visible()
    expect(page.get_by_role("button", name="打印挂图")).to_be_hidden()
    page.emulate_media(media="screen")


def test_the_map_fits_a_phone(browser, live_server, areas, households):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, "viewer1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("挂图作战")
    expect(page.locator('canvas[data-chart="chart-area"]')).to_be_visible()
    # Wide tables scroll inside their box; the page itself does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    context.close()
