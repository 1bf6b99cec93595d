"""The forum over HTTP: audiences, open windows, suspensions, moderator scopes, flags,
limits on new accounts, notifications, search, and pages of bounded cost."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.roles import Role
from community.forum import moderation, profiles, reading
from community.forum import services as forum
from community.forum.tasks import close_ended_forum_windows
from community.models import Category, ModerationLogEntry, ModeratorScope, Post, Thread
from notifications.models import Notification
from realtime.models import LogEntry
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def category(**fields: Any) -> Category:
    fields.setdefault("slug", f"c{Category.objects.count() + 1}")
    fields.setdefault("name", "Recipes")
    return Category.objects.create(**fields)


def start(client, user, cat: Category, title: str = "Breakfast ideas", body: str = "Oats?"):
    return client.post(
        f"/api/forum/categories/{cat.pk}/threads",
        {"title": title, "body": body},
        content_type="application/json",
        **bearer(user),
    )


def post(client, user, thread_id: int, body: str, **extra: Any):
    return client.post(
        f"/api/forum/threads/{thread_id}/posts",
        {"body": body, **extra},
        content_type="application/json",
        **bearer(user),
    )


def old_member(make_user, **fields: Any):
    """A customer past the limits of new accounts."""
    fields.setdefault("date_joined", timezone.now() - timedelta(days=400))
    user = make_user(Role.CUSTOMER, **fields)
    return user


@pytest.fixture
def mod(make_user):
    """A moderator of the Ontario categories only."""
    moderator = make_user(Role.MODERATOR)
    ModeratorScope.objects.create(moderator=moderator, region="ca-on")
    return moderator


def test_a_customer_outside_a_localized_categorys_audience_cannot_post(client, make_user):
    quebec = category(name="Québec", region="ca-qc", locale="fr")
    outsider = old_member(make_user, region="ca-on", locale="en")
    insider = old_member(make_user, region="ca-qc", locale="fr")

    refused = start(client, outsider, quebec)
    made = start(client, insider, quebec)

    assert refused.status_code == 403 and api_json(refused)["code"] == "audience"
    assert made.status_code == 201
    thread_id = api_json(made)["thread"]["id"]
    assert post(client, outsider, thread_id, "hello").status_code == 403
    # Browsing is open to everyone, the member's own categories first.
    listed = api_json(client.get("/api/forum/categories", **bearer(outsider)))
    assert [c["for_you"] for c in listed] == [False]
    assert (
        client.get(f"/api/forum/threads/{thread_id}/posts", **bearer(outsider)).status_code == 200
    )


def test_nobody_can_post_to_a_closed_temporal_topic(client, make_user, admin_user):
    cat = category()
    member = old_member(make_user)
    thread, _ = forum.start_thread(member, cat.pk, "Challenge week", "Day one")
    Thread.objects.filter(pk=thread.pk).update(ends_at=timezone.now() - timedelta(seconds=1))

    for user in (member, admin_user):
        response = post(client, user, thread.pk, "too late")
        assert response.status_code == 403 and api_json(response)["code"] == "closed"
    assert Post.objects.filter(thread=thread).count() == 1

    # The scheduled job archives it and says so on the thread's topic.
    assert close_ended_forum_windows.apply().get() == 1
    assert Thread.objects.get(pk=thread.pk).archived_at is not None
    last = LogEntry.objects.filter(topic_id=thread.topic).order_by("-seq").first()
    assert last is not None and last.type == "thread.updated" and last.data["change"] == "archived"
    assert last.data["thread"]["open"] is False


def test_a_temporal_category_is_read_only_before_its_start_and_after_its_end(client, make_user):
    member = old_member(make_user)
    later = category(starts_at=timezone.now() + timedelta(days=1))
    ended = category(ends_at=timezone.now() - timedelta(minutes=1))
    assert api_json(start(client, member, later))["code"] == "closed"
    assert api_json(start(client, member, ended))["code"] == "closed"


def test_a_suspended_member_cannot_post_or_react_anywhere(client, make_user, mod):
    cat = category(region="ca-on")
    member = old_member(make_user, region="ca-on")
    other = old_member(make_user, region="ca-on")
    thread, first = forum.start_thread(other, cat.pk, "Snacks", "Nuts?")

    made = client.post(
        "/api/forum/moderation/suspensions",
        {"user": member.pk, "hours": 24, "reason": "spam links"},
        content_type="application/json",
        **bearer(mod),
    )
    assert made.status_code == 201
    seen = client.get("/api/me/access-log", **bearer(member)).json()["items"]
    assert [(e["action"], e["actor_role"]) for e in seen] == [("suspend", "moderator")]

    elsewhere = category(slug="global")
    for response in (
        post(client, member, thread.pk, "buy now"),
        start(client, member, elsewhere),
        client.post(
            f"/api/forum/posts/{first.pk}/reactions",
            {"emoji": "👍"},
            content_type="application/json",
            **bearer(member),
        ),
    ):
        assert response.status_code == 403 and api_json(response)["code"] == "suspended"
    entry = ModerationLogEntry.objects.get(action="suspend")
    assert (entry.moderator, entry.target_id, entry.reason) == (mod, member.pk, "spam links")


def test_a_moderator_of_one_region_is_refused_on_anothers_post(client, make_user, mod):
    bc = category(region="ca-bc")
    author = old_member(make_user, region="ca-bc")
    thread, _ = forum.start_thread(author, bc.pk, "Salmon", "Recipes?")
    reply = forum.reply(author, thread.pk, "Grilled")

    for path, body in [
        (f"/api/forum/moderation/posts/{reply.pk}/hide", {"reason": "no"}),
        (f"/api/forum/moderation/threads/{thread.pk}/lock", {"reason": "no"}),
        ("/api/forum/moderation/suspensions", {"user": author.pk, "hours": 1, "reason": "no"}),
    ]:
        response = client.post(path, body, content_type="application/json", **bearer(mod))
        assert response.status_code == 403, path
        assert api_json(response)["code"] == "not_your_scope"
    assert Post.objects.get(pk=reply.pk).hidden_at is None
    assert not ModerationLogEntry.objects.exists()


def test_enough_flags_hide_a_post_until_a_moderator_reviews_it(client, make_user, mod, settings):
    settings.FORUM_FLAGS_TO_HIDE = 2
    cat = category(region="ca-on")
    author = old_member(make_user, region="ca-on")
    thread, _ = forum.start_thread(author, cat.pk, "Cures", "Ideas")
    bad = forum.reply(author, thread.pk, "Bleach cures everything")
    # Flags of brand-new accounts go to the queue but do not hide the post.
    for newcomer in [make_user(Role.CUSTOMER, region="ca-on") for _ in range(2)]:
        forum_flag = client.post(
            f"/api/forum/posts/{bad.pk}/flags",
            {"reason": "spam"},
            content_type="application/json",
            **bearer(newcomer),
        )
        assert forum_flag.status_code == 204
    assert Post.objects.get(pk=bad.pk).hidden_at is None
    flaggers = [old_member(make_user, region="ca-on") for _ in range(2)]
    for flagger in flaggers:  # members with some standing: three posts each
        for n in range(3):
            forum.reply(flagger, thread.pk, f"my post {n}")

    for flagger in flaggers:
        response = client.post(
            f"/api/forum/posts/{bad.pk}/flags",
            {"reason": "misinformation"},
            content_type="application/json",
            **bearer(flagger),
        )
        assert response.status_code == 204
    again = client.post(
        f"/api/forum/posts/{bad.pk}/flags",
        {"reason": "spam"},
        content_type="application/json",
        **bearer(flaggers[0]),
    )
    assert again.status_code == 409

    shown = api_json(client.get(f"/api/forum/threads/{thread.pk}/posts", **bearer(flaggers[0])))
    hidden = next(p for p in shown["posts"] if p["id"] == bad.pk)
    assert hidden["hidden"] is True and hidden["html"] == "" and hidden["hidden_html"] is None
    stored = LogEntry.objects.get(topic_id=thread.topic, type="post.created", data__id=bad.pk)
    assert stored.data["html"] == "" and stored.data["hidden"] is True

    queue = api_json(client.get("/api/forum/moderation/queue", **bearer(mod)))
    assert [item["post"]["id"] for item in queue] == [bad.pk]
    assert queue[0]["open_flags"] == 4 and "Bleach" in queue[0]["post"]["hidden_html"]

    resolved = client.post(
        f"/api/forum/moderation/posts/{bad.pk}/resolve",
        {"outcome": "upheld", "reason": "dangerous advice"},
        content_type="application/json",
        **bearer(mod),
    )
    assert resolved.status_code == 204
    assert Post.objects.get(pk=bad.pk).hidden_reason == "moderator"
    assert api_json(client.get("/api/forum/moderation/queue", **bearer(mod))) == []
    log = api_json(client.get("/api/forum/moderation/log", **bearer(mod)))
    assert log[0]["action"] == "flags_upheld" and log[0]["reason"] == "dangerous advice"


def test_new_accounts_are_limited_and_the_limits_lift_with_age_and_posts(client, make_user):
    cat = category()
    newcomer = make_user(Role.CUSTOMER)
    thread, _ = forum.start_thread(make_user(Role.DIETITIAN), cat.pk, "Ask me", "Anything")

    links = post(client, newcomer, thread.pk, "see https://a.example and https://b.example")
    assert links.status_code == 403 and api_json(links)["code"] == "too_many_links"
    for n in range(5):
        assert post(client, newcomer, thread.pk, f"question {n}").status_code == 201
    limited = post(client, newcomer, thread.pk, "one more")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0

    Post.objects.filter(author=newcomer).update(created_at=timezone.now() - timedelta(hours=2))
    type(newcomer).objects.filter(pk=newcomer.pk).update(
        date_joined=timezone.now() - timedelta(days=3)
    )
    assert (
        post(client, newcomer, thread.pk, "see https://a.example and https://b.example").status_code
        == 201
    )


def test_slow_mode_spaces_one_members_posts(client, make_user, admin_user):
    cat = category()
    member = old_member(make_user)
    thread, _ = forum.start_thread(old_member(make_user), cat.pk, "Debate", "Carbs?")
    moderation.thread_action(admin_user, thread.pk, "slow_mode", "heated", seconds=600)

    assert post(client, member, thread.pk, "first").status_code == 201
    second = post(client, member, thread.pk, "second")
    assert second.status_code == 429 and int(second["Retry-After"]) >= 590
    assert post(client, old_member(make_user), thread.pk, "someone else").status_code == 201


def test_mentions_replies_and_watchers_are_notified_once_each(
    client, make_user, django_capture_on_commit_callbacks
):
    cat = category()
    author = old_member(make_user)
    watcher = old_member(make_user)
    muted = old_member(make_user)
    thread, opening = forum.start_thread(author, cat.pk, "Meal prep", "Sundays?")
    reading.set_follow(watcher, "watching", thread_id=thread.pk)
    reading.set_follow(muted, "muted", thread_id=thread.pk)
    profiles.update_profile(muted, handle="quiet_one", name_style=None)
    profiles.update_profile(watcher, handle="keen_bean", name_style=None)
    replier = old_member(make_user)

    with django_capture_on_commit_callbacks(execute=True):  # notices go out after the commit
        response = post(
            client, replier, thread.pk, "@keen_bean @quiet_one yes!", reply_to=opening.pk
        )
    assert response.status_code == 201
    assert api_json(response)["reply_to"]["number"] == 1

    kinds = {
        user.pk: list(Notification.objects.filter(user=user).values_list("kind", flat=True))
        for user in (author, watcher, muted)
    }
    assert kinds == {author.pk: ["forum.reply"], watcher.pk: ["forum.mention"], muted.pk: []}


def test_a_pseudonymous_author_is_shown_by_their_handle_only(client, make_user):
    cat = category()
    member = old_member(make_user, display_name="Jane Smith")
    other = old_member(make_user, display_name="Ravi Patel")
    profiles.update_profile(member, handle="oat_fan", name_style="pseudonym")
    thread, _ = forum.start_thread(member, cat.pk, "Private question", "About my diet")
    forum.reply(other, thread.pk, "Welcome")

    page = client.get(f"/api/forum/threads/{thread.pk}/posts", **bearer(other))
    authors = [p["author"] for p in api_json(page)["posts"]]
    assert authors[0] == {"handle": "oat_fan", "name": "oat_fan"}
    assert authors[1]["name"] == "Ravi P."  # the default: first name and initial
    assert b"Jane" not in page.content and b"Smith" not in page.content
    stored = LogEntry.objects.get(topic_id=thread.topic, seq=1)
    assert "Jane" not in str(stored.data)


def test_edits_keep_their_history_and_reactions_are_counted(client, make_user):
    cat = category()
    member = old_member(make_user)
    _, opening = forum.start_thread(member, cat.pk, "Lentils", "Red or green?")
    edited = client.patch(
        f"/api/forum/posts/{opening.pk}",
        {"body": "Red or **green**?"},
        content_type="application/json",
        **bearer(member),
    )
    assert edited.status_code == 200 and "<strong>green</strong>" in api_json(edited)["html"]
    history = api_json(client.get(f"/api/forum/posts/{opening.pk}/revisions", **bearer(member)))
    assert [r["html"] for r in history] == ["<p>Red or green?</p>"]
    someone = old_member(make_user)
    assert (
        client.patch(
            f"/api/forum/posts/{opening.pk}",
            {"body": "mine now"},
            content_type="application/json",
            **bearer(someone),
        ).status_code
        == 403
    )

    counts = client.post(
        f"/api/forum/posts/{opening.pk}/reactions",
        {"emoji": "👍"},
        content_type="application/json",
        **bearer(someone),
    )
    assert api_json(counts) == {"👍": 1}
    bad = client.post(
        f"/api/forum/posts/{opening.pk}/reactions",
        {"emoji": "<script>"},
        content_type="application/json",
        **bearer(someone),
    )
    assert bad.status_code == 400


def test_search_finds_titles_and_posts_but_not_hidden_ones(client, make_user, admin_user):
    cat = category()
    member = old_member(make_user)
    thread, _ = forum.start_thread(member, cat.pk, "Quinoa salad", "Cucumber and mint")
    other, _ = forum.start_thread(member, cat.pk, "Soup", "Lentil soup with cumin")
    secret = forum.reply(member, other.pk, "Turmeric secret")
    moderation.hide_post(admin_user, secret.pk, "off topic")

    def hits(q: str) -> list[int]:
        response = client.get("/api/forum/search", {"q": q}, **bearer(member))
        assert response.status_code == 200
        return [h["thread"] for h in api_json(response)]

    assert hits("quinoa") == [thread.pk]
    assert hits("cumin") == [other.pk]
    assert hits("turmeric") == []
    assert client.get("/api/forum/search", {"q": "a"}, **bearer(member)).status_code == 400


def test_pages_cost_a_bounded_number_of_queries(client, make_user, django_assert_max_num_queries):
    cat = category()
    member = old_member(make_user)
    thread, _ = forum.start_thread(member, cat.pk, "Big thread", "Start")
    now = timezone.now()
    Post.objects.bulk_create(
        Post(
            thread=thread,
            number=n,
            author=member,
            body=f"p{n}",
            html=f"<p>p{n}</p>",
            created_at=now,
        )
        for n in range(2, 10_001)
    )
    Thread.objects.filter(pk=thread.pk).update(last_number=10_000)
    Thread.objects.bulk_create(
        Thread(category=cat, title=f"t{n}", author=member, last_number=1) for n in range(4_999)
    )
    user = old_member(make_user)
    auth = bearer(user)

    with django_assert_max_num_queries(8):
        posts = client.get(f"/api/forum/threads/{thread.pk}/posts?after=5000", **auth)
    with django_assert_max_num_queries(8):
        listing = client.get(f"/api/forum/categories/{cat.pk}/threads?offset=100", **auth)

    assert [p["number"] for p in api_json(posts)["posts"]][:2] == [5001, 5002]
    assert len(api_json(listing)["threads"]) == 30
    assert all(t["unread"] == t["posts"] for t in api_json(listing)["threads"])  # none read


def test_unread_counts_follow_each_members_read_position(client, make_user):
    cat = category()
    author, reader = old_member(make_user), old_member(make_user)
    thread, _ = forum.start_thread(author, cat.pk, "Tea", "Green or black?")
    for text in ("Green", "Black", "Rooibos"):
        forum.reply(author, thread.pk, text)

    def unread(user) -> int:
        listing = api_json(client.get(f"/api/forum/categories/{cat.pk}/threads", **bearer(user)))
        return listing["threads"][0]["unread"]

    assert unread(reader) == 4 and unread(author) == 0
    moved = client.post(
        f"/api/forum/threads/{thread.pk}/read",
        {"number": 3},
        content_type="application/json",
        **bearer(reader),
    )
    assert api_json(moved) == {"number": 3} and unread(reader) == 1
    client.post(
        f"/api/forum/threads/{thread.pk}/read",
        {"number": 1},
        content_type="application/json",
        **bearer(reader),
    )
    assert unread(reader) == 1  # a read position never moves back


def test_a_locked_topic_takes_replies_from_its_moderators_only(client, make_user, mod):
    cat = category(region="ca-on")
    member = old_member(make_user, region="ca-on")
    thread, _ = forum.start_thread(member, cat.pk, "Heated", "Keto?")
    locked = client.post(
        f"/api/forum/moderation/threads/{thread.pk}/lock",
        {"reason": "cooling down"},
        content_type="application/json",
        **bearer(mod),
    )
    assert locked.status_code == 200 and api_json(locked)["locked"] is True

    refused = post(client, member, thread.pk, "but")
    assert refused.status_code == 403 and api_json(refused)["code"] == "locked"
    assert post(client, mod, thread.pk, "Locked while we review.").status_code == 201


def test_moving_a_topic_needs_both_categories_in_scope(client, make_user, mod):
    ontario = category(region="ca-on", slug="on")
    toronto = category(region="ca-on", slug="to", name="Toronto")
    bc = category(region="ca-bc", slug="bc")
    thread, _ = forum.start_thread(
        old_member(make_user, region="ca-on"), ontario.pk, "Market", "Sat?"
    )

    def move(to: Category):
        return client.post(
            f"/api/forum/moderation/threads/{thread.pk}/move",
            {"reason": "better fit", "category": to.pk},
            content_type="application/json",
            **bearer(mod),
        )

    assert move(bc).status_code == 403
    assert move(toronto).status_code == 200
    assert Thread.objects.get(pk=thread.pk).category == toronto
    entry = ModerationLogEntry.objects.get()
    assert entry.action == "move_thread" and entry.data == {"from": ontario.pk, "to": toronto.pk}


def test_watching_a_category_brings_notices_of_new_topics(
    make_user, django_capture_on_commit_callbacks
):
    cat = category()
    watcher, author = old_member(make_user), old_member(make_user)
    reading.set_follow(watcher, "watching", category_id=cat.pk)

    with django_capture_on_commit_callbacks(execute=True):
        thread, _ = forum.start_thread(author, cat.pk, "Picnic ideas", "Summer is coming")

    notice = Notification.objects.get(user=watcher)
    assert notice.kind == "forum.thread" and notice.data["thread"] == thread.pk
    assert not Notification.objects.filter(user=author).exists()


def test_authors_delete_their_replies_but_not_the_opening_post(client, make_user):
    cat = category()
    member = old_member(make_user)
    thread, opening = forum.start_thread(member, cat.pk, "Oops", "Typo")
    mistake = forum.reply(member, thread.pk, "Wrong thread, sorry")

    assert client.delete(f"/api/forum/posts/{mistake.pk}", **bearer(member)).status_code == 204
    assert client.delete(f"/api/forum/posts/{opening.pk}", **bearer(member)).status_code == 409
    other = old_member(make_user)
    assert client.delete(f"/api/forum/posts/{opening.pk}", **bearer(other)).status_code == 403
    page = api_json(client.get(f"/api/forum/threads/{thread.pk}/posts", **bearer(other)))
    assert [(p["number"], p["deleted"], p["html"]) for p in page["posts"]] == [
        (1, False, "<p>Typo</p>"),
        (2, True, ""),
    ]


def test_default_handles_are_random_and_cannot_be_claimed(client, make_user):
    member, other = old_member(make_user), old_member(make_user)
    handle = api_json(client.get("/api/forum/me", **bearer(member)))["handle"]
    assert re.fullmatch(r"member_[0-9a-f]{6}", handle), handle
    claimed = client.patch(
        "/api/forum/me", {"handle": handle}, content_type="application/json", **bearer(other)
    )
    assert claimed.status_code == 400
    mine = client.patch(
        "/api/forum/me", {"handle": "Oat_Fan"}, content_type="application/json", **bearer(other)
    )
    assert mine.status_code == 200
    taken = client.patch(
        "/api/forum/me", {"handle": "oat_fan"}, content_type="application/json", **bearer(member)
    )
    assert taken.status_code == 409


def test_hiding_a_post_withdraws_its_text_from_notifications(
    make_user, admin_user, django_capture_on_commit_callbacks
):
    cat = category()
    author, mentioned = old_member(make_user), old_member(make_user)
    profiles.update_profile(mentioned, handle="pat_p", name_style=None)
    thread, _ = forum.start_thread(author, cat.pk, "Remedies", "Ideas")
    with django_capture_on_commit_callbacks(execute=True):
        post = forum.reply(author, thread.pk, "@pat_p try this dangerous thing")
    note = Notification.objects.get(user=mentioned)
    assert "dangerous" in note.body

    moderation.hide_post(admin_user, post.pk, "dangerous advice")

    assert not Notification.objects.filter(pk=note.pk).exists()
    stored = LogEntry.objects.get(topic_id=f"user:{mentioned.pk}", type="notification.created")
    assert stored.data["body"] == "" and stored.data["title"] == ""
    withdrawn = LogEntry.objects.get(topic_id=f"user:{mentioned.pk}", type="notification.withdrawn")
    assert withdrawn.data == {"ids": [note.pk], "unread_count": 0}


def test_bad_times_and_hidden_nul_characters_are_refused_not_crashes(client, make_user, admin_user):
    cat = category()
    naive = client.post(
        "/api/forum/categories",
        {"name": "Later", "slug": "later", "starts_at": "2030-01-01T10:00:00"},
        content_type="application/json",
        **bearer(admin_user),
    )
    assert naive.status_code == 422
    dietitian = make_user(Role.DIETITIAN)
    nul = client.post(
        "/api/surveys",
        {
            "title": "x",
            "closes_at": "2030-01-01T10:00:00Z",
            "questions": [{"kind": "single", "text": "?", "options": ["a\u0000", "b"]}],
        },
        content_type="application/json",
        **bearer(dietitian),
    )
    assert nul.status_code == 422
    member = old_member(make_user)
    thread, _ = forum.start_thread(member, cat.pk, "t", "b")
    reply = forum.reply(member, thread.pk, "a reply")
    refused = client.delete(f"/api/forum/posts/{reply.pk}?reason=a%00b", **bearer(admin_user))
    assert refused.status_code == 400
    assert Post.objects.get(pk=reply.pk).deleted_at is None


def test_a_new_member_cannot_edit_links_into_a_post(client, make_user):
    cat = category()
    thread, _ = forum.start_thread(make_user(Role.DIETITIAN), cat.pk, "Ask", "Anything")
    newcomer = make_user(Role.CUSTOMER)
    mine = forum.reply(newcomer, thread.pk, "plain text")
    edited = client.patch(
        f"/api/forum/posts/{mine.pk}",
        {"body": "now https://a.example https://b.example"},
        content_type="application/json",
        **bearer(newcomer),
    )
    assert edited.status_code == 403 and api_json(edited)["code"] == "too_many_links"
