"""Direct messaging over HTTP, and the rules of who may message whom."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from accounts.roles import Role
from advice.models import CareTeamMember
from community.messaging import sending
from community.messaging import services as dm
from community.models import Message
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def start(client: Client, user, members: list[int], title: str = ""):
    return client.post(
        "/api/conversations",
        {"members": members, "title": title},
        content_type="application/json",
        **bearer(user),
    )


def send(client: Client, user, conversation_id: int, body: str, client_id: str):
    return client.post(
        f"/api/conversations/{conversation_id}/messages",
        {"body": body, "client_id": client_id},
        content_type="application/json",
        **bearer(user),
    )


def test_customers_message_each_other_and_a_direct_conversation_is_made_once(client, make_user):
    alice, bob = make_user(), make_user()
    first = start(client, alice, [bob.pk])
    assert first.status_code == 201
    again = start(client, bob, [alice.pk])
    assert api_json(again)["id"] == api_json(first)["id"]
    assert api_json(first)["kind"] == "direct"


def test_customers_reach_dietitians_only_in_their_care_team(client, make_user):
    customer, dietitian = make_user(Role.CUSTOMER), make_user(Role.DIETITIAN)
    nobody = start(client, customer, [2**62])
    refused = start(client, customer, [dietitian.pk])
    # Refused exactly as an id of nobody: an id tells neither that an account exists nor
    # its role.
    assert (refused.status_code, api_json(refused)) == (404, api_json(nobody))
    assert start(client, dietitian, [customer.pk]).status_code == 404
    CareTeamMember.objects.create(customer=customer, professional=dietitian)
    assert start(client, customer, [dietitian.pk]).status_code == 201


def test_a_customer_can_turn_off_messages_from_other_customers(client, make_user):
    alice, bob, dietitian = make_user(), make_user(), make_user(Role.DIETITIAN)
    CareTeamMember.objects.create(customer=bob, professional=dietitian)
    client.patch(
        "/api/messaging/settings",
        {"accept_from_customers": False},
        content_type="application/json",
        **bearer(bob),
    )
    refused = start(client, alice, [bob.pk])
    assert (refused.status_code, api_json(refused)) == (
        404,
        api_json(start(client, alice, [2**62])),
    )
    assert start(client, dietitian, [bob.pk]).status_code == 201  # care always


def test_block_stops_messages_and_unblock_restores_them(client, make_user):
    alice, bob = make_user(), make_user()
    conversation = api_json(start(client, alice, [bob.pk]))["id"]
    assert send(client, alice, conversation, "hello", "b1").status_code == 201
    assert (
        client.post(
            "/api/blocks", {"user_id": alice.pk}, content_type="application/json", **bearer(bob)
        ).status_code
        == 204
    )
    refused = send(client, alice, conversation, "are you there?", "b2")
    assert refused.status_code == 403
    assert api_json(refused)["code"] == "blocked"
    assert api_json(client.get("/api/blocks", **bearer(bob)))[0]["id"] == alice.pk
    assert client.delete(f"/api/blocks/{alice.pk}", **bearer(bob)).status_code == 204
    assert send(client, alice, conversation, "hi again", "b3").status_code == 201


def test_a_dietitian_still_reaches_a_customer_who_blocked_them(client, make_user):
    customer, dietitian = make_user(), make_user(Role.DIETITIAN)
    CareTeamMember.objects.create(customer=customer, professional=dietitian)
    conversation = api_json(start(client, dietitian, [customer.pk]))["id"]
    dm.block(customer, dietitian.pk)
    assert send(client, dietitian, conversation, "your plan for next week", "c1").status_code == 201


def test_groups_need_permission_for_every_member(client, make_user):
    alice, bob, carol, dietitian = make_user(), make_user(), make_user(), make_user(Role.DIETITIAN)
    group = start(client, alice, [bob.pk, carol.pk], "Walking club")
    assert group.status_code == 201
    assert api_json(group)["kind"] == "group"
    assert len(api_json(group)["members"]) == 3
    assert start(client, alice, [bob.pk, dietitian.pk]).status_code == 404


def test_history_pages_back_by_seq_cursor(client, make_user):
    alice, bob = make_user(), make_user()
    conversation = api_json(start(client, alice, [bob.pk]))["id"]
    for i in range(7):
        send(client, alice, conversation, f"message {i}", f"h{i}")
    seen, before = [], None
    while True:
        url = f"/api/conversations/{conversation}/messages?limit=3" + (
            f"&before={before}" if before else ""
        )
        page = api_json(client.get(url, **bearer(bob)))
        seen += [item["html"] for item in page["items"]]
        before = page["next_before"]
        if before is None:
            break
    assert seen == [f"<p>message {i}</p>" for i in reversed(range(7))]
    # Each item holds its Markdown too, which an edit starts from.
    newest = api_json(client.get(f"/api/conversations/{conversation}/messages", **bearer(alice)))
    assert newest["items"][0]["body"] == "message 6"


def test_strangers_cannot_read_or_post_over_http(client, make_user):
    alice, bob, mallory = make_user(), make_user(), make_user()
    conversation = api_json(start(client, alice, [bob.pk]))["id"]
    send(client, alice, conversation, "private", "p1")
    assert client.get(f"/api/conversations/{conversation}", **bearer(mallory)).status_code == 404
    assert (
        client.get(f"/api/conversations/{conversation}/messages", **bearer(mallory)).status_code
        == 404
    )
    assert send(client, mallory, conversation, "hi", "m1").status_code == 404
    message = Message.objects.get(client_id="p1")
    edit = client.patch(
        f"/api/messages/{message.pk}",
        {"body": "x"},
        content_type="application/json",
        **bearer(mallory),
    )
    assert edit.status_code == 404
    assert client.delete(f"/api/messages/{message.pk}", **bearer(mallory)).status_code == 404
    assert Message.objects.get(pk=message.pk).body == "private"
    assert all(
        c["id"] != conversation
        for c in api_json(client.get("/api/conversations", **bearer(mallory)))
    )


def test_unread_counts_and_read_position(client, make_user):
    alice, bob = make_user(), make_user()
    conversation = api_json(start(client, alice, [bob.pk]))["id"]
    seqs = [api_json(send(client, alice, conversation, f"m{i}", f"u{i}"))["seq"] for i in range(3)]
    listed = api_json(client.get("/api/conversations", **bearer(bob)))[0]
    assert listed["unread"] == 3
    assert api_json(client.get("/api/conversations", **bearer(alice)))[0]["unread"] == 0
    client.post(
        f"/api/conversations/{conversation}/read",
        {"seq": seqs[1]},
        content_type="application/json",
        **bearer(bob),
    )
    assert api_json(client.get("/api/conversations", **bearer(bob)))[0]["unread"] == 1
    # The position never moves back.
    client.post(
        f"/api/conversations/{conversation}/read",
        {"seq": 0},
        content_type="application/json",
        **bearer(bob),
    )
    assert api_json(client.get("/api/conversations", **bearer(bob)))[0]["unread"] == 1


def test_read_receipts_can_be_hidden(client, make_user):
    alice, bob = make_user(), make_user()
    conversation = api_json(start(client, alice, [bob.pk]))["id"]
    seq = api_json(send(client, alice, conversation, "seen?", "r1"))["seq"]
    client.post(
        f"/api/conversations/{conversation}/read",
        {"seq": seq},
        content_type="application/json",
        **bearer(bob),
    )
    members = {
        m["id"]: m
        for m in api_json(client.get(f"/api/conversations/{conversation}", **bearer(alice)))[
            "members"
        ]
    }
    assert members[bob.pk]["last_read_seq"] == seq
    client.patch(
        "/api/messaging/settings",
        {"share_read_receipts": False},
        content_type="application/json",
        **bearer(bob),
    )
    members = {
        m["id"]: m
        for m in api_json(client.get(f"/api/conversations/{conversation}", **bearer(alice)))[
            "members"
        ]
    }
    assert members[bob.pk]["last_read_seq"] is None


def test_edit_within_the_window_and_delete_own_messages_only(client, make_user, settings):
    alice, bob = make_user(), make_user()
    conversation = api_json(start(client, alice, [bob.pk]))["id"]
    message_id = api_json(send(client, alice, conversation, "tpyo", "e1"))["id"]
    edited = client.patch(
        f"/api/messages/{message_id}",
        {"body": "typo"},
        content_type="application/json",
        **bearer(alice),
    )
    assert api_json(edited)["html"] == "<p>typo</p>"
    assert api_json(edited)["body"] == "typo"
    assert api_json(edited)["edited_at"] is not None
    assert (
        client.patch(
            f"/api/messages/{message_id}",
            {"body": "mine now"},
            content_type="application/json",
            **bearer(bob),
        ).status_code
        == 403
    )
    Message.objects.filter(pk=message_id).update(created_at=timezone.now() - timedelta(hours=1))
    late = client.patch(
        f"/api/messages/{message_id}",
        {"body": "too late"},
        content_type="application/json",
        **bearer(alice),
    )
    assert late.status_code == 403
    assert api_json(late)["code"] == "edit_window_passed"
    assert client.delete(f"/api/messages/{message_id}", **bearer(alice)).status_code == 204
    item = api_json(client.get(f"/api/conversations/{conversation}/messages", **bearer(bob)))[
        "items"
    ][0]
    assert item["deleted"] is True and item["html"] == "" and item["body"] == ""


def test_http_send_is_idempotent_by_client_id(client, make_user):
    alice, bob = make_user(), make_user()
    conversation = api_json(start(client, alice, [bob.pk]))["id"]
    first = api_json(send(client, alice, conversation, "once", "same-id"))
    second = api_json(send(client, alice, conversation, "once", "same-id"))
    assert first["id"] == second["id"] and first["seq"] == second["seq"]
    assert Message.objects.filter(conversation_id=conversation).count() == 1
    other = api_json(start(client, alice, [make_user().pk]))["id"]
    reused = send(client, alice, other, "elsewhere", "same-id")
    assert reused.status_code == 409


def test_offline_members_get_one_email_per_quiet_period(
    client, make_user, settings, django_capture_on_commit_callbacks
):
    settings.DM_EMAIL_QUIET_MINUTES = 30
    alice, bob = make_user(), make_user(email_message_text=True)  # bob wants the text
    conversation = api_json(start(client, alice, [bob.pk]))["id"]
    for i in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            send(client, alice, conversation, f"are you there {i}", f"q{i}")
    to_bob = [m for m in mail.outbox if m.to == [bob.email]]
    assert len(to_bob) == 1
    assert "are you there 0" in to_bob[0].body
    # After the quiet period, the next message mails again, with what is still unread.
    from community.models import Membership

    Membership.objects.filter(user=bob).update(
        last_emailed_at=timezone.now() - timedelta(minutes=31)
    )
    with django_capture_on_commit_callbacks(execute=True):
        send(client, alice, conversation, "last try", "q9")
    to_bob = [m for m in mail.outbox if m.to == [bob.email]]
    assert len(to_bob) == 2
    assert "last try" in to_bob[1].body


def test_no_email_when_turned_off(client, make_user, django_capture_on_commit_callbacks):
    alice, bob = make_user(), make_user()
    client.put(
        "/api/notifications/preferences/dm.message",
        {"in_app": True, "email": False},
        content_type="application/json",
        **bearer(bob),
    )
    conversation = api_json(start(client, alice, [bob.pk]))["id"]
    with django_capture_on_commit_callbacks(execute=True):
        send(client, alice, conversation, "quiet please", "o1")
    assert [m for m in mail.outbox if m.to == [bob.email]] == []


def test_contacts_lists_only_people_one_may_message(client, make_user):
    alice = make_user(display_name="Alice Apple")
    make_user(display_name="Bob Banana")
    make_user(Role.DIETITIAN, display_name="Dana Banana")
    found = api_json(client.get("/api/messaging/contacts?q=banana", **bearer(alice)))
    assert [c["name"] for c in found] == ["Bob Banana"]


def test_no_email_to_someone_online(client, make_user, django_capture_on_commit_callbacks):
    from realtime import presence

    alice, bob = make_user(), make_user()
    conversation = api_json(start(client, alice, [bob.pk]))["id"]
    presence.store().refresh([(f"user:{bob.pk}", bob.pk)])
    try:
        with django_capture_on_commit_callbacks(execute=True):
            send(client, alice, conversation, "you are online", "on1")
    finally:
        presence.store().leave(f"user:{bob.pk}", bob.pk)
    assert [m for m in mail.outbox if m.to == [bob.email]] == []


def test_every_member_of_a_group_who_is_away_is_notified_once(
    client, make_user, django_capture_on_commit_callbacks
):
    from notifications.models import Notification
    from realtime import log

    host = make_user()
    guests = [make_user() for _ in range(6)]
    conversation = api_json(start(client, host, [g.pk for g in guests], "Cooking club"))["id"]
    client.put(
        "/api/notifications/preferences/dm.message",
        {"in_app": False, "email": False},
        content_type="application/json",
        **bearer(guests[0]),
    )
    with django_capture_on_commit_callbacks(execute=True):
        send(client, host, conversation, "Soup on Friday", "g1")
    notified = set(Notification.objects.filter(kind="dm.message").values_list("user_id", flat=True))
    assert notified == {g.pk for g in guests[1:]}
    for guest in guests[1:]:
        stored = log.read_after(f"user:{guest.pk}", 0) or []
        assert [e.type for e in stored].count("notification.created") == 1
    # Five emails (the one who turned it off gets none), one per person.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(g.email for g in guests[1:])


def test_rendering_is_safe_from_many_threads_at_once():
    """The sanitizer keeps parser state: sends in parallel worker threads must not share it."""
    from concurrent.futures import ThreadPoolExecutor

    from core.text import render_markdown

    texts = [f"**{i}** <script>x</script> see https://example.org/{i}" for i in range(400)]
    with ThreadPoolExecutor(8) as pool:
        rendered = list(pool.map(render_markdown, texts))
    for i, html in enumerate(rendered):
        assert html.startswith(f"<p><strong>{i}</strong>")
        assert "<script" not in html


def test_plain_text_takes_the_short_way_with_the_same_result():
    import random

    import markdown

    from core import text

    alphabet = "abcXYZ019 .,;?'\"=%()$@{}^-+\t*_<>&#:/\\!~|`[]\n"
    rng = random.Random(7)  # noqa: S311  (test data, not secrets)
    samples = ["t=1234.5678 hello", "Hello Bob, how are you?", "1) one", "  lead", "trail "]
    samples += [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(3000)
    ]
    short = 0
    for sample in samples:
        long_way = markdown.markdown(sample, extensions=list(text.MARKDOWN_EXTENSIONS))
        cleaner, linker = text._sanitizers()
        expected = linker.linkify(cleaner.clean(long_way))
        if text.PLAIN.match(sample) and "www." not in sample.lower():
            short += 1
            assert text.render_markdown(sample) == expected, sample
    assert short > 100  # the short way is really taken


def test_a_single_line_break_is_kept_and_an_empty_line_makes_a_paragraph():
    from core.text import render_markdown

    assert render_markdown("Soup on Friday\nbring a bowl") == (
        "<p>Soup on Friday<br>\nbring a bowl</p>"
    )
    assert render_markdown("one\n\ntwo") == "<p>one</p>\n<p>two</p>"
    assert render_markdown("- a\n- b") == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"
    assert render_markdown("```\nx = 1\ny = 2\n```") == "<pre><code>x = 1\ny = 2\n</code></pre>"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_send_takes_two_queries(make_user, django_assert_max_num_queries):
    """The hot path of the product: reading the context is one query, storing one more
    (on PostgreSQL; embedded mode takes the ORM path)."""
    from realtime import presence

    alice, bob = make_user(), make_user()
    conversation = dm.start_conversation(alice, [bob.pk])
    sending.send_direct_message(alice, conversation.pk, "first", "q0")  # makes the topic row
    presence.store().refresh([(conversation.topic, bob.pk)])  # Bob is looking: no notice
    try:
        with django_assert_max_num_queries(2):
            message = sending.send_direct_message(alice, conversation.pk, "second", "q1")
    finally:
        presence.store().leave(conversation.topic, bob.pk)
    assert Message.objects.get(pk=message.pk).seq == message.seq


@override_settings(CONVERSATIONS_PER_HOUR=3)
def test_starting_conversations_is_limited_per_member(client, make_user):
    """Each attempt counts, made or refused: ids cannot be probed without end."""
    alice, bob, carol, dave = make_user(), make_user(), make_user(), make_user()
    assert start(client, alice, [bob.pk]).status_code == 201
    assert start(client, alice, [10**12]).status_code == 404
    assert start(client, alice, [carol.pk]).status_code == 201
    refused = start(client, alice, [dave.pk])
    assert refused.status_code == 429
    assert api_json(refused)["code"] == "rate_limited" and api_json(refused)["retry_after"] > 0
    assert start(client, bob, [dave.pk]).status_code == 201
