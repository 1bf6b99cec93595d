"""Erasure: afterwards no table holds the member's e-mail, name, handle or health values;
what they wrote stays for the others, by "A deleted member"; the audit log keeps its ids
and names them as erased (the trigger allows that and nothing else); they cannot sign
in, their tokens fail and their open socket closes."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import DatabaseError, connection, transaction

from accounts import erasure
from accounts.mail import send_to_member
from accounts.models import ERASED_NAME, AccessAuditEntry, User, erased_subject_label
from accounts.roles import Role
from community.models import ForumProfile, Message
from notifications.models import Notification
from profiles.models import DataExport, Result
from realtime import codes
from tests.helpers import PASSWORD, api_json, bearer
from tests.profiles.helpers import footprint
from tests.realtime.helpers import disconnect_all, expect_close, signed_in

pytestmark = [pytest.mark.postgres]

TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb")


def like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def tables_holding(texts: list[str]) -> list[str]:
    """Every table and column of the database (text, varchar, JSON, cast to text) that
    holds one of ``texts``, case-insensitively."""
    patterns = [f"%{like_escaped(t)}%" for t in texts if t]
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = ANY(%s) "
            "AND table_name IN (SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')",
            [list(TEXT_TYPES)],
        )
        columns = cursor.fetchall()
        assert len(columns) > 100  # every app's tables are here
        for table, column in columns:
            cursor.execute(
                f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE ANY(%s)',  # noqa: S608
                [patterns],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


@pytest.mark.django_db
def test_after_erasure_no_table_holds_them_and_what_they_wrote_stays_for_the_others(
    client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        them = footprint()
    member, dietitian, other = them.member, them.dietitian, them.other
    # A download made before: its file goes too.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/api/me/exports", **bearer(member)).status_code == 202
    made = DataExport.objects.get(customer=member)
    assert made.status == "ready"
    zip_file = tmp_path / "exports" / made.file_name
    assert zip_file.is_file()
    token = bearer(member)
    audit_before = AccessAuditEntry.objects.filter(actor=member).count() + (
        AccessAuditEntry.objects.filter(subject=member).count()
    )
    # Before: the search finds them, in the copies too (so it would find them after).
    assert {
        "accounts_user.email",
        "accounts_accessauditentry.subject_label",
        "community_forumprofile.handle",
        "notifications_notification.title",
        "profiles_profilevalue.value",
        "profiles_result.entered_value",
        "realtime_logentry.data",
    } <= set(tables_holding(them.secrets))

    with django_capture_on_commit_callbacks(execute=True):
        wrong = client.post(
            "/api/me/erase", {"password": "not-it"}, content_type="application/json", **token
        )
        assert wrong.status_code == 403
        assert api_json(wrong)["field"] == "password"
        erased = client.post(
            "/api/me/erase", {"password": PASSWORD}, content_type="application/json", **token
        )
    assert erased.status_code == 202, erased.content

    assert tables_holding(them.secrets) == []
    assert not zip_file.exists()
    member.refresh_from_db()
    assert member.erased_at is not None and not member.is_active
    assert member.public_name() == ERASED_NAME
    assert not Result.objects.filter(customer=member).exists()
    assert not Notification.objects.filter(user=member).exists()

    # The direct conversation and the group still read, by "A deleted member".
    for reader, conversation in ((dietitian, them.direct), (other, them.group)):
        answer = client.get(f"/api/conversations/{conversation}/messages", **bearer(reader))
        assert answer.status_code == 200
        theirs = [m for m in api_json(answer)["items"] if m["sender"]["id"] == member.pk]
        assert theirs and {m["sender"]["name"] for m in theirs} == {ERASED_NAME}
    assert Message.objects.filter(sender=member, body=them.message_body).exists()
    # Nobody can write to them any more.
    refused = client.post(
        f"/api/conversations/{them.direct}/messages",
        {"body": "still there?", "client_id": "late-1"},
        content_type="application/json",
        **bearer(dietitian),
    )
    assert refused.status_code in (403, 404)
    # The forum topic and post stay, by "A deleted member", under a handle not chosen.
    page = client.get(f"/api/forum/threads/{them.thread}/posts", **bearer(other))
    posts = api_json(page)["posts"]
    mine = next(p for p in posts if p["id"] == them.post)
    assert mine["author"]["name"] == ERASED_NAME
    assert mine["html"] and them.post_body in mine["html"]
    quoted = next(p for p in posts if p["reply_to"])
    assert quoted["reply_to"]["author"] == mine["author"]
    assert ForumProfile.objects.get(user=member).handle.startswith("member_")
    found = client.get("/api/forum/search", {"q": "overnight oats"}, **bearer(other))
    assert them.thread in [hit["thread"] for hit in api_json(found)]
    # Mail still queued to them is dropped when its turn comes.
    assert not send_to_member(member, "Your reminder", "See you there")
    # The dietitian's notice of the message now says who by the erased name.
    notices = Notification.objects.filter(user=dietitian, kind="dm.message")
    assert notices and all(ERASED_NAME in n.title for n in notices)

    # The audit log keeps every entry, with ids, naming them as erased.
    entries = AccessAuditEntry.objects.filter(actor=member) | AccessAuditEntry.objects.filter(
        subject=member
    )
    assert entries.count() == audit_before
    assert {e.actor_label for e in entries.filter(actor=member)} == {ERASED_NAME}
    assert {e.subject_label for e in entries.filter(subject=member)} == {
        erased_subject_label(member.pk)
    }

    # They cannot sign in again, and their token is refused.
    sign_in = client.post(
        "/api/auth/token",
        {"email": them.secrets[0], "password": PASSWORD},
        content_type="application/json",
    )
    assert sign_in.status_code == 401
    assert client.get("/api/me", **token).status_code == 401
    # Erasing twice is refused.
    with pytest.raises(erasure.Conflict):
        erasure.erase(member)


def test_the_audit_trigger_allows_the_erased_labels_and_refuses_everything_else(make_user):
    reader, subject = make_user(Role.DIETITIAN), make_user()
    from accounts.audit import record_access

    entry = record_access(reader, [subject], "read", "profile", "http")[0]
    table = AccessAuditEntry._meta.db_table

    def refused(sql: str, *params: object) -> bool:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('edietitian.erasing', 'on', true)")
                cursor.execute(sql, params)
        except DatabaseError as exc:
            return "append-only" in str(exc)
        return False

    update = f"UPDATE {table} SET "  # noqa: S608
    # Not erased: even the erased label is refused.
    assert refused(update + "actor_label = %s WHERE id = %s", ERASED_NAME, entry.pk)
    User.objects.filter(pk=reader.pk).update(erased_at="2030-01-01T00:00:00Z")
    # Erased, but without the setting: refused.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(update + "actor_label = %s WHERE id = %s", [ERASED_NAME, entry.pk])
    # Another label, another column, a label with something else, a delete: refused.
    assert refused(update + "actor_label = 'someone' WHERE id = %s", entry.pk)
    assert refused(update + "action = 'nothing' WHERE id = %s", entry.pk)
    assert refused(update + "actor_label = %s, resource = 'x' WHERE id = %s", ERASED_NAME, entry.pk)
    assert refused(update + "subject_label = %s WHERE id = %s", ERASED_NAME, entry.pk)
    assert refused(f"DELETE FROM {table} WHERE id = %s", entry.pk)  # noqa: S608
    # The one allowed change, inside the setting.
    assert not refused(update + "actor_label = %s WHERE id = %s", ERASED_NAME, entry.pk)
    # The Python side refuses every path but that one.
    with pytest.raises(PermissionError):
        AccessAuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(PermissionError):
        AccessAuditEntry.objects.label_erased(subject)  # not erased


@pytest.mark.redis
async def test_the_erased_members_open_socket_closes(make_user_async):
    user = await make_user_async()
    comm = await signed_in(user)
    await database_sync_to_async(erasure.erase)(user)
    frames = await expect_close(comm, codes.ACCESS_REVOKED)
    assert frames[-1]["code"] == "access_revoked"
    await disconnect_all()


@pytest.mark.django_db
def test_an_account_without_a_password_types_the_phrase_and_admins_erase_others(client, make_user):
    from_cognito, member = make_user(), make_user()
    from_cognito.set_unusable_password()  # as Cognito accounts are made (no revocation)
    User.objects.filter(pk=from_cognito.pk).update(password=from_cognito.password)
    answer = client.post(
        "/api/me/erase", {"confirm": "erase it"}, content_type="application/json",
        **bearer(from_cognito),
    )  # fmt: skip
    assert answer.status_code == 400 and api_json(answer)["field"] == "confirm"
    answer = client.post(
        "/api/me/erase", {"confirm": "Erase my account"}, content_type="application/json",
        **bearer(from_cognito),
    )  # fmt: skip
    assert answer.status_code == 202
    assert User.objects.get(pk=from_cognito.pk).erased_at is not None

    moderator, admin = make_user(Role.MODERATOR), make_user(Role.ADMIN)
    assert client.post(f"/api/users/{member.pk}/erase", **bearer(make_user())).status_code == 404
    assert client.post(f"/api/users/{member.pk}/erase", **bearer(moderator)).status_code == 403
    answer = client.post(f"/api/users/{member.pk}/erase", **bearer(admin))
    assert answer.status_code == 200 and api_json(answer)["id"] == member.pk
    [entry] = AccessAuditEntry.objects.filter(actor=admin, action="erase")
    assert (entry.subject_id, entry.subject_label) == (member.pk, erased_subject_label(member.pk))
    again = client.post(f"/api/users/{member.pk}/erase", **bearer(admin))
    assert again.status_code == 409 and api_json(again)["code"] == "already_erased"
    assert AccessAuditEntry.objects.filter(actor=admin, action="erase").count() == 1
