"""The client's address behind the documented nginx: X-Forwarded-For is
believed only from a configured proxy, and one answer feeds the lockout, the
login log, the audit trail and the personal-data access log."""

import logging

import pytest
from auditlog.models import LogEntry
from axes.models import AccessFailureLog, AccessLog
from django.test import RequestFactory
from django.urls import reverse

from povertyrelief.client_ip import client_ip
from povertyrelief.models import PersonalDataAccess
from tests.conftest import PASSWORD

PROXY = "127.0.0.1"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
COLLEAGUE = "198.51.100.8"
FORGED = "6.6.6.6"


def address(remote_addr, forwarded=None, trusted=(PROXY,), settings=None):
    settings.TRUSTED_PROXIES = list(trusted)
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote_addr, **extra))


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says(settings):
    assert address("10.1.2.3", FORGED, trusted=(), settings=settings) == "10.1.2.3"


def test_an_untrusted_peer_cannot_name_another_address(settings):
    assert address("10.1.2.3", FORGED, settings=settings) == "10.1.2.3"


def test_behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client(settings):
    # The client wrote "6.6.6.6" itself; nginx appended the address it saw.
    assert address(PROXY, f"{FORGED}, {OWNER}", settings=settings) == OWNER
    assert address(PROXY, OWNER, settings=settings) == OWNER


def test_chained_trusted_proxies_are_skipped(settings):
    trusted = (PROXY, "10.20.0.0/16")
    assert address(PROXY, f"{FORGED}, {OWNER}, 10.20.1.5", trusted=trusted, settings=settings) == OWNER
    assert address(PROXY, "10.20.1.5, 10.20.1.6", trusted=trusted, settings=settings) == "10.20.1.5"


def test_a_header_that_is_not_an_address_falls_back_to_the_proxy(settings):
    assert address(PROXY, "<script>", settings=settings) == PROXY
    assert address(PROXY, "", settings=settings) == PROXY
    assert address(PROXY, f"{OWNER}, unknown", settings=settings) == PROXY


def test_ipv6_and_ports(settings):
    assert address("::1", "[2001:db8::5]:5555", trusted=("::1",), settings=settings) == "2001:db8::5"
    assert address(PROXY, f"{OWNER}:4711", settings=settings) == OWNER
    assert address("::ffff:10.1.2.3", FORGED, settings=settings) == "10.1.2.3"


def login(client, username, password, client_address, forwarded_for=None):
    extra = {"REMOTE_ADDR": client_address}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


@pytest.mark.django_db
def test_five_failures_through_the_proxy_do_not_lock_out_anyone_else(client, personas, settings):
    """nginx and gunicorn on one host: every request reaches Django from
    127.0.0.1. Someone guessing zhen_a's password locks out only themself."""
    settings.TRUSTED_PROXIES = [PROXY]
    for attempt in range(5):
        login(client, "zhen_a", f"wrong-{attempt}", PROXY, ATTACKER)
    assert login(client, "zhen_a", PASSWORD, PROXY, ATTACKER).status_code == 429

    assert login(client, "cun_x", PASSWORD, PROXY, COLLEAGUE).status_code == 302
    client.post(reverse("logout"), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=COLLEAGUE)
    # The account's owner, at their own desk, is not locked out either.
    assert login(client, "zhen_a", PASSWORD, PROXY, OWNER).status_code == 302
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert set(AccessLog.objects.values_list("ip_address", flat=True)) == {COLLEAGUE, OWNER}


@pytest.mark.django_db
def test_five_failures_by_one_user_through_the_proxy_do_not_stop_a_second_user(client, personas, settings):
    """Even when the proxy is not configured as trusted (every client then
    has the proxy's address), the lockout is per account and address."""
    settings.TRUSTED_PROXIES = []
    for attempt in range(5):
        login(client, "zhen_a", f"wrong-{attempt}", PROXY, ATTACKER)
    assert login(client, "zhen_a", PASSWORD, PROXY).status_code == 429
    assert login(client, "cun_x", PASSWORD, PROXY).status_code == 302


@pytest.mark.django_db
def test_a_forged_forwarded_for_from_an_untrusted_peer_is_recorded_nowhere(client, client_for, personas, households, settings, caplog):
    settings.TRUSTED_PROXIES = [PROXY]
    peer = "10.3.3.3"
    forged = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": FORGED}

    # Login log: failures and successes, in the database and the security log.
    with caplog.at_level(logging.INFO, logger="povertyrelief.security"):
        client.post(reverse("login"), {"username": "zhen_a", "password": "wrong"}, **forged)
        client.post(reverse("login"), {"username": "zhen_a", "password": PASSWORD}, **forged)
    assert AccessFailureLog.objects.get().ip_address == peer
    assert AccessLog.objects.get().ip_address == peer
    security = " ".join(r.getMessage() for r in caplog.records if r.name == "povertyrelief.security")
    assert f"ip={peer}" in security and FORGED not in security

    # Audit log: a change made with the forged header.
    admin = client_for(personas.county_admin)
    data = {"last_name": "测", "first_name": "试cun_x", "phone": "13911112222", "role": "village", "area": personas.village_x.area_id, "is_active": "on"}
    assert admin.post(reverse("user_update", args=[personas.village_x.pk]), data, **forged).status_code == 302
    entry = LogEntry.objects.get_for_object(personas.village_x).latest("pk")
    assert entry.changes_dict["phone"][1] == "13911112222"
    assert entry.remote_addr == peer

    # Personal-data access log: a full ID number revealed with the forged header.
    member = households.x.members.get()
    admin.post(reverse("households:member_reveal_id", args=[member.pk]), **forged)
    assert PersonalDataAccess.objects.get().ip_address == peer


@pytest.mark.django_db
def test_behind_the_trusted_proxy_every_log_records_the_client(client, client_for, personas, households, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    via_proxy = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{FORGED}, {OWNER}"}
    client.post(reverse("login"), {"username": "zhen_a", "password": PASSWORD}, **via_proxy)
    assert AccessLog.objects.get().ip_address == OWNER

    admin = client_for(personas.county_admin)
    data = {"last_name": "测", "first_name": "试cun_x", "phone": "13911113333", "role": "village", "area": personas.village_x.area_id, "is_active": "on"}
    admin.post(reverse("user_update", args=[personas.village_x.pk]), data, **via_proxy)
    assert LogEntry.objects.get_for_object(personas.village_x).latest("pk").remote_addr == OWNER

    admin.post(reverse("households:member_reveal_id", args=[households.x.members.get().pk]), **via_proxy)
    assert PersonalDataAccess.objects.get().ip_address == OWNER
