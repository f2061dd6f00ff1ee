"""With DEBUG off (production), a server error and a suspicious request
leave a line in the server's log: Django's default sends them only by
e-mail to ADMINS, which a county intranet does not have."""

import io
import logging

from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.log import log_response


def _capture(monkeypatch, name: str) -> io.StringIO:
    stream = io.StringIO()
    # The handlers the settings configured (pytest adds its own capture ones).
    handlers = [h for h in logging.getLogger(name).handlers if type(h) is logging.StreamHandler]
    assert handlers, f"logger {name} has no console handler of its own"
    for handler in handlers:
        monkeypatch.setattr(handler, "stream", stream)
    return stream


def test_server_error_is_logged_with_debug_off(settings, monkeypatch):
    settings.DEBUG = False
    stream = _capture(monkeypatch, "django.request")
    request = RequestFactory().get("/households/1/")
    log_response("Internal Server Error: %s", request.path, response=HttpResponse(status=500), request=request)
    assert "Internal Server Error: /households/1/" in stream.getvalue()


def test_not_found_is_not_logged(settings, monkeypatch):
    settings.DEBUG = False
    stream = _capture(monkeypatch, "django.request")
    request = RequestFactory().get("/nope/")
    log_response("Not Found: %s", request.path, response=HttpResponse(status=404), request=request)
    assert stream.getvalue() == ""


def test_disallowed_host_is_logged_with_debug_off(settings, monkeypatch):
    settings.DEBUG = False
    stream = _capture(monkeypatch, "django.security")
    logging.getLogger("django.security.DisallowedHost").error("Invalid HTTP_HOST header: 'evil.example'")
    assert "Invalid HTTP_HOST header" in stream.getvalue()
