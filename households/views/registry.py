"""The household list, the household page (一户一档), and registering and
editing households and their members. Views validate a form, call one
service, say what happened in Chinese and redirect."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views import View
from django.views.decorators.cache import never_cache

from povertyrelief.privacy import personal_data_access_record
from povertyrelief.views_base import ScopedMixin, ServiceFormView
from villages.models import AreaLevel
from villages.selectors import area_options

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
        filterset = selectors.household_filterset(actor=request.user, filters=filters)
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


class HouseholdSearchIdView(ServiceFormView):
    """Looking a person up by ID: the number travels in the POST body and
    waits in the session; the list URL carries only a random token, so the
    number never lands in browser history, proxy or server logs."""

    action = "view"
    form_class = IdSearchForm
    http_method_names = ["post"]
    success_message = ""  # the list it leads to says what was looked up

    def perform(self, form, obj) -> str:
        return id_query_store(self.request.session, form.cleaned_data["id_number"])

    def get_success_url(self, token=None) -> str:
        return reverse("households:household_list") + "?" + urlencode({"idq": token})

    def form_invalid(self, form):
        messages.error(self.request, "；".join(form.errors.get("id_number", ["请输入身份证号。"])))
        return redirect("households:household_list")


class HouseholdDetailView(ScopedMixin, View):
    def get(self, request, pk):
        household = selectors.household_get(actor=request.user, pk=pk)
        context = selectors.household_page_context(actor=request.user, household=household)
        return render(request, "households/household_detail.html", context)


class HouseholdCreateView(ServiceFormView):
    form_class = HouseholdForm
    template_name = "households/household_form.html"
    error_fields = HEAD_FIELDS
    denied_on_form = True

    def get_initial(self):
        village = self.request.GET.get("village", "")
        offered = area_options(actor=self.request.user, action="change", level=AreaLevel.VILLAGE)
        if village.isdigit() and offered.filter(pk=village).exists():
            return {"village": int(village)}
        return {}

    def perform(self, form, obj):
        return services.household_create(actor=self.request.user, household=form.save(commit=False), head=form.head_member())

    def get_success_message(self, household) -> str:
        return f"已建档：{household}。"


class VersionedEditView(ServiceFormView):
    """An edit saved only if nobody saved the record since the form was
    opened (乐观锁); otherwise the form comes back saying so, with links
    to reload (``stale``)."""

    denied_on_form = True
    stale = False

    def get_form_kwargs_extra(self) -> dict:
        return {"instance": self.object}

    def save_unless_stale(self, save, form, **kwargs):
        try:
            return save(actor=self.request.user, expected_version=form.cleaned_data["version"], **kwargs)
        except services.StaleEditError as exc:
            self.stale = True
            raise ValidationError(str(exc)) from exc

    def get_context_data(self, **kwargs):
        return super().get_context_data(stale=self.stale, can_reveal=self.request.user.can("reveal"), **kwargs)


class HouseholdUpdateView(VersionedEditView):
    form_class = HouseholdForm
    template_name = "households/household_form.html"

    def get_object(self):
        return selectors.household_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)

    def get_context_data(self, **kwargs):
        return super().get_context_data(household=self.object, **kwargs)

    def perform(self, form, household):
        return self.save_unless_stale(services.household_update, form, household=form.save(commit=False))

    def get_success_message(self, result) -> str:
        return f"{self.object} 的信息已保存。"


class MemberActionView(ServiceFormView):
    """A page acting on one member, back to the household's members when
    done. With ``reread_on_refusal``, what a refused service changed on the
    member in memory is read again (the database change was rolled back)."""

    denied_on_form = True
    reread_on_refusal = False

    def get_object(self):
        return selectors.member_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)

    def get_context_data(self, **kwargs):
        return super().get_context_data(member=self.object, household=self.object.household, **kwargs)

    def form_invalid(self, form):
        if self.reread_on_refusal and self.service_error is not None:
            self.object.refresh_from_db()
        return super().form_invalid(form)

    def get_success_url(self, result=None) -> str:
        return _members_url(self.object.household_id)


class MemberCreateView(ServiceFormView):
    form_class = MemberForm
    template_name = "households/member_form.html"
    denied_on_form = True

    def get_object(self):
        return selectors.household_get(actor=self.request.user, pk=self.kwargs["pk"], action=self.action)

    def get_form_kwargs_extra(self) -> dict:
        return {"household": self.object}

    def get_context_data(self, **kwargs):
        return super().get_context_data(household=self.object, **kwargs)

    def perform(self, form, household):
        return services.member_save(actor=self.request.user, member=form.save(commit=False))

    def get_success_message(self, member) -> str:
        return f"已添加家庭成员：{member.name}。"

    def get_success_url(self, result=None) -> str:
        return _members_url(self.object.pk)


class MemberUpdateView(VersionedEditView, MemberActionView):
    form_class = MemberForm
    template_name = "households/member_form.html"

    def get_form_kwargs_extra(self) -> dict:
        return {**super().get_form_kwargs_extra(), "household": self.object.household}

    def perform(self, form, member):
        return self.save_unless_stale(services.member_save, form, member=form.save(commit=False))

    def get_success_message(self, result) -> str:
        return f"{self.object.name} 的信息已保存。"


class MemberLeaveView(MemberActionView):
    """Members leave by a dated change (死亡, 婚出, 迁出, 其他), confirmed on
    this page; they stay on the household's record, listed apart."""

    form_class = MemberLeaveForm
    template_name = "households/member_leave.html"
    reread_on_refusal = True

    def perform(self, form, member):
        self.leave = data = form.cleaned_data
        return services.member_leave(
            actor=self.request.user, member=member, left_date=data["left_date"], reason=data["reason"], note=data["note"]
        )

    def get_success_message(self, result) -> str:
        return f"已登记 {self.object.name} 减少（{self.leave['reason']}，{self.leave['left_date']:%Y-%m-%d}）。"


class MemberMakeHeadView(MemberActionView):
    form_class = MemberMakeHeadForm
    template_name = "households/member_make_head.html"
    reread_on_refusal = True

    @cached_property
    def current_head(self):
        return self.object.household.members.filter(relation=Relation.HEAD, left_date__isnull=True).first()

    def get_form_kwargs_extra(self) -> dict:
        return {"has_head": self.current_head is not None}

    def get_context_data(self, **kwargs):
        return super().get_context_data(current_head=self.current_head, **kwargs)

    def perform(self, form, member):
        return services.member_make_head(
            actor=self.request.user, member=member, old_head_relation=form.cleaned_data["old_head_relation"]
        )

    def get_success_message(self, result) -> str:
        return f"{self.object.name} 已设为户主。"


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
