"""The contact search finds people one may message, by name only, from 3 characters."""

from __future__ import annotations

import pytest
from django.test import override_settings

from accounts.roles import Role
from advice.models import CareTeamMember
from community.messaging import services as dm
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def search(client, user, q: str):
    return client.get("/api/messaging/contacts", {"q": q}, **bearer(user))


def test_an_email_address_finds_nobody(client, make_user):
    searcher = make_user()
    make_user(email="robin.secret@example.org", display_name="Robin")
    make_user(email="sam.hidden@example.org", display_name="")
    for q in ("robin.secret@example.org", "sam.hidden@example.org", "example.org", "hidden"):
        response = search(client, searcher, q)
        assert response.status_code == 200
        assert api_json(response) == [], q


def test_a_letter_or_two_lists_nobody(client, make_user):
    searcher = make_user()
    make_user(display_name="Al")
    for q in ("", "a", "Al", "  a  "):
        response = search(client, searcher, q)
        assert response.status_code == 400, q
        assert api_json(response)["code"] == "query_too_short"


def test_only_people_one_may_message_are_found_and_only_by_name(client, make_user):
    searcher = make_user()
    make_user(email="eve.banana@example.org", display_name="Eve")
    assert api_json(search(client, searcher, "eve.banana@example.org")) == []
    bob = make_user(display_name="Bob Banana")
    closed = make_user(display_name="Cara Banana")
    dm.update_messaging_settings(closed, accept_from_customers=False)
    blocker = make_user(display_name="Dan Banana")
    dm.block(blocker, searcher.pk)
    dietitian = make_user(Role.DIETITIAN, display_name="Dana Banana")
    make_user(display_name="Gone Banana", is_active=False)

    assert [c["id"] for c in api_json(search(client, searcher, "banana"))] == [bob.pk]
    CareTeamMember.objects.create(customer=searcher, professional=dietitian)
    found = api_json(search(client, searcher, "BANANA"))
    assert sorted(c["id"] for c in found) == sorted([bob.pk, dietitian.pk])
    assert all(set(c) == {"id", "name", "role"} for c in found)


@override_settings(CONTACT_SEARCHES_PER_MINUTE=3)
def test_contact_searches_are_limited_per_member(client, make_user):
    searcher, other = make_user(), make_user()
    make_user(display_name="Banana Bread")
    assert [search(client, searcher, "banana").status_code for _ in range(3)] == [200] * 3
    refused = search(client, searcher, "banana")
    assert refused.status_code == 429
    assert api_json(refused)["code"] == "rate_limited" and api_json(refused)["retry_after"] > 0
    assert int(refused["Retry-After"]) > 0
    assert search(client, other, "banana").status_code == 200
