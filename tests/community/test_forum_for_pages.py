"""What the forum's pages need from the API: which reactions are mine, whether and why I
may post, how closely I follow, finding a handle to @mention (never by e-mail, never
across a block), the author of a post for its moderators, and the suspensions in force."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.models import AccessAuditEntry, Block
from accounts.roles import Role
from community.forum import profiles, suspensions
from community.forum import services as forum
from community.models import Category, ModeratorScope
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def old_member(make_user, **fields: Any):
    fields.setdefault("date_joined", timezone.now() - timedelta(days=400))
    return make_user(Role.CUSTOMER, **fields)


def posts_of(client, user, thread_id: int) -> dict[str, Any]:
    answer = client.get(f"/api/forum/threads/{thread_id}/posts", **bearer(user))
    assert answer.status_code == 200, answer.content
    return api_json(answer)


def test_the_posts_say_which_reactions_are_mine_and_taking_one_back_clears_it(client, make_user):
    cat = Category.objects.create(name="Recipes", slug="recipes")
    ada, ben = old_member(make_user), old_member(make_user)
    thread, opening = forum.start_thread(ada, cat.pk, "Soups", "Yours?")
    url = f"/api/forum/posts/{opening.pk}/reactions"

    client.post(url, {"emoji": "👍"}, content_type="application/json", **bearer(ben))
    client.post(url, {"emoji": "🎉"}, content_type="application/json", **bearer(ben))
    client.post(url, {"emoji": "👍"}, content_type="application/json", **bearer(ada))

    assert posts_of(client, ben, thread.pk)["posts"][0]["mine"] == ["👍", "🎉"]
    assert posts_of(client, ada, thread.pk)["posts"][0]["mine"] == ["👍"]
    taken_back = client.delete(f"{url}/👍", **bearer(ben))
    assert api_json(taken_back) == {"👍": 1, "🎉": 1}
    shown = posts_of(client, ben, thread.pk)["posts"][0]
    assert shown["mine"] == ["🎉"] and shown["reactions"] == {"👍": 1, "🎉": 1}
    # The author's own text comes back to them (to edit it), to nobody else.
    assert posts_of(client, ada, thread.pk)["posts"][0]["source"] == "Yours?"
    assert posts_of(client, ben, thread.pk)["posts"][0]["source"] is None


def test_the_pages_say_why_a_member_may_not_post(client, make_user, admin_user):
    quebec = Category.objects.create(name="Québec", slug="qc", region="ca-qc")
    everyone = Category.objects.create(name="Recipes", slug="recipes")
    member = old_member(make_user, region="ca-on")
    thread, _ = forum.start_thread(admin_user, everyone.pk, "Soups", "Yours?")
    elsewhere, _ = forum.start_thread(admin_user, quebec.pk, "Tourtière", "Recettes?")

    page = posts_of(client, member, thread.pk)
    assert page["posting"]["allowed"] is True and page["posting"]["code"] == ""
    assert posts_of(client, member, elsewhere.pk)["posting"]["code"] == "audience"
    listed = api_json(client.get(f"/api/forum/categories/{quebec.pk}/threads", **bearer(member)))
    assert listed["posting"]["allowed"] is False and listed["posting"]["code"] == "audience"

    client.post(
        f"/api/forum/moderation/threads/{thread.pk}/lock",
        {"reason": "cooling off"},
        content_type="application/json",
        **bearer(admin_user),
    )
    assert posts_of(client, member, thread.pk)["posting"]["code"] == "locked"
    assert posts_of(client, admin_user, thread.pk)["posting"]["allowed"] is True

    suspensions.suspend(admin_user, member.pk, 48, "rude replies")
    suspended = api_json(
        client.get(f"/api/forum/categories/{everyone.pk}/threads", **bearer(member))
    )
    assert suspended["posting"]["code"] == "suspended"
    assert suspended["posting"]["reason"] == "rude replies"
    assert suspended["posting"]["until"] is not None


def test_my_follow_level_is_in_the_answers_and_follows_what_i_chose(client, make_user):
    cat = Category.objects.create(name="Recipes", slug="recipes")
    ada, ben = old_member(make_user), old_member(make_user)
    thread, _ = forum.start_thread(ada, cat.pk, "Soups", "Yours?")
    assert posts_of(client, ada, thread.pk)["follow"] == "watching"  # started it
    assert posts_of(client, ben, thread.pk)["follow"] == "normal"
    threads_url = f"/api/forum/categories/{cat.pk}/threads"
    assert api_json(client.get(threads_url, **bearer(ben)))["follow"] == "normal"

    for body in (
        {"level": "muted", "thread": thread.pk},
        {"level": "watching", "category": cat.pk},
    ):
        done = client.put(
            "/api/forum/follows", body, content_type="application/json", **bearer(ben)
        )
        assert done.status_code == 204

    assert posts_of(client, ben, thread.pk)["follow"] == "muted"
    assert api_json(client.get(threads_url, **bearer(ben)))["follow"] == "watching"
    assert posts_of(client, ada, thread.pk)["follow"] == "watching"


def test_handles_are_found_by_handle_or_shown_name_never_by_email_or_across_a_block(
    client, make_user
):
    me = old_member(make_user, display_name="Me Myself")
    ada = old_member(make_user, display_name="Ada Artichoke", email="secret-zed@example.org")
    adam = old_member(make_user, display_name="Adam Pseudo")
    blocker = old_member(make_user, display_name="Adele Blocker")
    blocked = old_member(make_user, display_name="Adrian Blocked")
    profiles.update_profile(ada, handle="ada_cooks", name_style="full")
    profiles.update_profile(adam, handle="greenleaf", name_style="pseudonym")
    profiles.update_profile(blocker, handle="adele", name_style=None)
    profiles.update_profile(blocked, handle="adrian", name_style=None)
    profiles.profile_of(me)
    Block.objects.create(blocker=blocker, blocked=me)
    Block.objects.create(blocker=me, blocked=blocked)

    def found(q: str) -> list[str]:
        answer = client.get("/api/forum/handles", {"q": q}, **bearer(me))
        assert answer.status_code == 200, answer.content
        return [h["handle"] for h in api_json(answer)]

    assert found("ad") == ["ada_cooks"]  # not the pseudonym, not across blocks
    assert found("@ada") == ["ada_cooks"]
    assert found("artich") == ["ada_cooks"]  # a full name's later word
    assert found("green") == ["greenleaf"]
    assert found("pseudo") == []  # a pseudonym's real name stays theirs
    assert found("secret") == [] and found("zed") == []  # never by e-mail
    assert found("me") == []  # not myself
    answer = api_json(client.get("/api/forum/handles", {"q": "ada"}, **bearer(me)))
    assert answer == [{"handle": "ada_cooks", "name": "Ada Artichoke"}]
    refused = client.get("/api/forum/handles", {"q": "@"}, **bearer(me))
    assert refused.status_code == 400
    assert client.get("/api/forum/handles", {"q": "ad"}).status_code == 401


def test_handle_search_is_bounded(client, make_user):
    me = old_member(make_user)
    for n in range(12):
        profiles.update_profile(old_member(make_user), handle=f"cook_{n:02}", name_style=None)
    answer = api_json(client.get("/api/forum/handles", {"q": "cook"}, **bearer(me)))
    assert len(answer) == profiles.MAX_HANDLES


@override_settings(HANDLE_SEARCHES_PER_MINUTE=3)
def test_handle_searches_are_limited_per_member(client, make_user):
    me, other = old_member(make_user), old_member(make_user)
    asked = [client.get("/api/forum/handles", {"q": "z"}, **bearer(me)) for _ in range(4)]
    assert [a.status_code for a in asked] == [200, 200, 200, 429]
    assert api_json(asked[-1])["code"] == "rate_limited"
    assert client.get("/api/forum/handles", {"q": "z"}, **bearer(other)).status_code == 200


def test_moderators_get_the_author_to_act_on_and_the_suspensions_in_force(client, make_user):
    cat = Category.objects.create(name="Ontario", slug="on", region="ca-on")
    mod = make_user(Role.MODERATOR)
    ModeratorScope.objects.create(moderator=mod, region="ca-on")
    author = old_member(make_user, region="ca-on")
    reader = old_member(make_user, region="ca-on")
    thread, _ = forum.start_thread(author, cat.pk, "Soups", "Yours?")

    assert posts_of(client, mod, thread.pk)["posts"][0]["author_id"] == author.pk
    assert posts_of(client, reader, thread.pk)["posts"][0]["author_id"] is None

    made = client.post(
        "/api/forum/moderation/suspensions",
        {"user": author.pk, "hours": 24, "reason": "spam"},
        content_type="application/json",
        **bearer(mod),
    )
    assert made.status_code == 201
    listed = api_json(client.get("/api/forum/moderation/suspensions", **bearer(mod)))
    assert [(s["user"], s["reason"]) for s in listed] == [(author.pk, "spam")]
    # Reading who is suspended, and why, is in the member's access log.
    assert AccessAuditEntry.objects.filter(
        actor=mod, subject=author, action="list", resource="forum suspensions"
    ).exists()
    assert client.get("/api/forum/moderation/suspensions", **bearer(reader)).status_code == 403
    lifted = client.delete(
        f"/api/forum/moderation/suspensions/{listed[0]['id']}?reason=sorted",
        **bearer(mod),
    )
    assert lifted.status_code == 204
    assert api_json(client.get("/api/forum/moderation/suspensions", **bearer(mod))) == []


def test_the_moderation_page_is_for_moderators_and_admins(client, make_user):
    member, mod = make_user(Role.CUSTOMER), make_user(Role.MODERATOR)
    client.force_login(member)
    refused = client.get("/moderation")
    assert refused.status_code == 403 and b"for the forum" in refused.content
    client.force_login(mod)
    page = client.get("/moderation")
    assert page.status_code == 200 and b"Review queue" in page.content
