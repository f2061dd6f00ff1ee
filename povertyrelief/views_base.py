"""Base views every app uses: login, role check (403), area scope (404),
scope re-check after save (rollback), and confirmation before deletion."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.views import generic

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
