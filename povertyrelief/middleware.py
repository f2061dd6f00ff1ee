from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

SESSION_LAST_SEEN = "last_seen"
# The last-seen stamp is rewritten at most this often: a page view within a
# minute of the stamp leaves the session untouched (no session UPDATE per
# request). The time-out counts from the stamp, so a user idle for the full
# IDLE_TIMEOUT is always signed out, at most this much early.
LAST_SEEN_GRANULARITY_SECONDS = 60


class IdleTimeoutMiddleware:
    """Log a user out after settings.IDLE_TIMEOUT without a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            last_seen = request.session.get(SESSION_LAST_SEEN)
            if last_seen is not None and now - last_seen > settings.IDLE_TIMEOUT.total_seconds():
                logout(request)
                minutes = int(settings.IDLE_TIMEOUT.total_seconds() // 60)
                messages.warning(request, f"您已超过 {minutes} 分钟未操作，系统已自动退出，请重新登录。")
                return redirect(f"{reverse('login')}?next={request.path}")
            if last_seen is None or now - last_seen >= LAST_SEEN_GRANULARITY_SECONDS:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """Until a user replaces the password an administrator set, only the
    password change page, logout and static files are reachable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = {reverse("password_change"), reverse("logout")}
            if request.path not in allowed and not request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
                messages.info(request, "首次登录或密码已被管理员重置，请先修改密码。")
                return redirect("password_change")
        return self.get_response(request)


class NoStoreMiddleware:
    """Whatever a signed-in user receives — pages, exports, PDFs, downloads —
    may carry personal data: no browser or proxy keeps a copy (office machines
    are shared). A response that already says ``no-store`` is left as it is;
    static files are not personal and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return response
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
