import pytest
from auditlog.models import LogEntry
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from villages.models import WorkTeam

pytestmark = pytest.mark.django_db

TEAM_FORM = {
    "dispatching_unit": "县农业农村局",
    "leader_name": "周队长",
    "leader_phone": "13712345678",
    "first_secretary_name": "吴书记",
    "first_secretary_unit": "县农业农村局",
    "first_secretary_phone": "0915-1234567",
    "members": "郑一 县农业农村局 13700000000",
    "start_date": "2024-03-01",
    "end_date": "",
}


def entries_for(obj):
    return LogEntry.objects.get_for_object(obj).order_by("pk")


def test_create_update_delete_each_leave_exactly_one_entry_with_before_and_after(client_for, personas, areas):
    client = client_for(personas.township_a)
    response = client.post(reverse("villages:workteam_create"), {**TEAM_FORM, "village": areas.village_x.pk})
    assert response.status_code == 302
    team = WorkTeam.objects.get(leader_name="周队长")
    created = list(entries_for(team))
    assert len(created) == 1
    assert created[0].action == LogEntry.Action.CREATE and created[0].actor == personas.township_a
    before, after = created[0].changes_dict["leader_name"]
    assert before in (None, "None") and after == "周队长"

    client.post(reverse("villages:workteam_update", args=[team.pk]), {**TEAM_FORM, "village": areas.village_x.pk, "leader_name": "郑队长"})
    updates = list(entries_for(team).filter(action=LogEntry.Action.UPDATE))
    assert len(updates) == 1
    assert updates[0].changes_dict == {"leader_name": ["周队长", "郑队长"]}
    assert updates[0].actor == personas.township_a

    team_pk = team.pk
    client.post(reverse("villages:workteam_delete", args=[team_pk]))
    assert not WorkTeam.objects.filter(pk=team_pk).exists()
    deletes = LogEntry.objects.filter(object_pk=str(team_pk), action=LogEntry.Action.DELETE, content_type__model="workteam")
    assert deletes.count() == 1
    before, after = deletes.get().changes_dict["leader_name"]
    assert before == "郑队长" and after in (None, "None")


def test_saving_without_changes_writes_no_entry(client_for, personas, areas, work_teams):
    team = work_teams.x
    before = entries_for(team).count()
    data = {f: getattr(team, f) for f in TEAM_FORM if f not in ("start_date", "end_date")}
    data.update(village=areas.village_x.pk, start_date=team.start_date.isoformat(), end_date="")
    client_for(personas.township_a).post(reverse("villages:workteam_update", args=[team.pk]), data)
    assert entries_for(team).count() == before


def test_record_page_shows_its_history(client_for, personas, work_teams):
    work_teams.x.leader_name = "孙队长"
    work_teams.x.save()
    page = client_for(personas.village_x).get(reverse("villages:workteam_detail", args=[work_teams.x.pk])).content.decode()
    assert "变更记录" in page and "赵队长" in page and "孙队长" in page


def test_auditor_searches_the_log_but_cannot_change_domain_data(client_for, personas, work_teams):
    work_teams.z.leader_name = "冯队长"
    work_teams.z.save()
    client = client_for(personas.auditor)
    page = client.get(reverse("audit_log"), {"q": "王家坪"}).content.decode()
    assert "修改" in page
    # Only the team of 王家坪村 matches.
    assert "王家坪村" in page and "张家沟村" not in page
    assert client.get(reverse("villages:workteam_update", args=[work_teams.z.pk])).status_code == 403
    assert client.post(reverse("villages:workteam_delete", args=[work_teams.z.pk])).status_code == 403


def test_audit_log_filters_by_actor_and_action(client_for, personas, areas):
    client_for(personas.township_a).post(reverse("villages:workteam_create"), {**TEAM_FORM, "village": areas.village_x.pk})
    auditor = client_for(personas.auditor)
    page = auditor.get(reverse("audit_log"), {"actor": "zhen_a", "action": "0"}).content.decode()
    assert "张家沟村" in page
    assert "张家沟村" not in auditor.get(reverse("audit_log"), {"actor": "admin1"}).content.decode()


def test_nobody_can_change_audit_rows_through_the_admin(client, personas, work_teams):
    from povertyrelief.models import User

    root = User.objects.create_superuser("root", password="Root-Password-1")
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    entry = LogEntry.objects.first()
    assert client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).status_code in (200, 403)
    assert client.post(reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
def test_database_refuses_to_rewrite_audit_rows(work_teams):
    entry = LogEntry.objects.first()
    for sql in ("UPDATE auditlog_logentry SET object_repr = 'x' WHERE id = %s", "DELETE FROM auditlog_logentry WHERE id = %s"):
        with pytest.raises(DatabaseError, match="审计日志不可修改或删除"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.object_repr != "x"


@pytest.mark.postgres
def test_database_refuses_to_empty_the_audit_table(work_teams):
    from django.core.management import call_command

    count = LogEntry.objects.count()
    assert count
    with connection.cursor() as cursor:  # a production connection does not opt in
        cursor.execute("SET povertyrelief.allow_audit_truncate = 'off'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # rows made by the fixture leave deferred checks pending
    try:
        with pytest.raises(DatabaseError, match="审计日志不可清空"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("TRUNCATE auditlog_logentry")
        with pytest.raises(DatabaseError, match="审计日志不可清空"):
            with transaction.atomic():
                call_command("auditlogflush", "--yes", "--truncate")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET povertyrelief.allow_audit_truncate")
    assert LogEntry.objects.count() == count
