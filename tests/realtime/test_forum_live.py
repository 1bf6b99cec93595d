"""The forum over the socket: two followers of a thread see a reply, an edit and a
moderator's hide live, and a reconnect with a cursor replays them without the hidden
text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from accounts.roles import Role
from community.forum import moderation, profiles, suspensions
from community.forum import services as forum
from community.models import Category, ModeratorScope
from tests.helpers import new_user
from tests.realtime.helpers import next_of_type, receive_json, signed_in, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def setting_up(make_user):
    cat = Category.objects.create(name="Recipes", slug="recipes", region="ca-on")
    old = timezone.now() - timedelta(days=100)
    author = make_user(Role.CUSTOMER, region="ca-on", date_joined=old)
    reader = make_user(Role.CUSTOMER, region="ca-on", date_joined=old)
    mod = make_user(Role.MODERATOR)
    ModeratorScope.objects.create(moderator=mod, region="ca-on")
    thread, _ = forum.start_thread(author, cat.pk, "Soups", "Share yours")
    return cat, author, reader, mod, thread


async def test_two_followers_see_reply_edit_and_hide_and_a_cursor_replays_them(
    make_user_async,
):
    _, author, reader, mod, thread = await setting_up(new_user)
    a, b = await signed_in(author), await signed_in(reader)
    await subscribe(a, thread.topic)
    _, sub_b = await subscribe(b, thread.topic)
    cursor = sub_b["seq"]
    assert cursor == 1  # the opening post

    await a.send_json_to(
        {"type": "forum.reply", "id": "r1", "thread": thread.pk, "body": "Miso **soup**"}
    )
    # The author's own copy of the event may come before or after the ack.
    frames = [await receive_json(a) for _ in range(2)]
    ack = next(f for f in frames if f["type"] == "ack")
    seen = [next(f for f in frames if f.get("event") == "post.created")]
    seen.append(await next_of_type(b, "event", "post.created"))
    assert ack["number"] == 2 and seen[0]["event"] == "post.created"
    assert {f["data"]["html"] for f in seen} == {"<p>Miso <strong>soup</strong></p>"}

    await database_sync_to_async(forum.edit_post)(author, ack["post"], "Miso soup, edited")
    edits = [await next_of_type(c, "event", "post.edited") for c in (a, b)]
    assert {f["data"]["html"] for f in edits} == {"<p>Miso soup, edited</p>"}

    await database_sync_to_async(moderation.hide_post)(mod, ack["post"], "off topic")
    hides = [await next_of_type(c, "event", "post.hidden") for c in (a, b)]
    assert {f["data"]["id"] for f in hides} == {ack["post"]}

    await b.disconnect()
    again = await signed_in(reader)
    replayed, _ = await subscribe(again, thread.topic, since=cursor)
    assert [f["event"] for f in replayed] == ["post.created", "post.edited", "post.hidden"]
    assert [f["seq"] for f in replayed] == [cursor + 1, cursor + 2, cursor + 3]
    assert all("Miso" not in str(f["data"]) for f in replayed)  # hidden: not replayed
    assert replayed[0]["data"]["hidden"] is True


async def test_a_category_follower_sees_new_topics_and_a_stranger_to_a_hidden_thread_cannot_follow(
    make_user_async,
):
    cat, author, reader, mod, thread = await setting_up(new_user)
    b = await signed_in(reader)
    await subscribe(b, cat.topic)

    await database_sync_to_async(forum.start_thread)(author, cat.pk, "Breads", "Rye?")
    created = await next_of_type(b, "event", "thread.created")
    assert created["data"]["thread"]["title"] == "Breads"

    await database_sync_to_async(moderation.thread_action)(mod, thread.pk, "hide", "spam")
    await b.send_json_to({"type": "subscribe", "topic": thread.topic})
    refused = await next_of_type(b, "error")
    assert refused["code"] == "forbidden"


async def test_a_suspended_member_gets_an_error_frame_and_nothing_is_posted(make_user_async):
    _, _, reader, mod, thread = await setting_up(new_user)
    await database_sync_to_async(suspensions.suspend)(mod, reader.pk, 2, "cooling off")
    b = await signed_in(reader)
    await subscribe(b, thread.topic)
    await b.send_json_to({"type": "forum.reply", "id": "x1", "thread": thread.pk, "body": "hi"})
    error = await next_of_type(b, "error")
    assert error["code"] == "suspended" and error["id"] == "x1"
    assert await b.receive_nothing(timeout=0.3)


async def test_hiding_a_topic_removes_it_for_members_live_and_from_the_category_log(
    make_user_async,
):
    from realtime.models import LogEntry

    cat, _, reader, mod, thread = await setting_up(new_user)
    b = await signed_in(reader)
    await subscribe(b, cat.topic)
    await subscribe(b, thread.topic)

    await database_sync_to_async(moderation.thread_action)(mod, thread.pk, "hide", "privacy")

    frames = [await receive_json(b) for _ in range(3)]
    kinds = {(f["type"], f.get("event"), f.get("code")) for f in frames}
    assert ("event", "thread.removed", None) in kinds
    assert ("error", None, "forbidden") in kinds  # dropped from the topic it may no longer see
    stored = await database_sync_to_async(
        lambda: list(LogEntry.objects.filter(topic_id=cat.topic).values_list("data", flat=True))
    )()
    assert "Soups" not in str(stored)
    await database_sync_to_async(forum.reply)(mod, thread.pk, "Moderators only now")
    assert await b.receive_nothing(timeout=0.3)


async def test_a_post_restored_then_hidden_again_never_replays_its_text(make_user_async):
    _, author, reader, mod, thread = await setting_up(new_user)
    post = await database_sync_to_async(forum.reply)(author, thread.pk, "Secret remedy")
    await database_sync_to_async(moderation.hide_post)(mod, post.pk, "check")
    await database_sync_to_async(moderation.restore_post)(mod, post.pk, "fine after all")
    await database_sync_to_async(moderation.hide_post)(mod, post.pk, "not fine")

    b = await signed_in(reader)
    replayed, _ = await subscribe(b, thread.topic, since=0)
    assert [f["event"] for f in replayed][-4:] == [
        "post.created", "post.hidden", "post.restored", "post.hidden"
    ]  # fmt: skip
    assert "Secret" not in str(replayed)


async def test_a_replay_names_authors_as_they_choose_now_not_as_when_they_posted():
    @database_sync_to_async
    def setting_up():
        cat = Category.objects.create(name="Private", slug="private")
        old = timezone.now() - timedelta(days=100)
        author = new_user(Role.CUSTOMER, display_name="Jane Realname", date_joined=old)
        reader = new_user(Role.CUSTOMER, date_joined=old)
        thread, first = forum.start_thread(author, cat.pk, "My diagnosis", "It is new")
        forum.reply(reader, thread.pk, "Hang in there", reply_to=first.pk)
        profiles.update_profile(author, handle="quiet_fox", name_style="pseudonym")
        return cat, reader, thread

    cat, reader, thread = await setting_up()
    sock = await signed_in(reader)
    replayed, _ = await subscribe(sock, thread.topic, since=0)
    replayed += (await subscribe(sock, cat.topic, since=0))[0]

    assert len(replayed) >= 3  # the opening post, the reply quoting it, the new topic
    assert "Jane" not in str(replayed) and "Realname" not in str(replayed)
    authors = [f["data"]["author"] for f in replayed if f["event"] == "post.created"]
    assert {"handle": "quiet_fox", "name": "quiet_fox"} in authors
    quoted = [f["data"]["reply_to"] for f in replayed if f["data"].get("reply_to")]
    assert quoted[0]["author"] == {"handle": "quiet_fox", "name": "quiet_fox"}


async def test_a_reaction_ack_says_which_are_mine_and_the_event_says_counts_only(
    make_user_async,
):
    _, author, reader, _, thread = await setting_up(new_user)
    opening = await database_sync_to_async(lambda: thread.posts.get(number=1).pk)()
    a, b = await signed_in(author), await signed_in(reader)
    await subscribe(a, thread.topic)
    await subscribe(b, thread.topic)

    await b.send_json_to({"type": "forum.react", "id": "x1", "post": opening, "emoji": "🎉"})
    ack = await next_of_type(b, "ack")
    seen = await next_of_type(a, "event", "reaction.updated")
    assert ack["mine"] == ["🎉"] and ack["reactions"] == {"🎉": 1}
    assert seen["data"] == {"post": opening, "thread": thread.pk, "reactions": {"🎉": 1}}

    await b.send_json_to(
        {"type": "forum.react", "id": "x2", "post": opening, "emoji": "🎉", "on": False}
    )
    ack = await next_of_type(b, "ack")
    seen = await next_of_type(a, "event", "reaction.updated")
    assert ack["mine"] == [] and ack["reactions"] == {}
    assert seen["data"]["reactions"] == {}
    for client in (a, b):
        await client.disconnect()
