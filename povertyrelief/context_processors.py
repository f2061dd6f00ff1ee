from django.urls import NoReverseMatch, reverse

# (label, url name, action the role needs); MORE goes into the 更多 drop-down
# so the bar fits one line on a 1366-pixel office screen.
MENU = [
    ("挂图作战", "home", None),
    ("贫困户", "households:household_list", "view"),
    ("帮扶干部", "households:cadre_list", "view"),
    ("帮扶措施", "households:measure_list", "view"),
    ("防返贫监测", "households:monitoring_list", "view"),
    ("资金项目", "funds:ledger", "view"),
    ("明白卡打印", "households:print_queue", "view"),
    ("区划与工作队", "villages:area_list", "view"),
]
MORE = [
    # Under 更多 so the bar still fits one line on a 1366-pixel screen.
    ("脱贫退出", "assessment:review_list", "view"),
    ("数据质量", "dashboard:quality", "view"),
    ("年度目标", "dashboard:target_edit", "manage"),
    ("数据导入", "households:import_upload", "change"),
    ("年度标准", "households:standard_list", "manage"),
    ("贫困村退出条件", "assessment:checklist_list", "manage"),
    ("措施目录", "households:category_list", "manage"),
    ("区划导入", "villages:area_import", "manage"),
    ("用户管理", "user_list", "manage"),
    ("资金来源", "funds:source_list", "view"),
    ("项目库", "funds:project_list", "view"),
    ("拨付审核", "funds:disbursement_list", "view"),
    ("台账导出", "exports:index", "export"),
    ("后台任务", "job_list", None),  # everyone may have jobs (an auditor's export)
    ("审计日志", "audit_log", "audit"),
    ("登录日志", "login_log", "audit"),
    ("个人信息访问记录", "access_log", "access_log"),
]


def _entries(user, menu) -> list:
    items = []
    for label, name, action in menu:
        if action is not None and not user.can(action):
            continue
        try:
            items.append((label, reverse(name), name))
        except NoReverseMatch:
            continue
    return items


def navigation(request):
    """Menu entries the signed-in user's role may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_more": []}
    return {"nav_items": _entries(user, MENU), "nav_more": _entries(user, MORE)}
