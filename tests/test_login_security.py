from datetime import timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.urls import reverse
from django.utils import timezone

from povertyrelief.models import Role, User
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_right_password_logs_in_and_success_is_logged(client, personas):
    response = login(client, "zhen_a", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert AccessLog.objects.filter(username="zhen_a").exists()
    page = client.get(reverse("home")).content.decode()
    assert "城关镇" in page and "退出登录" in page


def test_wrong_password_shows_chinese_error_and_failure_is_logged(client, personas):
    response = login(client, "zhen_a", "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode() or "正确的用户名和密码" in response.content.decode()
    assert AccessFailureLog.objects.filter(username="zhen_a").count() == 1


def test_five_failures_lock_the_account_from_that_address_even_with_the_right_password(client, personas):
    for attempt in range(5):
        login(client, "zhen_a", f"wrong-{attempt}", ip="10.0.0.1")
    response = login(client, "zhen_a", PASSWORD, ip="10.0.0.1")
    assert response.status_code == 429
    assert "锁定 30 分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_stop_the_same_user_elsewhere_nor_other_users_at_that_address(client, personas):
    """Lockout is per username and address together: whoever types wrong
    passwords for an account cannot lock its owner out from their own desk,
    nor lock out colleagues who share the attacker's address."""
    for attempt in range(5):
        login(client, "zhen_a", "wrong", ip="10.9.9.9")
    assert login(client, "zhen_a", PASSWORD, ip="10.9.9.9").status_code == 429
    assert login(client, "zhen_a", PASSWORD, ip="10.9.9.8").status_code == 302
    client.post(reverse("logout"))
    assert login(client, "cun_x", PASSWORD, ip="10.9.9.9").status_code == 302


def test_lockout_ends_after_30_minutes(client, personas):
    for attempt in range(5):
        login(client, "zhen_a", "wrong", ip="10.0.0.5")
    assert login(client, "zhen_a", PASSWORD, ip="10.0.0.5").status_code == 429
    # 31 minutes pass.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert login(client, "zhen_a", PASSWORD, ip="10.0.0.5").status_code == 302


def test_success_resets_the_failure_count(client, personas):
    for attempt in range(4):
        login(client, "zhen_a", "wrong", ip="10.0.0.6")
    assert login(client, "zhen_a", PASSWORD, ip="10.0.0.6").status_code == 302
    client.post(reverse("logout"))
    assert not AccessAttempt.objects.filter(username="zhen_a").exists()
    login(client, "zhen_a", "wrong", ip="10.0.0.6")
    assert login(client, "zhen_a", PASSWORD, ip="10.0.0.6").status_code == 302


def test_idle_session_ends_after_30_minutes(client_for, personas):
    client = client_for(personas.township_a)
    assert client.get(reverse("home")).status_code == 200
    later = timezone.now() + timedelta(minutes=31)
    with mock.patch("povertyrelief.middleware.timezone.now", return_value=later):
        response = client.get(reverse("villages:area_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("home")).status_code == 302


def test_activity_within_30_minutes_keeps_the_session(client_for, personas):
    client = client_for(personas.township_a)
    client.get(reverse("home"))
    later = timezone.now() + timedelta(minutes=25)
    with mock.patch("povertyrelief.middleware.timezone.now", return_value=later):
        assert client.get(reverse("home")).status_code == 200
    with mock.patch("povertyrelief.middleware.timezone.now", return_value=later + timedelta(minutes=25)):
        assert client.get(reverse("home")).status_code == 200


def test_account_created_by_admin_must_change_password_first(client, client_for, personas, areas):
    admin = client_for(personas.county_admin)
    response = admin.post(
        reverse("user_create"),
        {
            "username": "newcadre",
            "last_name": "钱",
            "first_name": "喆",
            "phone": "13900000000",
            "role": Role.VILLAGE,
            "area": areas.village_y.pk,
            "password": "Shanxi-Hills-42",
        },
    )
    assert response.status_code == 302, response.content.decode()
    user = User.objects.get(username="newcadre")
    assert user.must_change_password
    admin.post(reverse("logout"))

    assert login(client, "newcadre", "Shanxi-Hills-42").status_code == 302
    assert client.get(reverse("villages:area_list"))["Location"] == reverse("password_change")
    response = client.post(
        reverse("password_change"),
        {"old_password": "Shanxi-Hills-42", "new_password1": "Another-Valley-77", "new_password2": "Another-Valley-77"},
    )
    assert response.status_code == 302
    assert client.get(reverse("villages:area_list")).status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password


@pytest.mark.parametrize("password,message", [("short1!", "太短"), ("password123", "太常见"), ("84736251907", "密码只包含数字")])
def test_weak_passwords_are_refused_in_chinese(client_for, personas, areas, password, message):
    response = client_for(personas.county_admin).post(
        reverse("user_create"),
        {"username": "weak", "last_name": "王", "first_name": "五", "role": Role.VILLAGE, "area": areas.village_y.pk, "password": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="weak").exists()


def test_role_must_match_area_level(client_for, personas, areas):
    response = client_for(personas.county_admin).post(
        reverse("user_create"),
        {"username": "mismatch", "last_name": "王", "first_name": "五", "role": Role.TOWNSHIP, "area": areas.village_y.pk, "password": "Shanxi-Hills-42"},
    )
    assert "必须对应乡镇级区划" in response.content.decode()
    assert not User.objects.filter(username="mismatch").exists()


def test_admin_reset_forces_a_new_password(client_for, personas):
    response = client_for(personas.county_admin).post(
        reverse("user_reset_password", args=[personas.village_x.pk]), {"password": "Reset-Mountain-55"}
    )
    assert response.status_code == 302
    personas.village_x.refresh_from_db()
    assert personas.village_x.must_change_password and personas.village_x.check_password("Reset-Mountain-55")


def test_empty_choice_label_is_chinese(client_for, personas):
    page = client_for(personas.county_admin).get(reverse("user_create")).content.decode()
    assert "---------" not in page and "请选择" in page


def test_add_user_command_creates_a_scoped_user_who_must_change_password(areas, monkeypatch):
    import io

    from django.core.management import call_command

    monkeypatch.setattr("sys.stdin", io.StringIO("Qinchuan-River-88\n"))
    out = io.StringIO()
    call_command("add_user", "zhen_new", "--role", "township", "--area", "610499102000", "--password-stdin", stdout=out)
    user = User.objects.get(username="zhen_new")
    assert user.area == areas.township_b and user.role == Role.TOWNSHIP and user.must_change_password
    assert user.check_password("Qinchuan-River-88")
    assert "已创建用户" in out.getvalue()


def test_add_user_command_refuses_role_on_wrong_level(areas, monkeypatch):
    import io

    from django.core.management import CommandError, call_command

    monkeypatch.setattr("sys.stdin", io.StringIO("Qinchuan-River-88\n"))
    with pytest.raises(CommandError, match="须对应"):
        call_command("add_user", "bad", "--role", "village", "--area", "610499102000", "--password-stdin")
    assert not User.objects.filter(username="bad").exists()


def test_other_township_user_cannot_be_edited_by_township_staff(client_for, personas):
    assert client_for(personas.township_a).get(reverse("user_update", args=[personas.village_x.pk])).status_code == 403
