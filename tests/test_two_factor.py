"""Second factor (TOTP): required for county administrators, optional for
the others; enrolment with recovery codes; the code step of the login and
its lockout; reset by another county administrator."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from povertyrelief.models import Role
from tests.conftest import PASSWORD, make_user
from tests.two_factor_helpers import enrol, totp_code

pytestmark = pytest.mark.django_db

IP = "10.0.0.9"


def password_step(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra}, REMOTE_ADDR=IP)


def code_step(client, code):
    return client.post(reverse("login_code"), {"code": code}, REMOTE_ADDR=IP)


def logged_in_as(client):
    return client.session.get("_auth_user_id")


@pytest.fixture
def no_throttle(settings):
    """django-otp slows down retries after a wrong code (1 s, 2 s, 4 s…); tests
    that type a wrong code and then a right one switch that off."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


# Enrolment -----------------------------------------------------------------


def test_county_admin_without_a_device_can_reach_only_the_enrolment_page(client, personas):
    response = password_step(client, "admin1")
    assert response.status_code == 302 and logged_in_as(client)
    for name in ("home", "user_list", "villages:area_list", "households:household_list"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == reverse("two_factor"), name
    page = client.get(reverse("two_factor"))
    assert page.status_code == 200
    assert "县级管理员账户必须启用两步验证" in page.content.decode()
    # Password change and logout stay reachable.
    assert client.get(reverse("password_change")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


def test_the_required_roles_come_from_a_setting(client, personas, settings):
    settings.OTP_REQUIRED_ROLES = [Role.COUNTY_ADMIN, Role.AUDITOR]
    password_step(client, "audit1")
    assert client.get(reverse("audit_log"))["Location"] == reverse("two_factor")
    client.post(reverse("logout"))
    settings.OTP_REQUIRED_ROLES = []
    password_step(client, "admin1")
    assert client.get(reverse("user_list")).status_code == 200


def test_enrolment_page_draws_the_qr_code_itself(client, personas):
    password_step(client, "admin1")
    page = client.get(reverse("two_factor")).content.decode()
    assert "<svg" in page and "<path" in page
    assert not re.search(r"""(src|href)=["']https?://""", page)  # nothing from the internet
    device = TOTPDevice.objects.get(user=personas.county_admin, confirmed=False)
    secret = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', page).group(1)
    import base64

    assert base64.b32decode(secret.replace(" ", "")) == device.bin_key
    # Reloading keeps the same key, so a code scanned a moment ago still works.
    client.get(reverse("two_factor"))
    assert TOTPDevice.objects.filter(user=personas.county_admin).count() == 1


def test_enrolment_with_the_right_code_shows_ten_recovery_codes_once_and_opens_the_system(client, personas):
    password_step(client, "admin1")
    client.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(user=personas.county_admin)
    response = client.post(reverse("two_factor"), {"code": totp_code(device)})
    assert response.status_code == 200
    page = response.content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "只显示这一次" in page
    assert set(StaticToken.objects.filter(device__user=personas.county_admin).values_list("token", flat=True)) == set(codes)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("user_list")).status_code == 200
    again = client.get(reverse("two_factor")).content.decode()
    assert "已启用" in again and "剩余恢复码：10 个" in again
    assert not any(code in again for code in codes)
    entry = LogEntry.objects.get_for_object(personas.county_admin).latest("pk")
    assert entry.actor == personas.county_admin and entry.changes_dict["两步验证"] == ["未启用", "已启用"]


def test_enrolment_with_a_wrong_code_enables_nothing(client, personas):
    password_step(client, "admin1")
    client.get(reverse("two_factor"))
    response = client.post(reverse("two_factor"), {"code": "000000"})
    assert "验证码不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert not StaticToken.objects.exists()
    assert client.get(reverse("home"))["Location"] == reverse("two_factor")


def test_other_roles_may_enrol_and_turn_it_off_with_their_password(client_for, personas):
    client = client_for(personas.township_a)
    assert client.get(reverse("home")).status_code == 200  # not required
    client.get(reverse("two_factor"))
    device = TOTPDevice.objects.get(user=personas.township_a)
    client.post(reverse("two_factor"), {"code": totp_code(device)})
    assert TOTPDevice.objects.get(user=personas.township_a).confirmed

    wrong = client.post(reverse("two_factor_disable"), {"password": "not-my-password"})
    assert "密码不正确" in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=personas.township_a).exists()

    assert client.post(reverse("two_factor_disable"), {"password": PASSWORD}).status_code == 302
    assert not TOTPDevice.objects.filter(user=personas.township_a).exists()
    assert not StaticToken.objects.filter(device__user=personas.township_a).exists()
    assert client.get(reverse("home")).status_code == 200
    entry = LogEntry.objects.get_for_object(personas.township_a).latest("pk")
    assert entry.changes_dict["两步验证"] == ["已启用", "已关闭"]


def test_county_admin_cannot_turn_it_off(client_for, personas):
    client = client_for(personas.county_admin)
    page = client.get(reverse("two_factor")).content.decode()
    assert "关闭两步验证" not in page
    assert client.post(reverse("two_factor_disable"), {"password": PASSWORD}).status_code == 403
    assert TOTPDevice.objects.filter(user=personas.county_admin, confirmed=True).exists()


# The code step of the login --------------------------------------------------


def test_a_user_with_a_device_is_asked_for_a_code_after_the_password(client, personas):
    device, _ = enrol(personas.township_a)
    response = password_step(client, "zhen_a", next="/areas/")
    assert response.status_code == 302 and response["Location"] == reverse("login_code")
    assert not logged_in_as(client)
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    assert not AccessLog.objects.exists()  # no successful login yet

    page = client.get(reverse("login_code")).content.decode()
    assert "输入验证码" in page and "恢复码" in page
    response = code_step(client, totp_code(device))
    assert response.status_code == 302 and response["Location"] == "/areas/"
    assert logged_in_as(client) == str(personas.township_a.pk)
    assert client.get(reverse("villages:area_list")).status_code == 200
    assert AccessLog.objects.filter(username="zhen_a").count() == 1


def test_a_recovery_code_is_accepted_once(client, personas):
    _, codes = enrol(personas.county_admin)
    password_step(client, "admin1")
    response = code_step(client, codes[3].upper())
    assert response.status_code == 302 and logged_in_as(client)
    page = client.get(reverse("user_list"))
    assert page.status_code == 200 and "还剩 9 个" in page.content.decode()
    assert StaticToken.objects.count() == 9
    client.post(reverse("logout"))

    password_step(client, "admin1")
    response = code_step(client, codes[3])
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert not logged_in_as(client)


def test_a_wrong_code_does_not_log_in_and_is_logged_as_a_failure(client, personas, no_throttle):
    device, _ = enrol(personas.county_admin)
    password_step(client, "admin1")
    response = code_step(client, "123456" if totp_code(device) != "123456" else "654321")
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert not logged_in_as(client)
    failure = AccessFailureLog.objects.get()
    assert failure.username == "admin1" and failure.path_info == reverse("login_code")
    # The code never lands in the lockout records.
    attempt = AccessAttempt.objects.get()
    assert "123456" not in attempt.post_data and "654321" not in attempt.post_data
    assert code_step(client, totp_code(device)).status_code == 302


def test_five_wrong_codes_lock_the_account_like_wrong_passwords(client, personas):
    device, codes = enrol(personas.county_admin)
    password_step(client, "admin1")
    for attempt in range(4):
        assert code_step(client, f"99999{attempt}").status_code == 200
    response = code_step(client, "999994")
    assert response.status_code == 429 and "锁定 30 分钟" in response.content.decode()
    assert not logged_in_as(client)
    # Locked at the password step too, with the right password, and the code step starts over.
    assert password_step(client, "admin1").status_code == 429
    assert code_step(client, totp_code(device))["Location"] == reverse("login")
    assert not logged_in_as(client)


def test_wrong_passwords_and_wrong_codes_add_up(client, personas):
    enrol(personas.county_admin)
    for attempt in range(3):
        password_step(client, "admin1", f"wrong-{attempt}")
    password_step(client, "admin1")
    code_step(client, "000001")
    assert code_step(client, "000002").status_code == 429


def test_the_code_step_expires(client, personas):
    device, _ = enrol(personas.county_admin)
    password_step(client, "admin1")
    later = timezone.now() + timedelta(minutes=6)
    with mock.patch("povertyrelief.two_factor_views.timezone.now", return_value=later):
        response = code_step(client, totp_code(device))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not logged_in_as(client)


def test_the_code_step_without_a_password_goes_back_to_login(client, personas):
    enrol(personas.county_admin)
    assert client.get(reverse("login_code"))["Location"] == reverse("login")
    assert code_step(client, "123456")["Location"] == reverse("login")


def test_a_session_without_the_code_is_ended_for_a_user_with_a_device(client, personas, real_second_factor):
    """A county administrator's session that never passed the code step (for
    example one opened before the device was set up elsewhere) is ended."""
    enrol(personas.county_admin)
    client.force_login(personas.county_admin, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("user_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not logged_in_as(client)


# Reset by another county administrator -----------------------------------------


@pytest.fixture
def second_admin(personas):
    return make_user("admin2", Role.COUNTY_ADMIN, personas.county_admin.area)


def test_another_county_admin_resets_a_lost_device_and_the_audit_names_both(client_for, personas, second_admin):
    _, codes = enrol(second_admin)
    admin = client_for(personas.county_admin)
    listing = admin.get(reverse("user_list")).content.decode()
    reset_url = reverse("user_reset_two_factor", args=[second_admin.pk])
    assert reset_url in listing
    assert reverse("user_reset_two_factor", args=[personas.county_admin.pk]) not in listing  # not their own
    assert "确认重置" in admin.get(reset_url).content.decode()
    assert admin.post(reset_url).status_code == 302
    assert not TOTPDevice.objects.filter(user=second_admin).exists()
    assert not StaticToken.objects.filter(device__user=second_admin).exists()

    entry = LogEntry.objects.get_for_object(second_admin).latest("pk")
    assert entry.actor == personas.county_admin
    assert entry.changes_dict["两步验证"] == ["已启用", "已由 admin1 重置"]
    assert "测试admin2" in entry.object_repr

    # The old recovery codes are gone; on the next login admin2 enrols again.
    client = Client()
    response = password_step(client, "admin2")
    assert response.status_code == 302 and response["Location"] != reverse("login_code")
    assert client.get(reverse("home"))["Location"] == reverse("two_factor")


def test_a_county_admin_cannot_reset_their_own_second_factor(client_for, personas):
    admin = client_for(personas.county_admin)
    url = reverse("user_reset_two_factor", args=[personas.county_admin.pk])
    assert admin.get(url).status_code == 403
    assert admin.post(url).status_code == 403
    assert TOTPDevice.objects.filter(user=personas.county_admin, confirmed=True).exists()


def test_township_staff_cannot_reset_anyone(client_for, personas):
    enrol(personas.village_x)
    response = client_for(personas.township_a).post(reverse("user_reset_two_factor", args=[personas.village_x.pk]))
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=personas.village_x).exists()


def test_the_user_list_shows_who_has_a_second_factor(client_for, personas):
    enrol(personas.village_x)
    page = client_for(personas.county_admin).get(reverse("user_list")).content.decode()
    row = re.search(r"<td>cun_x</td>.*?</tr>", page, re.S).group(0)
    assert "已启用" in row and "重置两步验证" in row
    row = re.search(r"<td>zhen_a</td>.*?</tr>", page, re.S).group(0)
    assert "未启用" in row and "重置两步验证" not in row


def test_the_user_menu_links_to_the_two_factor_page(client_for, personas):
    page = client_for(personas.village_x).get(reverse("home")).content.decode()
    assert f'href="{reverse("two_factor")}"' in page and "两步验证" in page


def test_the_command_line_resets_the_last_county_admin(personas):
    import io

    from django.core.management import call_command

    enrol(personas.county_admin)
    out = io.StringIO()
    call_command("reset_two_factor", "admin1", stdout=out)
    assert "已重置" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=personas.county_admin).exists()
    entry = LogEntry.objects.get_for_object(personas.county_admin).latest("pk")
    assert entry.actor is None and entry.changes_dict["两步验证"] == ["已启用", "已由 命令行 重置"]


def test_the_admin_site_login_cannot_skip_the_code(client, personas):
    root = make_user("root", Role.VILLAGE, personas.village_x.area, is_staff=True, is_superuser=True)
    enrol(root)
    response = client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD, "next": "/admin/"}, REMOTE_ADDR=IP)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not logged_in_as(client)
    assert client.get("/admin/")["Location"].startswith(reverse("admin:login"))
