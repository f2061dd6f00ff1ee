"""The household list, the household page (一户一档), and registering and
editing households and their members. Views validate a form, call one
service, say what happened in Chinese and redirect."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from povertyrelief.forms import add_service_errors
from povertyrelief.permissions import restrict
from povertyrelief.privacy import personal_data_access_record
from povertyrelief.views_base import ScopedMixin
from villages.models import Area, AreaLevel

from ..filters import SORTS, filters_from_request, id_query_store
from ..forms.registry import (
    HouseholdForm,
    IdSearchForm,
    MemberForm,
    MemberLeaveForm,
    MemberMakeHeadForm,
)
from ..models import Relation
from ..selectors import registry as selectors
from ..services import registry as services
from ..tables import HOUSEHOLD_TABLE

PAGE_SIZE = 50
HEAD_FIELDS = {"name": "head_name", "id_number": "head_id_number", "disability_cert_number": "head_disability_cert_number"}


def _members_url(household_id) -> str:
    return reverse("households:household_detail", args=[household_id]) + "#members"


class HouseholdListView(ScopedMixin, View):
    table = HOUSEHOLD_TABLE

    def get(self, request):
        filters = filters_from_request(request)
        filterset = selectors.household_filter(actor=request.user, filters=filters)
        households = selectors.household_list(actor=request.user, filters=filters, filterset=filterset)
        # The page reads only the columns it shows: narrower rows sort faster.
        page_obj, totals = selectors.household_page(
            self.table.page_rows(households), page=request.GET.get("page"), per_page=PAGE_SIZE
        )
        sort = filters.get("sort") if filters.get("sort") in SORTS else ""
        id_number = filters.get("id_number")
        filter_keys = set(filters) - {"sort"}
        return render(request, "households/household_list.html", {
            "filter": filterset,
            "page_obj": page_obj,
            "households": page_obj.object_list,
            "rows": self.table.rows(page_obj.object_list),
            "totals": totals,
            "columns": self.table.header(sort),
            "filtered": any(filters.get(k) for k in filter_keys),
            "id_query": id_number,
            "id_query_masked": (id_number[:6] + "********" + id_number[-4:]) if id_number and len(id_number) == 18 else "",
            "id_form": IdSearchForm(),
            "can_change": request.user.can("change"),
        })


class HouseholdSearchIdView(ScopedMixin, View):
    """Looking a person up by ID: the number travels in the POST body and
    waits in the session; the list URL carries only a random token, so the
    number never lands in browser history, proxy or server logs."""

    http_method_names = ["post"]

    def post(self, request):
        form = IdSearchForm(request.POST)
        if not form.is_valid():
            messages.error(request, "；".join(form.errors.get("id_number", ["请输入身份证号。"])))
            return redirect("households:household_list")
        token = id_query_store(request.session, form.cleaned_data["id_number"])
        return redirect(reverse("households:household_list") + "?" + urlencode({"idq": token}))


class HouseholdDetailView(ScopedMixin, View):
    def get(self, request, pk):
        household = selectors.household_get(actor=request.user, pk=pk)
        context = selectors.household_page_context(actor=request.user, household=household)
        return render(request, "households/household_detail.html", context)


class HouseholdCreateView(ScopedMixin, View):
    action = "change"
    template_name = "households/household_form.html"

    def get(self, request):
        initial = {}
        village = request.GET.get("village", "")
        if village.isdigit() and restrict(Area, request.user, "change").filter(pk=village, level=AreaLevel.VILLAGE).exists():
            initial["village"] = int(village)
        return render(request, self.template_name, {"form": HouseholdForm(user=request.user, initial=initial)})

    def post(self, request):
        form = HouseholdForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                with transaction.atomic():
                    household = services.household_create(
                        actor=request.user, household=form.save(commit=False), head=form.head_member()
                    )
            except ValidationError as exc:
                add_service_errors(form, exc, HEAD_FIELDS)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"已建档：{household}。")
                return redirect(household)
        return render(request, self.template_name, {"form": form})


class HouseholdUpdateView(ScopedMixin, View):
    action = "change"
    template_name = "households/household_form.html"

    def get(self, request, pk):
        household = selectors.household_get(actor=request.user, pk=pk, action="change")
        return self._render(HouseholdForm(instance=household, user=request.user), household)

    def _render(self, form, household, stale=False):
        context = {"form": form, "household": household, "stale": stale, "can_reveal": self.request.user.can("reveal")}
        return render(self.request, self.template_name, context)

    def post(self, request, pk):
        household = selectors.household_get(actor=request.user, pk=pk, action="change")
        form = HouseholdForm(request.POST, instance=household, user=request.user)
        stale = False
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.household_update(
                        actor=request.user, household=form.save(commit=False), expected_version=form.cleaned_data["version"]
                    )
            except services.StaleEditError as exc:
                form.add_error(None, str(exc))
                stale = True
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{household} 的信息已保存。")
                return redirect(household)
        return self._render(form, household, stale)


class MemberCreateView(ScopedMixin, View):
    action = "change"
    template_name = "households/member_form.html"

    def get(self, request, pk):
        household = selectors.household_get(actor=request.user, pk=pk, action="change")
        form = MemberForm(user=request.user, household=household)
        return render(request, self.template_name, {"form": form, "household": household})

    def post(self, request, pk):
        household = selectors.household_get(actor=request.user, pk=pk, action="change")
        form = MemberForm(request.POST, user=request.user, household=household)
        if form.is_valid():
            try:
                with transaction.atomic():
                    member = services.member_save(actor=request.user, member=form.save(commit=False))
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"已添加家庭成员：{member.name}。")
                return redirect(_members_url(household.pk))
        return render(request, self.template_name, {"form": form, "household": household})


class MemberUpdateView(ScopedMixin, View):
    action = "change"
    template_name = "households/member_form.html"

    def get(self, request, pk):
        member = selectors.member_get(actor=request.user, pk=pk, action="change")
        return self._render(MemberForm(instance=member, user=request.user, household=member.household), member)

    def _render(self, form, member, stale=False):
        context = {
            "form": form, "household": member.household, "member": member, "stale": stale,
            "can_reveal": self.request.user.can("reveal"),
        }
        return render(self.request, self.template_name, context)

    def post(self, request, pk):
        member = selectors.member_get(actor=request.user, pk=pk, action="change")
        household = member.household
        form = MemberForm(request.POST, instance=member, user=request.user, household=household)
        stale = False
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.member_save(
                        actor=request.user, member=form.save(commit=False), expected_version=form.cleaned_data["version"]
                    )
            except services.StaleEditError as exc:
                form.add_error(None, str(exc))
                stale = True
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{member.name} 的信息已保存。")
                return redirect(_members_url(household.pk))
        return self._render(form, member, stale)


class MemberLeaveView(ScopedMixin, View):
    """Members leave by a dated change (死亡, 婚出, 迁出, 其他), confirmed on
    this page; they stay on the household's record, listed apart."""

    action = "change"
    template_name = "households/member_leave.html"

    def get(self, request, pk):
        member = selectors.member_get(actor=request.user, pk=pk, action="change")
        return render(request, self.template_name, {"form": MemberLeaveForm(), "member": member, "household": member.household})

    def post(self, request, pk):
        member = selectors.member_get(actor=request.user, pk=pk, action="change")
        form = MemberLeaveForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    services.member_leave(
                        actor=request.user, member=member, left_date=data["left_date"], reason=data["reason"], note=data["note"]
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
                member.refresh_from_db()
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"已登记 {member.name} 减少（{data['reason']}，{data['left_date']:%Y-%m-%d}）。")
                return redirect(_members_url(member.household_id))
        return render(request, self.template_name, {"form": form, "member": member, "household": member.household})


class MemberMakeHeadView(ScopedMixin, View):
    action = "change"
    template_name = "households/member_make_head.html"

    @staticmethod
    def _current_head(member):
        return member.household.members.filter(relation=Relation.HEAD, left_date__isnull=True).first()

    def get(self, request, pk):
        member = selectors.member_get(actor=request.user, pk=pk, action="change")
        head = self._current_head(member)
        return render(request, self.template_name, self._context(member, MemberMakeHeadForm(has_head=head is not None), head))

    def _context(self, member, form, current_head):
        return {"form": form, "member": member, "household": member.household, "current_head": current_head}

    def post(self, request, pk):
        member = selectors.member_get(actor=request.user, pk=pk, action="change")
        head = self._current_head(member)
        form = MemberMakeHeadForm(request.POST, has_head=head is not None)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.member_make_head(
                        actor=request.user, member=member, old_head_relation=form.cleaned_data["old_head_relation"]
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
                member.refresh_from_db()
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{member.name} 已设为户主。")
                return redirect(_members_url(member.household_id))
        return render(request, self.template_name, self._context(member, form, head))


@method_decorator(never_cache, name="dispatch")
class MemberRevealIdView(ScopedMixin, View):
    """Shows one member's full ID to a role allowed to see it, and logs the
    reveal (个人信息保护法). htmx swaps the masked number in place; without
    JavaScript the number is shown on a page of its own."""

    action = "reveal"
    http_method_names = ["post"]

    def post(self, request, pk):
        member = selectors.member_get(actor=request.user, pk=pk, action="reveal")
        personal_data_access_record(
            actor=request.user, kind="reveal", what="身份证号", object_repr=f"{member.household} {member}", request=request
        )
        template = "households/member_reveal_id.html"
        if request.headers.get("HX-Request"):
            template += "#revealed_id"
        return render(request, template, {"member": member, "household": member.household})


@method_decorator(never_cache, name="dispatch")
class HouseholdRevealBankView(ScopedMixin, View):
    """Shows a household's full bank account to a role allowed to see it and
    logs the reveal, like a member's ID (htmx swaps it in place)."""

    action = "reveal"
    http_method_names = ["post"]

    def post(self, request, pk):
        household = selectors.household_get(actor=request.user, pk=pk, action="reveal")
        personal_data_access_record(
            actor=request.user, kind="reveal", what="银行账号", object_repr=str(household), request=request
        )
        template = "households/household_reveal_bank.html"
        if request.headers.get("HX-Request"):
            template += "#revealed_bank"
        return render(request, template, {"household": household})
