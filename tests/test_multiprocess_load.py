"""make load's own parts, without Locust or a server: it only ever targets
this machine, the sample holds only what each account may see, the
verifier finds every acknowledged write and its audit entry (and says so
when one is missing), and the figures are per page with the password check
kept apart."""

import json
from datetime import date

import pytest
from auditlog.context import disable_auditlog, set_actor

from bench.load import LoadError, loopback_only
from bench.load.report import ALL, LOGIN_POST, PAGES, percentile, summarise, table
from bench.load.sample import sample
from bench.load.verify import verify
from households.models import Cadre, Measure, MeasureCategory, Visit
from povertyrelief.models import Role
from tests.conftest import IDS, make_household, make_user

RUN = "LOAD-20260101-080000-50u"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://127.8.9.10:80", "http://localhost:8000", "http://[::1]:8000"])
def test_addresses_on_this_machine_are_accepted(url):
    assert loopback_only(url) == url


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.5:8000", "http://192.168.1.20", "http://172.16.0.1:8000", "http://example.com", "http://8.8.8.8",
     "https://127.0.0.1:8000", "127.0.0.1:8000", "http://127.0.0.1.example.com"],
)
def test_any_other_address_is_refused(url):
    with pytest.raises(LoadError):
        loopback_only(url)


@pytest.fixture
def demo_accounts(db, areas, households):
    extra = make_household(areas.village_x, "6104991012010002", "张秀兰", IDS[3])
    return type("Accounts", (), dict(
        extra=extra,
        township=make_user("zhen01", Role.TOWNSHIP, areas.township_a),
        village=make_user("cun0101", Role.VILLAGE, areas.village_x),
        county=make_user("county_viewer", Role.COUNTY_VIEWER, areas.county),
        other=make_user("zhen_b", Role.TOWNSHIP, areas.township_b),
    ))


def test_the_sample_holds_only_what_each_account_may_see(demo_accounts, areas, households):
    cadre = Cadre.objects.create(name="刘帮扶", unit="城关镇政府", unit_level="乡镇", phone="13900000001", area=areas.township_a)
    households.x.assignments.create(cadre=cadre, start_date=date(2024, 1, 1))
    data = sample()
    staff = {a["username"]: a for a in data["staff"]}
    assert set(staff) == {"zhen01", "cun0101"}  # demo names only
    extra = demo_accounts.extra.pk
    assert {h["id"] for h in staff["zhen01"]["households"]} == {households.x.pk, households.y.pk, extra}
    assert {h["id"] for h in staff["cun0101"]["households"]} == {households.x.pk, extra}
    village = {h["id"]: h for h in staff["cun0101"]["households"]}
    assert village[households.x.pk] == {"id": households.x.pk, "name": "张建国", "id_number": IDS[0], "cadre": cadre.pk}
    assert data["county"] == [
        {"username": "county_viewer", "role": "county_viewer", "area": areas.county.pk,
         "townships": [areas.township_a.pk, areas.township_b.pk]}
    ]
    assert data["categories"] == list(MeasureCategory.objects.filter(active=True).order_by("pk").values_list("pk", flat=True))


def test_the_sample_needs_the_demo_county(db):
    with pytest.raises(LoadError, match="seed_demo"):
        sample()


def write_log(run_dir, writes):
    run_dir.mkdir()
    (run_dir / "writes.jsonl").write_text("".join(json.dumps(w, ensure_ascii=False) + "\n" for w in writes), encoding="utf-8")


def test_the_verifier_finds_each_acknowledged_write_and_its_audit_entry(demo_accounts, households, tmp_path):
    category = MeasureCategory.objects.filter(active=True).first()
    cadre = Cadre.objects.create(name="周干部", unit="县财政局", unit_level="县直", phone="13800000009", area=households.x.village)
    with set_actor(demo_accounts.village):
        Visit.objects.create(household=households.x, cadre=cadre, date=date(2026, 1, 2), content=f"压测走访 {RUN}-1-1")
        Measure.objects.create(household=households.x, year=2026, category=category, content=f"压测措施 {RUN}-1-2")
        Measure.objects.create(household=households.x, year=2026, category=category, content=f"压测措施 {RUN}-1-9")
    writes = [
        {"kind": "visit", "household": households.x.pk, "text": f"压测走访 {RUN}-1-1", "username": "cun0101"},
        {"kind": "measure", "household": households.x.pk, "text": f"压测措施 {RUN}-1-2", "username": "cun0101"},
    ]
    write_log(tmp_path / "ok", writes)
    verdict = verify(tmp_path / "ok", RUN)
    assert verdict.ok and verdict.found == verdict.audited == 2 and verdict.acknowledged == {"visit": 1, "measure": 1}
    assert verdict.unacknowledged == 1  # the -1-9 row: written, never acknowledged
    assert "结论：全部写入都在数据库和审计日志中" in verdict.lines()


def test_the_verifier_reports_lost_unaudited_misplaced_and_duplicated_writes(demo_accounts, households, tmp_path):
    category = MeasureCategory.objects.filter(active=True).first()
    with disable_auditlog():
        Measure.objects.create(household=households.x, year=2026, category=category, content=f"压测措施 {RUN}-2-1")
    with set_actor(demo_accounts.township):
        Measure.objects.create(household=households.y, year=2026, category=category, content=f"压测措施 {RUN}-2-2")
        for _ in range(2):
            Measure.objects.create(household=households.x, year=2026, category=category, content=f"压测措施 {RUN}-2-3")
    writes = [
        {"kind": "measure", "household": households.x.pk, "text": f"压测措施 {RUN}-2-{n}", "username": "zhen01"}
        for n in range(0, 4)
    ]
    write_log(tmp_path / "bad", writes)
    verdict = verify(tmp_path / "bad", RUN)
    assert not verdict.ok
    assert verdict.lost == [f"压测措施 {RUN}-2-0"]
    assert verdict.unaudited == [f"压测措施 {RUN}-2-1"]
    assert verdict.misplaced == [f"压测措施 {RUN}-2-2"]
    assert verdict.duplicated == [f"压测措施 {RUN}-2-3"]
    assert verdict.lines()[-1] == "结论：有写入丢失或未留痕"


def test_figures_are_per_page_with_the_password_check_and_the_log_in_wave_kept_apart():
    results = {
        "run": RUN, "seconds": 10.0, "steady_seconds": 4.0, "users": 2,
        "timings": {"一户一档": [float(n) for n in range(1, 101)], LOGIN_POST: [600.0, 700.0]},
        "steady": {"一户一档": [float(n) for n in range(61, 101)]},
        "failures": {"一户一档": {"HTTP 500": 2}},
    }
    summary = summarise(results, users=2)
    page = summary.row("一户一档")
    assert (page.count, page.failures, page.median, page.p95, page.rps) == (100, 2, 50.0, 95.0, 10.0)
    assert summary.row(PAGES).p95 == 95.0 and summary.row(ALL).p95 == 97.0
    assert summary.errors == 2
    text = "\n".join(table(summary))
    assert "错误 一户一档：HTTP 500（2 次）" in text
    assert percentile([], 0.95) == 0.0
    # Once both users had logged in: the last 40 requests in 4 seconds.
    steady = summarise(results, users=2, steady=True)
    assert (steady.row(PAGES).count, steady.row(PAGES).rps, steady.row(PAGES).p95) == (40, 10.0, 98.0)
