"""The people of a county at work, for Locust (run by ``python -m bench.load``).

Township and village staff log in with their demo accounts, open the
battle map, list households, search by name and by ID number (a POST that
redirects to the list with a token), open households, record a visit or a
measure and print a card; county viewers export a township's 贫困户花名册.
Every household, name and ID number comes from the sample file
(``LOAD_SAMPLE``), so each request is one the account may make.

Every write carries ``LOAD_RUN`` and a sequence number; each acknowledged
write (a redirect back to the household) is appended to
``LOAD_OUT/writes.jsonl`` for the verifier. Response times per page, with
failures, go to ``LOAD_OUT/results.json`` when the run stops: for the
whole run, and again from the moment every user has logged in (steady).

Only hosts on this machine are accepted (checked at start-up).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
from bench.load import loopback_only  # noqa: E402

SAMPLE = json.loads(Path(os.environ.get("LOAD_SAMPLE", "var/load/sample.json")).read_text(encoding="utf-8"))
RUN = os.environ.get("LOAD_RUN", "LOAD-manual")
OUT = Path(os.environ.get("LOAD_OUT", "var/load/manual"))
COUNTY_USERS = int(os.environ.get("LOAD_COUNTY_USERS", "2"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_staff_accounts = itertools.cycle(SAMPLE["staff"])
_county_accounts = itertools.cycle(SAMPLE["county"])
_user_numbers = itertools.count(1)
_timings: dict[str, list[float]] = {}
_steady: dict[str, list[float]] = {}  # once every user has logged in
_failures: dict[str, dict[str, int]] = {}
_clock = {}
_logged_in = itertools.count(1)
_writes = None


@events.init.add_listener
def refuse_other_hosts(environment, **kwargs):
    loopback_only(environment.host or "")


@events.test_start.add_listener
def open_writes(environment, **kwargs):
    global _writes
    OUT.mkdir(parents=True, exist_ok=True)
    _writes = open(OUT / "writes.jsonl", "a", encoding="utf-8", buffering=1)
    _clock["start"] = time.time()


@events.request.add_listener
def record(request_type, name, response_time, response_length, exception=None, **kwargs):
    _timings.setdefault(name, []).append(response_time)
    if "steady" in _clock:
        _steady.setdefault(name, []).append(response_time)
    if exception is not None:
        reason = str(exception)[:160]
        _failures.setdefault(name, {})
        _failures[name][reason] = _failures[name].get(reason, 0) + 1


@events.test_stop.add_listener
def write_results(environment, **kwargs):
    _clock["stop"] = time.time()
    if _writes is not None:
        _writes.close()
    results = {
        "run": RUN, "seconds": _clock["stop"] - _clock.get("start", _clock["stop"]),
        "steady_seconds": _clock["stop"] - _clock["steady"] if "steady" in _clock else 0,
        "users": environment.runner.user_count if environment.runner else None,
        "timings": _timings, "steady": _steady, "failures": _failures,
    }
    (OUT / "results.json").write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")


def note_write(kind: str, household: int, text: str, username: str) -> None:
    _writes.write(json.dumps({"kind": kind, "household": household, "text": text, "username": username}, ensure_ascii=False) + "\n")


class Person(FastHttpUser):
    """A signed-in user of the system; subclasses say who and what they do."""

    abstract = True
    account: dict
    csrf = ""

    def on_start(self):
        self.number = next(_user_numbers)
        self.writes = itertools.count(1)
        self.log_in()

    def keep_token(self, text: str | None) -> None:
        found = CSRF.search(text or "")
        if found:
            self.csrf = found.group(1)

    def log_in(self) -> None:
        with self.client.get("/accounts/login/", name="登录页", catch_response=True) as page:
            self.keep_token(page.text)
        body = {"csrfmiddlewaretoken": self.csrf, "username": self.account["username"], "password": SAMPLE["password"]}
        with self.client.post("/accounts/login/", data=urlencode(body), headers=FORM, name="登录（提交）",
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"登录失败：HTTP {response.status_code}")
                raise StopUser()
        self.page("/", "首页（挂图作战）")
        if next(_logged_in) >= self.environment.runner.target_user_count:
            _clock.setdefault("steady", time.time())

    def page(self, path: str, name: str, expect: str = "") -> str:
        """An HTML page: a failure when it is not 200, sends the user back to
        the login form, or lacks what it should show."""
        with self.client.get(path, name=name, catch_response=True) as response:
            text = response.text or ""
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif 'name="username"' in text and 'name="password"' in text:
                response.failure("被退回登录页")
            elif expect and expect not in text:
                response.failure(f"页面缺少“{expect}”")
            self.keep_token(text)
            return text

    def submit(self, path: str, name: str, fields: dict, redirect_to: str) -> bool:
        """A form POST that succeeds with a redirect starting with redirect_to."""
        body = urlencode({"csrfmiddlewaretoken": self.csrf, **fields})
        with self.client.post(path, data=body, headers=FORM, name=name, allow_redirects=False,
                              catch_response=True) as response:
            location = (response.headers or {}).get("Location", "")
            if response.status_code == 302 and location.startswith(redirect_to):
                self.location = location
                return True
            errors = re.findall(r'class="invalid-feedback[^"]*"[^>]*>\s*(?:<strong>)?([^<]+)', response.text or "")
            response.failure(f"HTTP {response.status_code} {location} {'；'.join(errors)[:120]}")
            return False


class Staff(Person):
    """Township (zhenNN) and village (cunTTVV) staff keeping their households."""

    wait_time = between(2, 6)

    def on_start(self):
        self.account = next(_staff_accounts)
        self.households = self.account["households"]
        self.with_cadre = [h for h in self.households if h["cadre"]]
        super().on_start()

    def household(self, pool: list | None = None) -> dict:
        return random.choice(pool or self.households)

    @task(4)
    def list_households(self):
        if random.random() < 0.5:
            self.page("/households/", "户列表 第1页", expect="户编号")
        else:
            self.page(f"/households/?page={random.randint(2, 8)}", "户列表 翻页", expect="户编号")

    @task(3)
    def search_by_name(self):
        household = self.household()
        name = household["name"] if random.random() < 0.7 else household["name"][:2]
        self.page(f"/households/?{urlencode({'q': name})}", "按姓名查找", expect=name)

    @task(2)
    def search_by_id_number(self):
        household = self.household([h for h in self.households if h["id_number"]])
        if self.submit("/households/search-id/", "按身份证号查找（提交）", {"id_number": household["id_number"]},
                       "/households/?idq="):
            self.page(self.location, "按身份证号查找（结果列表）", expect=household["name"])

    @task(6)
    def open_household(self):
        household = self.household()
        self.page(f"/households/{household['id']}/", "一户一档", expect=household["name"])

    @task(1)
    def add_visit(self):
        if not self.with_cadre:
            return
        household = self.household(self.with_cadre)
        path = f"/households/{household['id']}/visits/new/"
        self.page(path, "走访登记（表单）")
        text = f"压测走访 {RUN}-{self.number}-{next(self.writes)}"
        fields = {"date": date.today().isoformat(), "cadre": household["cadre"], "content": text}
        if self.submit(path, "走访登记（保存）", fields, f"/households/{household['id']}/"):
            note_write("visit", household["id"], text, self.account["username"])

    @task(1)
    def add_measure(self):
        household = self.household()
        path = f"/households/{household['id']}/measures/new/"
        self.page(path, "帮扶措施（表单）")
        text = f"压测措施 {RUN}-{self.number}-{next(self.writes)}"
        fields = {
            "year": date.today().year, "category": random.choice(SAMPLE["categories"]), "member": "", "content": text,
            "amount": "", "planned_date": "", "done_date": "", "status": "planned", "cadre": "",
        }
        if self.submit(path, "帮扶措施（保存）", fields, f"/households/{household['id']}/"):
            note_write("measure", household["id"], text, self.account["username"])

    @task(1)
    def print_card(self):
        household = self.household()
        with self.client.get(f"/households/{household['id']}/card.pdf", name="明白卡 PDF", catch_response=True) as response:
            if response.status_code != 200 or not (response.content or b"").startswith(b"%PDF"):
                response.failure(f"HTTP {response.status_code}，不是 PDF")

    @task(1)
    def battle_map(self):
        self.page("/", "首页（挂图作战）")


class County(Person):
    """County viewers: the map, and a township's 贫困户花名册 in Excel."""

    fixed_count = COUNTY_USERS
    wait_time = between(5, 15)

    def on_start(self):
        self.account = next(_county_accounts)
        super().on_start()

    @task(3)
    def export_ledger(self):
        township = random.choice(self.account["townships"])
        # Up to EXPORT_SYNC_MAX_ROWS rows the file comes at once; a larger
        # township (the 150,000-household city) goes to a background job and
        # the answer is a redirect to the job's progress page.
        with self.client.get(f"/exports/households/?township={township}", name="导出贫困户花名册（乡镇）",
                             catch_response=True, allow_redirects=False) as response:
            kind = (response.headers or {}).get("Content-Type", "")
            to_job = response.status_code == 302 and "/jobs/" in (response.headers or {}).get("Location", "")
            if not to_job and (response.status_code != 200 or not kind.startswith(XLSX)):
                response.failure(f"HTTP {response.status_code} {kind}")

    @task(1)
    def exports_index(self):
        self.page("/exports/", "台账导出")

    @task(1)
    def battle_map(self):
        self.page("/", "首页（挂图作战）")
