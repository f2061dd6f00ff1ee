"""Base views every app uses: login, role check (403), area scope (404),
scope re-check after save (rollback), and confirmation before deletion."""

from contextlib import nullcontext

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.views import View, generic

from .permissions import assert_in_scope, require, restrict


class ScopedMixin(LoginRequiredMixin):
    """``action`` is what the role must allow; querysets are restricted to the
    user's area for that action, so anything else is a 404."""

    action = "view"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        require(request.user, self.action)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return restrict(super().get_queryset(), self.request.user, self.action)


class ScopedListView(ScopedMixin, generic.ListView):
    paginate_by = 50


class ScopedDetailView(ScopedMixin, generic.DetailView):
    pass


class ScopedFormMixin(ScopedMixin):
    """Create/update in one transaction; the saved row must stay in scope."""

    action = "change"
    success_message = "已保存。"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = form.save()
                assert_in_scope(self.object, self.request.user, self.action)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())


class ScopedCreateView(ScopedFormMixin, generic.CreateView):
    template_name = "generic/object_form.html"


class ScopedUpdateView(ScopedFormMixin, generic.UpdateView):
    template_name = "generic/object_form.html"


class ScopedDeleteView(ScopedMixin, generic.DeleteView):
    action = "change"
    template_name = "generic/object_confirm_delete.html"
    success_message = "已删除。"

    def form_valid(self, form):
        messages.success(self.request, self.success_message)
        return super().form_valid(form)


class PreviewAgain(Exception):
    """What a preview showed no longer holds: show it again (with this
    message, if any, as a warning) rather than act on it."""


class ServiceFormView(ScopedMixin, generic.FormView):
    """A domain action: one form, one object, one service.

    Subclasses declare:

    - ``action``: what the role must allow (403 without it);
    - ``form_class`` and ``template_name``;
    - ``get_object()``: the object acted on, read through a selector that
      restricts it to the user's area (404 outside it), or None for an action
      that creates something;
    - ``perform(form, obj)``: calls the one service with
      ``actor=self.request.user`` and the form's cleaned data, and returns
      what the success message and URL speak of;
    - ``success_message`` (formatted with ``result``) and
      ``get_success_url(result)`` (default: the result's own page).

    The view owns the transaction: ``perform`` runs inside
    ``transaction.atomic()``, and a ``ValidationError`` from the service is
    rolled back and shown on the form (each message next to the field it
    names, ``error_fields`` renaming service names to form names), while a
    ``PermissionDenied`` is answered 403 (or, with ``denied_on_form``, shown
    on the form like a validation error). No subclass writes ``post()``.
    ``get_form_kwargs_extra()`` passes more keyword arguments to the form
    (the user and the object are given when the form takes ``user`` and
    ``obj``); ``get_message_level(result)`` chooses how the message is shown
    (success by default; a warning when something is left to do; none when
    the message is empty). The service's error stays in ``service_error``
    for ``form_invalid``.

    Less common actions declare, rather than write, what differs:

    - ``get_success_response(result)``: an action answered with a file, or
      with its result shown in place, instead of a redirect;
    - ``atomic = False``: an action that mostly reads (a PDF, an import
      checking a whole file first) and whose service keeps its own
      transaction, so no write lock is held while it reads;
    - ``preview_template_name``: a valid form first shows what the action
      will do (``get_preview_context(form)``); the service runs when that
      page posts ``step=confirm`` (``step=edit`` goes back to the form), and
      ``perform`` raising ``PreviewAgain`` shows the preview again.
    """

    action = "change"
    success_message = "已保存。"
    error_fields: dict[str, str] = {}
    denied_on_form = False
    atomic = True
    preview_template_name: str | None = None
    object = None
    service_error: ValidationError | PermissionDenied | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        require(request.user, self.action)
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        return None

    def perform(self, form, obj):
        raise NotImplementedError

    def get_form_kwargs_extra(self) -> dict:
        return {}

    def get_form_kwargs(self):
        import inspect

        kwargs = super().get_form_kwargs()
        # A form may take ``user`` in a base class's __init__ and pass it on.
        parameters = set()
        for cls in self.get_form_class().__mro__:
            if "__init__" in vars(cls):
                parameters.update(inspect.signature(cls.__init__).parameters)
        if "user" in parameters:
            kwargs["user"] = self.request.user
        if "obj" in parameters:
            kwargs["obj"] = self.object
        kwargs.update(self.get_form_kwargs_extra())
        return kwargs

    def get_context_data(self, **kwargs):
        kwargs.setdefault("object", self.object)
        return super().get_context_data(**kwargs)

    def get_success_message(self, result) -> str:
        return self.success_message.format(result=result)

    def get_message_level(self, result) -> int:
        return messages.SUCCESS

    def get_success_url(self, result=None) -> str:
        target = result if result is not None else self.object
        return target.get_absolute_url()

    def get_success_response(self, result) -> HttpResponse:
        return HttpResponseRedirect(self.get_success_url(result))

    def get_preview_context(self, form) -> dict:
        raise NotImplementedError

    def form_valid(self, form):
        step = self.request.POST.get("step")
        if self.preview_template_name and step != "confirm":
            return self.render_to_response(self.get_context_data(form=form)) if step == "edit" else self.preview(form)
        try:
            with transaction.atomic() if self.atomic else nullcontext():
                result = self.perform(form, self.object)
        except PreviewAgain as exc:
            if str(exc):
                messages.warning(self.request, str(exc))
            return self.preview(form)
        except ValidationError as exc:
            return self.refused(form, exc)
        except PermissionDenied as exc:
            if not self.denied_on_form:
                raise
            self.service_error = exc
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        message = self.get_success_message(result)
        if message:
            messages.add_message(self.request, self.get_message_level(result), message)
        return self.get_success_response(result)

    def preview(self, form):
        """What a valid form will do, or the form again if reading it is refused."""
        try:
            context = self.get_preview_context(form)
        except ValidationError as exc:
            return self.refused(form, exc)
        return self.response_class(
            request=self.request, template=[self.preview_template_name], using=self.template_engine,
            context=self.get_context_data(form=form, **context),
        )

    def refused(self, form, exc: ValidationError):
        from .forms import add_service_errors

        self.service_error = exc
        add_service_errors(form, exc, self.error_fields)
        return self.form_invalid(form)


class PostedActionsMixin:
    """A page whose forms post back to its own URL, each naming what it does
    in an ``action`` field. ``posted_actions`` maps the name to the view that
    answers it (a ServiceFormView: its own role, object, form and service).

    A POST naming none of them is the page's own form (``super().post``); a
    page without one sets ``unknown_action_message``: a user holding
    ``unknown_action_role`` is sent back to ``get_back_url()`` with it.
    """

    posted_actions: dict[str, type[View]] = {}
    unknown_action_message = ""
    unknown_action_role = "change"

    def post(self, request, *args, **kwargs):
        view = self.posted_actions.get(request.POST.get("action", ""))
        if view is not None:
            return view.as_view()(request, *args, **kwargs)
        if not self.unknown_action_message:
            return super().post(request, *args, **kwargs)
        require(request.user, self.unknown_action_role)
        messages.error(request, self.unknown_action_message)
        return HttpResponseRedirect(self.get_back_url())
