"""The auditor's pages read cleanly: styled filter fields, no Python None shown."""

import re

from axes.models import AccessLog
from django.urls import reverse


def test_audit_log_filter_fields_are_styled_controls_with_labels_above(client_for, personas):
    page = client_for(personas.auditor).get(reverse("audit_log")).content.decode()
    form = page.split('class="row g-2 mb-3 filter-bar"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'<select name="action"[^>]*class="form-select form-select-sm"', form)
    assert re.search(r'<input type="text" name="actor"[^>]*class="form-control form-control-sm"', form)


def test_login_log_shows_a_dash_not_none_when_the_ip_is_unknown(client_for, personas):
    AccessLog.objects.create(username="zhen_a", ip_address=None, user_agent="")
    page = client_for(personas.auditor).get(reverse("login_log")).content.decode()
    assert "zhen_a" in page
    assert "<td>None</td>" not in page and "<td>—</td>" in page
