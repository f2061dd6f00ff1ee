"""Hostile input on the write forms: "bad input gets a clear Chinese error
naming the field, and changes nothing" — never a server error.

Each form is a row of FORMS: the page, who posts, what a valid post holds
beyond what the page's own form carries (hidden version, one-time token),
the object an edit must leave alone, and the fields to attack with the
values of their kind (HOSTILE). A valid post of every row is tried first
(it must be accepted, else the attacks would prove nothing); then each
field, one at a time, gets every hostile value of its kind on top of the
valid post. A value marked ``reject`` must be refused; one marked ``any``
may be accepted (a redirect) but, when refused, the same rules hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Callable

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.db import transaction
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import BaseForm
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from households.models import Cadre, Measure, MeasureCategory, Member, Monitoring
from households.models.cadres import Assignment
from tests.conftest import IDS, make_household, make_user
from povertyrelief.models import Role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NUL = "张\x00三"
LONG = "字" * 10_000
HUGE_INT = "99999999999999999999"

# (label, value, outcome): "reject" must be refused, "any" may be accepted.
HOSTILE = {
    "text": [("nul", NUL, "reject"), ("long", LONG, "any"), ("emoji", "张😀𠮷堃", "any"), ("blank", "   ", "any")],
    "int": [("nul", "1\x00", "reject"), ("huge", HUGE_INT, "reject"), ("nan", "NaN", "reject"), ("fullwidth", "１２３", "any"),
            ("list", ["1", "甲"], "reject")],
    "money": [
        ("fullwidth", "１２３．５", "any"), ("negative", "-100", "reject"), ("exp", "1e20", "reject"),
        ("huge", "99999999999999.999", "reject"), ("nan", "NaN", "reject"), ("inf", "Infinity", "reject"),
    ],
    "date": [("year1", "0001-01-01", "reject"), ("year9999", "9999-12-31", "reject"), ("feb30", "2024-02-30", "reject"),
             ("month13", "2024/13/01", "reject")],
    "fk": [("nonnum", "abc", "reject"), ("huge", HUGE_INT, "reject"), ("other", None, "reject"), ("list", ["甲", "乙"], "reject")],
    "choice": [("nul", "a\x00", "reject"), ("bogus", "不存在的选项", "reject")],
}
# Models whose rows a refused post must leave as they were (the access log
# and jobs record reading, not writing).
SKIP_MODELS = {"PersonalDataAccess", "WorkerHeartbeat", "Session", "Job", "LoginAttempt"}


class PageForm(HTMLParser):
    """The name/value pairs a browser would send from the page's biggest
    POST form (the sign-out form in the header is left out)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.current: dict | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.current = {}
            self.forms.append(self.current)
        if self.current is None or not a.get("name"):
            if tag == "option" and self.select and "selected" in a:
                self.current[self.select] = a.get("value", "")
            return
        name, kind = a["name"], (a.get("type") or "text").lower()
        if tag == "input" and kind not in ("submit", "button", "file", "checkbox", "radio"):
            self.current[name] = a.get("value", "")
        elif tag == "input" and kind in ("checkbox", "radio") and "checked" in a:
            self.current.setdefault(name, []).append(a.get("value", "on")) if kind == "checkbox" else self.current.__setitem__(name, a.get("value"))
        elif tag == "select":
            self.select = name
            self.current.setdefault(name, "")
        elif tag == "textarea":
            self.textarea = name
            self.current[name] = ""

    def handle_data(self, data):
        if self.current is not None and self.textarea:
            self.current[self.textarea] += data.lstrip("\n") if not self.current[self.textarea] else data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def page_form(response) -> dict:
    parser = PageForm()
    parser.feed(response.content.decode())
    forms = [f for f in parser.forms if set(f) - {"csrfmiddlewaretoken"}]
    data = max(forms, key=len) if forms else {}
    data.pop("csrfmiddlewaretoken", None)
    return data


@dataclass
class Spec:
    name: str
    persona: str
    url: Callable
    data: Callable  # world -> the valid post's own values
    fields: dict[str, str] | Callable  # field -> kind (or world -> that)
    target: Callable | None = None  # world -> the object an edit changes
    other: dict[str, Callable] = field(default_factory=dict)  # fk field -> world -> another township's id
    files: Callable | None = None


def valid_id(first17: str) -> str:
    from povertyrelief.validators import id_check_char

    return first17 + id_check_char(first17)


class World:
    """The fixture's objects, and those of LAZY made on first use (a row's
    page names them), so that each row sets up only what it needs."""

    def __getattr__(self, name):
        if name not in LAZY:
            raise AttributeError(name)
        value = LAZY[name](self)
        setattr(self, name, value)
        return value


def staged_review(stage: str, objection: bool = False) -> Callable:
    """An exit review of a new household in village X walked to ``stage``."""

    def make(w):
        from assessment import services
        from tests.assessment.conftest import add_income, ensure_standard, walk

        n = 10 + len(w.__dict__)
        household = make_household(w.a.village_x, f"61049910120109{n:02d}", "张四", valid_id(f"61049919750101{n:03d}"))
        add_income(household, ensure_standard().poverty_line + 1000)
        review = walk(w.p, household, to=stage)
        if objection:
            services.objection_record(actor=w.p.village_x, review=review, received_on=TODAY, content="收入核算有误")
            return review.objections.get()
        return review

    return make


def _disbursement(confirmed: bool) -> Callable:
    def make(w):
        from funds import services
        from tests.funds.conftest import record

        disbursement = record(w.p.county_admin, w.allocation_x, day=TODAY)
        return services.disbursement_confirm(actor=w.admin2, disbursement=disbursement) if confirmed else disbursement

    return make


def _eliminable(w):
    """A case in village X whose every elimination condition holds today."""
    from households.models import Income

    household = make_household(w.a.village_x, "6104991012010098", "张五", valid_id("61049919660101001"))
    for year in (Y - 1, Y):
        Income.objects.create(household=household, year=year, household_size=1, net_income_per_capita="20000.00")
    identified = TODAY - timedelta(days=300)
    return Monitoring.objects.create(
        household=household, object_type="边缘易致贫户", risk_description="户主因病住院", signal_date=identified,
        due_date=identified + timedelta(days=15), stage="identified", stage_date=identified, decided_on=identified,
        risk_identified_date=identified, income_stable_since=identified,
    )


def _attachment(w):
    from households.services.attachments import attachment_upload

    upload = SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    return attachment_upload(actor=w.p.village_x, household=w.h.x, kind="申请书", uploaded_file=upload)


LAZY = {
    "consentable": staged_review("verified"), "publicizable": staged_review("consented"),
    "in_publicity": staged_review("publicity"), "objection": staged_review("publicity", objection=True),
    "publicized": staged_review("publicized"), "township_approved": staged_review("township_approved"),
    "county_approved": staged_review("county_approved"),
    "pending": _disbursement(confirmed=False), "confirmed": _disbursement(confirmed=True),
    "eliminable": _eliminable, "attachment": _attachment,
    "income_x3": lambda w: w.x3.incomes.get(),
}


@pytest.fixture
def world(personas, areas, households, work_teams):
    """Something of each kind in village X (township A) to edit or step, and
    its twin in village Z (township B) for the foreign-key attacks."""
    from assessment.models import VillageChecklistItem
    from tests.assessment.conftest import ensure_standard, add_income, walk
    from tests.funds.conftest import make_allocation, make_project, make_source

    w = World()
    w.p, w.a, w.h = personas, areas, households
    w.teams = work_teams
    second = w.admin2 = make_user("admin2", Role.COUNTY_ADMIN, areas.county)
    w.member_x = Member.objects.create(
        household=households.x, name="张小军", id_number=IDS[3], relation="之子", birth_date=date(2010, 6, 7), sex="男",
        medical_insurance=True, serious_illness_insurance=True,
    )
    w.member_z = Member.objects.create(
        household=households.z, name="王小军", id_number=IDS[4], relation="之父", birth_date=date(1952, 12, 1), sex="男",
    )
    cadre = dict(unit="县财政局", unit_level="县直", phone="13800000003")
    w.cadre_x = Cadre.objects.create(name="周干部", area=areas.township_a, **cadre)
    w.cadre_z = Cadre.objects.create(name="吴干部", area=areas.township_b, **cadre)
    w.assignment_x = Assignment.objects.create(household=households.x, cadre=w.cadre_x, start_date=date(2024, 1, 1))
    w.category = MeasureCategory.objects.filter(active=True).first()
    w.measure_z = Measure.objects.create(household=households.z, year=TODAY.year, category=w.category, content="王家坪村公益岗位")
    ensure_standard()
    w.x2 = make_household(areas.village_x, "6104991012010002", "张二", valid_id("61049919800101001"))
    w.x3 = make_household(areas.village_x, "6104991012010003", "张三", valid_id("61049919700101001"))
    add_income(w.x3, ensure_standard().poverty_line + 1000)
    signal = TODAY - timedelta(days=3)
    w.monitoring = Monitoring.objects.create(
        household=households.x, object_type="边缘易致贫户", risk_description="户主因病住院", signal_date=signal,
        due_date=signal + timedelta(days=15), stage="signalled", stage_date=signal,
    )
    add_income(households.x, ensure_standard().poverty_line + 1000)
    w.review = walk(personas, households.x, to="proposed")
    w.review_township = None
    w.source = make_source(personas.county_admin)
    w.project_x = make_project(personas.county_admin, [areas.village_x], approver=second)
    w.project_z = make_project(personas.county_admin, [areas.village_z], name="王家坪村安全饮水", approver=second)
    w.allocation_x = make_allocation(personas.county_admin, w.source, w.project_x)
    w.checklist = list(VillageChecklistItem.objects.filter(active=True))
    return w


def u(name: str, obj: Callable | None = None) -> Callable:
    return lambda w: reverse(name, args=[obj(w).pk]) if obj else reverse(name)


HOUSEHOLD = dict(
    number="6104991012010077", group="二组", address="张家沟村二组5号", phone="13912345678", identification_standard="national",
    identification_year="2016", attribute="一般贫困户", main_cause="因病", status="0", housing_safety="安全",
    safe_drinking_water="true", has_electricity="true", road_to_home="unknown", farmland_mu="3.5",
)
def on(name: str, persona: str, url_name: str, obj: Callable, data: dict, fields: dict) -> Spec:
    """A row acting on one object: its page's, which a refusal must leave as it was."""
    return Spec(name, persona, u(url_name, obj), lambda w: data, fields, target=obj)


X, Z = (lambda w: w.a.village_x.pk), (lambda w: w.a.village_z.pk)
Y = TODAY.year
STEP = {"date": "date", "note": "text"}
DECISION = {"date": "date", "decision": "choice", "reason": "text"}
REASON = {"reason": "text"}
FORMS = [
    Spec(
        "household_create", "village_x", u("households:household_create"),
        lambda w: dict(HOUSEHOLD, head_name="刘德厚", head_id_number=valid_id("61049919900101003"), village=X(w)),
        {"head_name": "text", "head_id_number": "text", "village": "fk", "number": "text", "address": "text", "phone": "text",
         "identification_year": "int", "farmland_mu": "money", "declared_income_per_capita": "money", "main_cause": "choice",
         "relocation_date": "date"},
        other={"village": Z},
    ),
    Spec(
        "household_update", "village_x", u("households:household_update", lambda w: w.h.x), lambda w: {"group": "三组"},
        {"village": "fk", "group": "text", "bank_account": "text", "farmland_mu": "money", "planned_exit_year": "int",
         "version": "int", "relocation_date": "date"},
        target=lambda w: w.h.x, other={"village": Z},
    ),
    Spec(
        "member_create", "village_x", u("households:member_create", lambda w: w.h.x),
        lambda w: dict(name="张小红", id_number=valid_id("61049920120304002"), relation="之女", ethnicity="汉族"),
        {"name": "text", "id_number": "text", "relation": "choice", "birth_date": "date", "work_months": "int", "ethnicity": "text"},
    ),
    Spec(
        "member_update", "village_x", u("households:member_update", lambda w: w.member_x), lambda w: {"ethnicity": "回族"},
        {"name": "text", "id_number": "text", "birth_date": "date", "work_months": "int", "school_exemption": "text"},
        target=lambda w: w.member_x,
    ),
    Spec(
        "member_leave", "village_x", u("households:member_leave", lambda w: w.member_x),
        lambda w: dict(left_date=str(TODAY), reason="死亡", note="病故"),
        {"left_date": "date", "reason": "choice", "note": "text"}, target=lambda w: w.member_x,
    ),
    Spec(
        "income_create", "village_x", u("households:income_create", lambda w: w.x2),
        lambda w: dict(year=str(Y - 1), wage_migrant_work="12000.00", household_size="1"),
        {"year": "int", "wage_migrant_work": "money", "prop_rent": "money", "production_cost": "money", "household_size": "int"},
    ),
    Spec(
        "standard_create", "county_admin", u("households:standard_create"),
        lambda w: dict(year=str(Y + 1), province="陕西省", poverty_line="4800.00", monitoring_line="7800.00",
                       monitoring_stable_months="6", monitoring_deadline_days="15", exit_publicity_days="7",
                       monitoring_publicity_days="5"),
        {"year": "int", "province": "text", "poverty_line": "money", "monitoring_line": "money", "grain_cost_rate": "money",
         "monitoring_deadline_days": "int", "village_exit_max_rate": "money"},
    ),
    Spec(
        "cadre_create", "township_a", u("households:cadre_create"),
        lambda w: dict(name="郑干部", unit="城关镇人民政府", unit_level="乡镇", position="干事", phone="13800000009", area=w.a.township_a.pk,
                       active="on"),
        {"name": "text", "unit": "text", "position": "text", "phone": "text", "unit_level": "choice", "area": "fk"},
        other={"area": lambda w: w.a.township_b.pk},
    ),
    Spec(
        "assignment_create", "township_a", u("households:assignment_create", lambda w: w.h.y),
        lambda w: dict(cadre=w.cadre_x.pk, start_date=str(TODAY)),
        {"cadre": "fk", "start_date": "date"}, other={"cadre": lambda w: w.cadre_z.pk},
    ),
    Spec(
        "visit_create", "village_x", u("households:visit_create", lambda w: w.h.x),
        lambda w: dict(date=str(TODAY), cadre=w.cadre_x.pk, content="宣讲政策，了解务工情况"),
        {"date": "date", "cadre": "fk", "content": "text"}, other={"cadre": lambda w: w.cadre_z.pk},
    ),
    Spec(
        "measure_create", "village_x", u("households:measure_create", lambda w: w.h.x),
        lambda w: dict(year=str(Y), category=w.category.pk, content="村道保洁公益岗位", amount="6000.00", planned_date=str(TODAY),
                       status="planned"),
        {"year": "int", "category": "fk", "member": "fk", "content": "text", "amount": "money", "planned_date": "date",
         "done_date": "date", "cadre": "fk", "status": "choice"},
        other={"member": lambda w: w.member_z.pk, "cadre": lambda w: w.cadre_z.pk},
    ),
    Spec(
        "measure_bulk", "township_a", u("households:measure_bulk_add"),
        lambda w: dict(category=w.category.pk, year=str(Y), content="产业奖补", amount="500.00", status="planned",
                       numbers=w.h.x.number, step="confirm", expected_count="1"),
        {"category": "fk", "year": "int", "content": "text", "amount": "money", "planned_date": "date", "numbers": "text",
         "cadre": "fk", "village": "fk"},
        other={"cadre": lambda w: w.cadre_z.pk, "village": Z},
    ),
    Spec(
        "monitoring_create", "village_x", u("households:monitoring_create", lambda w: w.x2),
        lambda w: dict(object_type="边缘易致贫户", risk_description="务工收入中断", signal_kind="其他", signal_date=str(TODAY)),
        {"object_type": "choice", "risk_description": "text", "signal_kind": "choice", "signal_date": "date"},
    ),
    Spec(
        "monitoring_step", "village_x", u("households:monitoring_step", lambda w: w.monitoring), lambda w: dict(date=str(TODAY)),
        {"date": "date", "reason": "text"}, target=lambda w: w.monitoring,
    ),
    Spec(
        "attachment_upload", "village_x", u("households:attachment_upload", lambda w: w.h.x), lambda w: {"kind": "申请书"},
        {"kind": "choice"}, files=lambda: {"file": SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
    ),
    Spec(
        "source_create", "county_admin", u("funds:source_create"),
        lambda w: dict(year=str(Y), level="county", name="县级衔接资金", document_number="秦财农〔2024〕99号", amount="30000.00",
                       budget_subject="2130599 其他扶贫支出", issued_date=str(TODAY)),
        {"year": "int", "level": "choice", "name": "text", "document_number": "text", "amount": "money", "issued_date": "date",
         "note": "text"},
    ),
    Spec(
        "project_create", "county_admin", u("funds:project_create"),
        lambda w: dict(year=str(Y), name="张家沟村产业路", project_type="road", construction_nature="new", content="硬化道路",
                       responsible_unit="城关镇人民政府", budget="80000.00", performance_target="硬化道路 2 公里",
                       beneficiary_households="30", beneficiary_people="96", villages=[X(w)], entered_on=str(TODAY)),
        {"year": "int", "name": "text", "budget": "money", "beneficiary_households": "int", "villages": "fk",
         "beneficiary_numbers": "text", "entered_on": "date", "project_type": "choice"},
    ),
    Spec(
        "allocation_create", "county_admin", u("funds:allocation_create"),
        lambda w: dict(source=w.source.pk, target="project", project=w.project_x.pk, amount="1000.00", date=str(TODAY),
                       document_number="秦财农〔2024〕9号", purpose="产业路"),
        {"source": "fk", "target": "choice", "project": "fk", "amount": "money", "date": "date", "document_number": "text",
         "purpose": "text", "village": "fk"},
    ),
    Spec(
        "allocation_update", "county_admin", u("funds:allocation_update", lambda w: w.allocation_x),
        lambda w: dict(amount="52000.00", date=str(TODAY)),
        {"amount": "money", "date": "date", "document_number": "text", "purpose": "text"}, target=lambda w: w.allocation_x,
    ),
    Spec(
        "disbursement_create", "county_admin", u("funds:disbursement_create", lambda w: w.allocation_x),
        lambda w: dict(amount="1200.00", date=str(TODAY), payee="秦川县路桥工程有限公司", voucher_number="记-0009"),
        {"amount": "money", "date": "date", "payee": "text", "voucher_number": "text", "note": "text", "token": "text"},
    ),
    Spec(
        "review_propose", "village_x", u("assessment:review_propose"),
        lambda w: dict(year=str(Y), date=str(TODAY), votes_for="30", votes_against="1", votes_abstain="0", households=[w.x3.pk],
                       note="村民代表会议", confirm="1"),
        {"year": "int", "date": "date", "votes_for": "int", "votes_against": "int", "households": "fk", "note": "text"},
        other={"households": lambda w: w.h.z.pk},
    ),
    Spec(
        "review_verify", "village_x", u("assessment:review_verify", lambda w: w.review),
        lambda w: dict(date=str(TODAY), food_secure="on", clothing_secure="on", note="入户核实"),
        {"date": "date", "note": "text"}, target=lambda w: w.review,
    ),
    Spec(
        "village_propose", "township_a", u("assessment:village_propose", lambda w: w.a.village_y),
        lambda w: dict(year=str(Y), date=str(TODAY), note="申请退出", **{f"item_{i.pk}": "on" for i in w.checklist}),
        {"year": "int", "date": "date", "note": "text"},
    ),
    Spec(
        "user_create", "county_admin", u("user_create"),
        lambda w: dict(username="cun_new", last_name="孙", first_name="新", phone="13800000011", role="village",
                       area=X(w), password="Horse-Battery-73"),
        {"username": "text", "last_name": "text", "phone": "text", "role": "choice", "area": "fk", "password": "text"},
    ),
    Spec(
        "area_update", "county_admin", u("villages:area_update", lambda w: w.a.village_x),
        lambda w: dict(name="张家沟村", rural_population="1300"), {"name": "text", "rural_population": "int"},
        target=lambda w: w.a.village_x,
    ),
    Spec(
        "workteam_create", "township_a", u("villages:workteam_create"),
        lambda w: dict(village=w.a.village_y.pk, dispatching_unit="县农业农村局", leader_name="冯队长", leader_phone="13800000021",
                       first_secretary_name="陈书记", first_secretary_phone="13800000022", start_date=str(TODAY)),
        {"village": "fk", "dispatching_unit": "text", "leader_name": "text", "leader_phone": "text", "members": "text",
         "start_date": "date", "end_date": "date"},
        other={"village": Z},
    ),
    Spec(
        "workteam_update", "township_a", u("villages:workteam_update", lambda w: w.teams.x), lambda w: {"members": "孙队员"},
        {"village": "fk", "leader_name": "text", "start_date": "date", "end_date": "date"},
        target=lambda w: w.teams.x, other={"village": Z},
    ),
    on("review_consent", "village_x", "assessment:review_consent", lambda w: w.consentable, dict(date=str(TODAY), note="户主签字"), STEP),
    Spec(
        "publicity_batch", "village_x", lambda w: w.publicizable and reverse("assessment:publicity_batch"),
        lambda w: dict(date=str(TODAY), reviews=[w.publicizable.pk], confirm="1"), {"date": "date", "reviews": "fk"},
        target=lambda w: w.publicizable,
    ),
    on("review_publicity_start", "village_x", "assessment:review_publicity_start", lambda w: w.publicizable, dict(date=str(TODAY)), STEP),
    on("review_publicity_end", "village_x", "assessment:review_publicity_end", lambda w: w.in_publicity, dict(date=str(TODAY)), STEP),
    on("objection_create", "village_x", "assessment:objection_create", lambda w: w.in_publicity,
       dict(received_on=str(TODAY), objector="张某", content="家中有人在外务工收入未计入"),
       {"received_on": "date", "objector": "text", "content": "text"}),
    on("objection_decide", "village_x", "assessment:objection_decide", lambda w: w.objection,
       dict(day=str(TODAY), decision="rejected", note="经核实收入已计入"), {"day": "date", "decision": "choice", "note": "text"}),
    on("review_township", "township_a", "assessment:review_township", lambda w: w.publicized, dict(date=str(TODAY), decision="approve"),
       DECISION),
    on("review_county", "county_admin", "assessment:review_county", lambda w: w.township_approved,
       dict(date=str(TODAY), decision="approve"), {**DECISION, "third_party_result": "choice", "third_party_note": "text"}),
    on("review_announce", "county_admin", "assessment:review_announce", lambda w: w.county_approved, dict(date=str(TODAY)), STEP),
    Spec(
        "checklist_create", "county_admin", u("assessment:checklist_create"),
        lambda w: dict(name="通组道路", description="通组道路硬化", sort_order="9", active="on"),
        {"name": "text", "description": "text", "sort_order": "int"},
    ),
    on("checklist_update", "county_admin", "assessment:checklist_update", lambda w: w.checklist[0], dict(sort_order="7"),
       {"name": "text", "sort_order": "int"}),
    Spec(
        "category_create", "county_admin", u("households:category_create"),
        lambda w: dict(group="产业扶贫", name="光伏收益分红", sort_order="5", active="on"),
        {"group": "choice", "name": "text", "sort_order": "int"},
    ),
    on("category_update", "county_admin", "households:category_update", lambda w: w.category, dict(sort_order="3"),
       {"group": "choice", "name": "text", "sort_order": "int"}),
    on("user_update", "county_admin", "user_update", lambda w: w.p.village_x, dict(last_name="赵", phone="13800000012"),
       {"last_name": "text", "first_name": "text", "phone": "text", "role": "choice", "area": "fk"}),
    Spec(
        "targets", "county_admin", lambda w: reverse("dashboard:target_edit") + f"?year={Y}",
        lambda w: {f"households_{w.a.township_a.pk}": "40", f"people_{w.a.township_a.pk}": "120"},
        lambda w: {f"{key}_{w.a.township_a.pk}": "int" for key in ("households", "people", "villages")},
    ),
    on("assignment_end", "township_a", "households:assignment_end", lambda w: w.assignment_x,
       dict(end_date=str(TODAY), end_reason="干部调离"), {"end_date": "date", "end_reason": "text"}),
    on("member_make_head", "village_x", "households:member_make_head", lambda w: w.member_x, dict(old_head_relation="之父"),
       {"old_head_relation": "choice"}),
    on("monitoring_eliminate", "village_x", "households:monitoring_eliminate", lambda w: w.eliminable, dict(on_date=str(TODAY)),
       {"on_date": "date"}),
    on("income_update", "village_x", "households:income_update", lambda w: w.income_x3, dict(wage_migrant_work="15000.00"),
       {"year": "int", "wage_migrant_work": "money", "prop_rent": "money", "household_size": "int"}),
    on("attachment_delete", "village_x", "households:attachment_delete", lambda w: w.attachment, {}, {}),
    on("disbursement_confirm", "admin2", "funds:disbursement_confirm", lambda w: w.pending, {}, {}),
    on("disbursement_return", "admin2", "funds:disbursement_reject", lambda w: w.pending, dict(reason="凭证号有误"), REASON),
    on("disbursement_withdraw", "county_admin", "funds:disbursement_withdraw", lambda w: w.pending, dict(reason="金额录错"), REASON),
    on("disbursement_reverse", "county_admin", "funds:disbursement_reverse", lambda w: w.confirmed, dict(reason="重复拨付"), REASON),
    on("allocation_cancel", "county_admin", "funds:allocation_cancel", lambda w: w.allocation_x, dict(reason="项目调整"), REASON),
    on("project_advance", "county_admin", "funds:project_advance", lambda w: w.project_x, dict(date=str(TODAY), note="开工"), STEP),
]


MODELS = [m for m in apps.get_models() if m._meta.app_label in ("households", "funds", "assessment", "villages", "povertyrelief", "auditlog")
          and m.__name__ not in SKIP_MODELS]
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{3,} [A-Za-z]{3,}")


def persona(spec: Spec, w):
    return getattr(w.p, spec.persona, None) or getattr(w, spec.persona)


def valid_post(client, spec: Spec, w) -> dict:
    page = client.get(spec.url(w))
    assert page.status_code == 200, f"{spec.name}: the form page answers {page.status_code}"
    return {**page_form(page), **spec.data(w)}


def send(client, spec: Spec, w, data: dict):
    return client.post(spec.url(w), {**data, **(spec.files() if spec.files else {})})


def state(spec: Spec, w) -> tuple:
    """Every table's row count (the audit log's included) and the edited object's fields."""
    counts = tuple(m._base_manager.count() for m in MODELS)
    if spec.target is None:
        return counts, None
    obj = spec.target(w)
    fresh = type(obj)._base_manager.get(pk=obj.pk)
    return counts, {k: str(v) for k, v in model_to_dict(fresh).items()}


def form_errors(response) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for context in response.context or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else []:
            if isinstance(value, BaseForm) and value.is_bound:
                for name, messages in value.errors.items():
                    errors.setdefault(name, []).extend(messages)
    return errors


def form_fields(response) -> set[str]:
    return {
        value.add_prefix(name) for context in response.context or [] if hasattr(context, "flatten")
        for value in context.flatten().values() if isinstance(value, BaseForm) for name in value.fields
    }


def attacks(spec: Spec, name: str, kind: str, w) -> list[tuple[str, object, str]]:
    values = []
    for label, value, outcome in HOSTILE[kind]:
        if label == "other":
            if name not in spec.other:
                continue
            value = str(spec.other[name](w))
        values.append((label, value, outcome))
    return values


def problem(spec: Spec, name: str, label: str, value, outcome: str, client, w, base: dict) -> str | None:
    """What is wrong with how the form takes ``value`` in ``name``, if
    anything. The post runs in a transaction rolled back afterwards, so an
    accepted value leaves nothing for the next one to collide with."""
    with transaction.atomic():
        before = state(spec, w)
        try:
            response = send(client, spec, w, {**base, name: value})
        except Exception as exc:  # the test client re-raises what would be a 500
            transaction.set_rollback(True)
            return f"server error {type(exc).__name__}: {str(exc)[:120]}"
        after = state(spec, w)
        transaction.set_rollback(True)
    if response.status_code == 302:
        assert not response["Location"].startswith(reverse("login")), "signed out"
        return None if outcome == "any" else "accepted"
    if response.status_code not in (200, 400):
        return f"answered {response.status_code}"
    if after != before:
        return "refused, yet rows changed"
    errors = form_errors(response)
    if not errors:
        return "refused without an error on the form"
    if outcome == "reject" and name not in errors and "__all__" not in errors:
        return f"the error names other fields: {errors}"
    english = [m for messages in errors.values() for m in messages if not CJK.search(m) or ENGLISH.search(m)]
    return f"not in Chinese: {english}" if english else None


@pytest.mark.parametrize("spec", FORMS, ids=lambda s: s.name)
def test_the_valid_post_of_each_form_is_accepted(spec, world, client_for):
    """The attacks below start from this post: it must go through, so that a
    refusal can only be the attacked field's doing."""
    client = client_for(persona(spec, world))
    response = send(client, spec, world, valid_post(client, spec, world))
    assert response.status_code == 302, form_errors(response) or response.content.decode()[:2000]


UNRENDERED: dict[str, str] = {}


@pytest.mark.parametrize("spec", [
    pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=UNRENDERED[s.name])) if s.name in UNRENDERED else s for s in FORMS
], ids=lambda s: s.name)
def test_each_form_page_shows_every_required_field_of_its_form(spec, world, client_for):
    """A required field the page leaves out cannot be filled in: the page
    cannot be saved, and the error names a field shown nowhere."""
    page = client_for(persona(spec, world)).get(spec.url(world))
    shown = set(re.findall(r'name="([^"]+)"', page.content.decode()))
    required = {
        value.add_prefix(name) for context in page.context if hasattr(context, "flatten")
        for value in context.flatten().values() if isinstance(value, BaseForm)
        for name, f in value.fields.items() if f.required and not f.disabled
    }
    assert not required - shown


@pytest.mark.parametrize("spec", [s for s in FORMS if s.fields], ids=lambda s: s.name)
def test_hostile_values_are_refused_in_chinese_and_change_nothing(spec, world, client_for):
    client = client_for(persona(spec, world))
    base = valid_post(client, spec, world)
    found = []
    fields = spec.fields(world) if callable(spec.fields) else spec.fields
    # A name the form does not have is ignored: every value "accepted", nothing tested.
    known = set(base) | form_fields(client.get(spec.url(world)))
    assert not [name for name in fields if name not in known], f"not a field: {[n for n in fields if n not in known]}"
    for name, kind in fields.items():
        for label, value, outcome in attacks(spec, name, kind, world):
            trouble = problem(spec, name, label, value, outcome, client, world, base)
            if trouble:
                found.append(f"{name} = {label}: {trouble[:300]}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("action", ["print", "record", "handover"])
def test_the_print_queue_refuses_a_household_id_beyond_any_row(action, world, client_for):
    """The queue's actions take ticked ids, not a form's fields: a refusal
    comes back as a message on the queue."""
    client = client_for(world.p.village_x)
    before = state(FORMS[0], world)
    response = client.post(
        reverse("households:print_queue"),
        {"action": action, "household": [HUGE_INT], "handed_over_on": str(TODAY), "handed_over_by": "张"},
        follow=True,
    )
    assert response.status_code == 200
    assert state(FORMS[0], world) == before
    shown = [str(m) for m in response.context["messages"]]
    assert shown and all(CJK.search(m) for m in shown), shown


@pytest.mark.parametrize("query", [f"?target=measures&village={HUGE_INT}&year={Y}", f"?village={HUGE_INT}&year={HUGE_INT}&source={HUGE_INT}"])
def test_the_allocation_page_given_an_id_beyond_any_row_offers_no_measures(query, world, client_for):
    """The page lists a village's measures named in its address; an id no row can have names none."""
    response = client_for(world.p.county_admin).get(reverse("funds:allocation_create") + query)
    assert response.status_code == 200
    assert not response.context["form"].fields["measures"].queryset.exists()
