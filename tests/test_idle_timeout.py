"""Idle time-out without a session write per page view: the last-seen stamp is
refreshed at most once a minute, and sign-out after IDLE_TIMEOUT of inactivity
still happens."""

from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from povertyrelief.middleware import LAST_SEEN_GRANULARITY_SECONDS, SESSION_LAST_SEEN


def at(moment):
    return mock.patch("povertyrelief.middleware.timezone.now", return_value=moment)


def session_writes(queries):
    return [
        query["sql"]
        for query in queries
        if "django_session" in query["sql"] and query["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def signed_in_at(client_for, persona, moment):
    client = client_for(persona)
    with at(moment):
        assert client.get(reverse("home")).status_code == 200
    return client


def test_page_view_within_a_minute_leaves_the_session_alone(client_for, personas):
    start = timezone.now()
    client = signed_in_at(client_for, personas.township_a, start)
    stamp = client.session[SESSION_LAST_SEEN]
    with at(start + timedelta(seconds=LAST_SEEN_GRANULARITY_SECONDS - 5)):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("villages:area_list"))
    assert response.status_code == 200
    assert response.wsgi_request.session.modified is False
    assert session_writes(queries.captured_queries) == []
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert client.session[SESSION_LAST_SEEN] == stamp


def test_page_view_after_a_minute_refreshes_the_stamp(client_for, personas):
    start = timezone.now()
    client = signed_in_at(client_for, personas.township_a, start)
    later = start + timedelta(seconds=LAST_SEEN_GRANULARITY_SECONDS + 1)
    with at(later):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("villages:area_list"))
    assert response.status_code == 200
    assert response.wsgi_request.session.modified is True
    assert len(session_writes(queries.captured_queries)) == 1
    assert client.session[SESSION_LAST_SEEN] == later.timestamp()


def test_idle_for_the_timeout_signs_out_even_after_unstamped_views(client_for, personas):
    start = timezone.now()
    client = signed_in_at(client_for, personas.township_a, start)
    with at(start + timedelta(seconds=30)):
        assert client.get(reverse("home")).status_code == 200
    with at(start + settings.IDLE_TIMEOUT + timedelta(seconds=31)):
        response = client.get(reverse("villages:area_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("home")).status_code == 302


def test_activity_keeps_extending_the_session(client_for, personas):
    start = timezone.now()
    client = signed_in_at(client_for, personas.township_a, start)
    step = settings.IDLE_TIMEOUT - timedelta(minutes=2)
    for visit in range(1, 4):
        with at(start + step * visit):
            assert client.get(reverse("home")).status_code == 200
    assert client.session[SESSION_LAST_SEEN] == (start + step * 3).timestamp()
