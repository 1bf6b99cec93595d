"""Who sees which profile field, on the profile and on the community card: the customer
everything; a professional of their care team, with consent to care, what is shared with
the care team; a professional without that consent, a former one, another customer, a
moderator and an admin nothing (404) but the community card. Reads by others are in the
customer's access log; one's own reads are not."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import AccessAuditEntry, Block, User
from accounts.roles import Role
from advice.models import CareTeamMember
from community.forum import profiles as forum_profiles
from community.messaging import services as messaging
from profiles import cards
from profiles.models import Consent
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def patch(client, user: User, customer: User, body: dict[str, Any]):
    return client.patch(
        f"/api/customers/{customer.pk}/profile",
        body,
        content_type="application/json",
        **bearer(user),
    )


def fill(client, customer: User) -> None:
    """City on the community card, bio only for me, conditions and sex for the care team
    (their default), sleep only for me."""
    response = patch(
        client,
        customer,
        customer,
        {
            "version": 0,
            "values": {
                "city": "Toronto",
                "bio": "Cyclist",
                "conditions": ["prediabetes"],
                "sex": "female",
                "sleep_hours": 6.5,
            },
            "audiences": {"city": "community", "sleep_hours": "only_me"},
        },
    )
    assert response.status_code == 200, response.content


@pytest.fixture
def people(make_user) -> dict[str, User]:
    customer = make_user(display_name="Casey Customer")
    dietitian = make_user(Role.DIETITIAN, display_name="Dana Dietitian")
    provider = make_user(Role.MEDICAL_PROVIDER, display_name="Max Medic")
    former = make_user(Role.DIETITIAN, display_name="Fern Former")
    for professional in (dietitian, provider):
        CareTeamMember.objects.create(customer=customer, professional=professional)
    return {
        "customer": customer,
        "care": dietitian,
        "care_without_consent": provider,
        "former": former,
        "other_customer": make_user(display_name="Olly Other"),
        "moderator": make_user(Role.MODERATOR, display_name="Mo Moderator"),
        "admin": make_user(Role.ADMIN, display_name="Ada Admin"),
    }


def consent_to_care(customer: User) -> None:
    Consent.objects.create(customer=customer, purpose="care", version="1")


def reads_of(customer: User) -> list[tuple[str, str, str]]:
    return list(
        AccessAuditEntry.objects.filter(subject=customer)
        .order_by("id")
        .values_list("actor_label", "action", "resource")
    )


def test_the_profile_is_seen_as_its_audiences_allow(client, people):
    customer = people["customer"]
    fill(client, customer)
    # Consent to care lets the care team in; the medical provider's team place alone
    # would not, but consent is the customer's, for the whole team.
    consent_to_care(customer)
    CareTeamMember.objects.filter(professional=people["care_without_consent"]).delete()

    own = api_json(client.get(f"/api/customers/{customer.pk}/profile", **bearer(customer)))
    shown = {f["key"]: (f["value"], f["audience"]) for f in own["fields"]}
    assert shown["city"] == ("Toronto", "community")
    assert shown["bio"] == ("Cyclist", "only_me")
    assert shown["sleep_hours"] == (6.5, "only_me")
    assert shown["birth_date"] == (None, "care_team")  # asked for, not given yet
    assert own["version"] == 1 and own["customer"] == {"id": customer.pk, "name": "Casey Customer"}
    assert reads_of(customer) == []  # one's own reads are nobody else's access

    care = api_json(client.get(f"/api/customers/{customer.pk}/profile", **bearer(people["care"])))
    assert {f["key"]: f["value"] for f in care["fields"]} == {
        "sex": "female",
        "conditions": ["prediabetes"],
        "city": "Toronto",
    }
    assert reads_of(customer) == [("Dana Dietitian", "read", "profile")]

    for who in ("care_without_consent", "former", "other_customer", "moderator", "admin"):
        response = client.get(f"/api/customers/{customer.pk}/profile", **bearer(people[who]))
        assert response.status_code == 404, who
        assert api_json(response)["code"] == "not_found"
        # Nobody else reads the history or changes anything either.
        history = client.get(f"/api/customers/{customer.pk}/profile/history", **bearer(people[who]))
        assert history.status_code == 403, who
        refused = patch(client, people[who], customer, {"version": 1, "values": {"city": "X"}})
        assert refused.status_code == 403, who
    assert len(reads_of(customer)) == 1
    # A customer that does not exist is answered the same way.
    missing = client.get("/api/customers/987654321/profile", **bearer(people["care"]))
    assert missing.status_code == 404


def test_without_consent_to_care_or_after_leaving_the_care_team_nothing_is_seen(client, people):
    customer = people["customer"]
    fill(client, customer)
    url = f"/api/customers/{customer.pk}/profile"
    assert client.get(url, **bearer(people["care"])).status_code == 404
    consent_to_care(customer)
    assert client.get(url, **bearer(people["care"])).status_code == 200
    Consent.objects.filter(customer=customer).update(withdrawn_at="2030-01-01T00:00:00Z")
    assert client.get(url, **bearer(people["care"])).status_code == 404
    consent_to_care(customer)
    CareTeamMember.objects.filter(professional=people["care"]).delete()
    assert client.get(url, **bearer(people["care"])).status_code == 404


def test_the_card_shows_only_display_fields_for_the_community(client, people, make_user):
    customer = people["customer"]
    fill(client, customer)
    consent_to_care(customer)
    # A card by id is for those who know the member by that id: a stranger is told there
    # is nobody, as for an id that names nobody, and nothing is logged.
    stranger = make_user(display_name="Stranger")
    for member_id in (customer.pk, 987654321):
        unknown = client.get(f"/api/users/{member_id}/card", **bearer(stranger))
        assert unknown.status_code == 404 and api_json(unknown)["message"] == "no such member"
    assert not reads_of(customer)
    # Everyone else shares a conversation with the customer (or cares for them).
    messaging.start_conversation(people["admin"], [u.pk for u in people.values()])
    for who, user in people.items():
        response = client.get(f"/api/users/{customer.pk}/card", **bearer(user))
        assert response.status_code == 200, who
        assert api_json(response) == {
            "id": customer.pk,
            "name": "Casey Customer",
            "role": "customer",
            "fields": [{"key": "city", "label": "City", "value": "Toronto", "text": "Toronto"}],
        }, who
    readers = {label for label, _, resource in reads_of(customer) if resource == "profile card"}
    assert readers == {u.display_name for w, u in people.items() if w != "customer"}
    assert "Stranger" not in readers
    # A medical value never reaches the community: the audience is refused.
    refused = patch(
        client, customer, customer, {"version": 1, "audiences": {"conditions": "community"}}
    )
    assert refused.status_code == 400
    assert api_json(refused)["field"] == "audiences.conditions"
    # Nothing shown, nothing logged; a member who is gone has no card.
    quiet = people["other_customer"]
    before = AccessAuditEntry.objects.count()
    assert api_json(client.get(f"/api/users/{quiet.pk}/card", **bearer(customer)))["fields"] == []
    assert AccessAuditEntry.objects.count() == before
    quiet.is_active = False
    quiet.save()
    assert client.get(f"/api/users/{quiet.pk}/card", **bearer(customer)).status_code == 404


def test_card_fields_for_many_members_in_bounded_queries(
    client, people, make_user, django_assert_max_num_queries
):
    members = [make_user(display_name=f"Member {n}") for n in range(6)]
    for n, member in enumerate(members):
        patch(
            client,
            member,
            member,
            {"version": 0, "values": {"city": f"Town {n}"}, "audiences": {"city": "community"}},
        )
    viewer = people["other_customer"]
    Block.objects.create(blocker=members[0], blocked=viewer)
    ids = [m.pk for m in members] + [people["customer"].pk]
    # Fields, blocks, and the audit entries (one insert).
    with django_assert_max_num_queries(4):
        found = cards.card_fields(viewer, ids)
    assert found[members[0].pk] == []  # blocks the viewer: shows them nothing
    assert [f["value"] for f in found[members[5].pk]] == ["Town 5"]
    assert found[people["customer"].pk] == []


def test_narrowing_tells_the_care_team_and_changes_are_told_by_key(client, people, monkeypatch):
    customer = people["customer"]
    consent_to_care(customer)
    narrowed: list[list[int]] = []
    told: list[tuple[int, list[str]]] = []
    monkeypatch.setattr(
        "profiles.values.narrow_rights", lambda user_ids, **_: narrowed.append(user_ids)
    )
    monkeypatch.setattr(
        "profiles.values.tell_profile", lambda customer_id, keys: told.append((customer_id, keys))
    )
    fill(client, customer)
    # Sleep and bio are only the customer's: the care team is not told of them.
    assert told == [(customer.pk, ["sex", "conditions", "city"])]
    assert narrowed == []
    response = patch(
        client, customer, customer, {"version": 1, "audiences": {"conditions": "only_me"}}
    )
    assert response.status_code == 200
    team = sorted([people["care"].pk, people["care_without_consent"].pk])
    assert narrowed == [team]
    assert told[-1] == (customer.pk, ["conditions"])
    care = api_json(client.get(f"/api/customers/{customer.pk}/profile", **bearer(people["care"])))
    assert "conditions" not in {f["key"] for f in care["fields"]}


def test_the_care_page_of_a_customer_is_for_their_care_team_only(client, people):
    customer = people["customer"]
    fill(client, customer)
    page = f"/care/customers/{customer.pk}"
    for who in ("former", "other_customer", "moderator", "admin", "customer"):
        client.force_login(people[who])
        assert client.get(page).status_code == 404, who
    client.force_login(people["care"])
    assert client.get("/care/customers/987654321").status_code == 404
    # In the care team without consent to care: nothing is shared, and it says so.
    waiting = client.get(page).content.decode()
    assert "Nothing of Casey Customer\u2019s profile is shared" in waiting
    assert "care-customer.js" not in waiting
    consent_to_care(customer)
    shared = client.get(page).content.decode()
    assert "Casey Customer\u2019s profile" in shared and "care-customer.js" in shared
    assert f'href="/care/customers/{customer.pk}/results"' in shared
    # The page names the customer; their values come from the API (audited there).
    assert "Toronto" not in shared and reads_of(customer) == []
    client.force_login(customer)
    assert client.get("/profile").status_code == 200
    assert 'href="/profile" aria-current="page"' in client.get("/profile").content.decode()


def test_a_forum_author_card_is_found_by_handle_and_a_pseudonym_shows_nothing(client, people):
    customer = people["customer"]
    fill(client, customer)
    handle = forum_profiles.profile_of(customer).handle
    viewer = people["other_customer"]
    card = api_json(client.get(f"/api/forum/members/{handle}/card", **bearer(viewer)))
    assert card == {
        "handle": handle,
        "name": "Casey C.",
        "role": "customer",
        "fields": [{"key": "city", "label": "City", "value": "Toronto", "text": "Toronto"}],
    }
    forum_profiles.update_profile(customer, handle=None, name_style="pseudonym")
    card = api_json(client.get(f"/api/forum/members/{handle}/card", **bearer(viewer)))
    assert card == {"handle": handle, "name": handle, "role": "", "fields": []}
    missing = client.get("/api/forum/members/nobody_here/card", **bearer(viewer))
    assert missing.status_code == 404
