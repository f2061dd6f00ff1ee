from django.urls import reverse


def navigation(request):
    """Menu entries the signed-in user's role may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("首页", reverse("home"), "home")]
    if user.can("view"):
        items.append(("区划与工作队", reverse("villages:area_list"), "villages"))
    if user.can("manage"):
        items.append(("区划导入", reverse("villages:area_import"), "area_import"))
        items.append(("用户管理", reverse("user_list"), "users"))
    if user.can("audit"):
        items.append(("审计日志", reverse("audit_log"), "audit"))
        items.append(("登录日志", reverse("login_log"), "login_log"))
    return {"nav_items": items}
