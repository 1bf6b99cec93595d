"""Two edits of one profile made from the same version: one wins, the other is refused
with 409 ``edit_conflict`` and the current version, and nothing is lost: sent again from
that version, both changes stand, each in the history."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from profiles import values
from profiles.models import Attribute, Profile, ProfileChange
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def patch(client, customer, body: dict[str, Any]):
    return client.patch(
        f"/api/customers/{customer.pk}/profile",
        body,
        content_type="application/json",
        **bearer(customer),
    )


def test_the_second_edit_from_the_same_version_gets_409_and_loses_nothing(client, customer):
    assert patch(client, customer, {"version": 0, "values": {"city": "Lyon"}}).status_code == 200
    # Two tabs opened at version 1: the phone saves first.
    phone = patch(client, customer, {"version": 1, "values": {"bio": "Runner"}})
    assert phone.status_code == 200 and api_json(phone)["version"] == 2
    laptop = patch(client, customer, {"version": 1, "values": {"sleep_hours": 7}})
    assert laptop.status_code == 409
    assert api_json(laptop) == {
        "code": "edit_conflict",
        "message": api_json(laptop)["message"],
        "current_version": 2,
    }
    # The laptop reloads (the phone's bio is there), keeps what was typed, sends it again.
    fields = {
        f["key"]: f["value"]
        for f in api_json(client.get(f"/api/customers/{customer.pk}/profile", **bearer(customer)))[
            "fields"
        ]
    }
    assert fields["bio"] == "Runner" and fields["sleep_hours"] is None
    again = patch(client, customer, {"version": 2, "values": {"sleep_hours": 7}})
    assert again.status_code == 200
    fields = {f["key"]: f["value"] for f in api_json(again)["fields"]}
    assert (fields["city"], fields["bio"], fields["sleep_hours"]) == ("Lyon", "Runner", 7)
    assert ProfileChange.objects.filter(customer=customer).count() == 3


@pytest.mark.postgres  # row locks are PostgreSQL's
@pytest.mark.django_db(transaction=True)
def test_edits_at_the_same_moment_are_serialised_on_the_profile_row(make_user):
    # A transactional test starts from emptied tables: the starter attributes may be gone.
    for key in ("city", "bio"):
        Attribute.objects.get_or_create(
            key=key, defaults={"labels": {"en": key}, "kind": "text", "display_field": True}
        )
    customer = make_user()
    Profile.objects.create(customer=customer)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def edit(key: str, value: Any) -> None:
        start.wait()
        try:
            values.update_profile(
                customer, customer.pk, version=0, values={key: value}, audiences={}
            )
            outcomes[key] = "saved"
        except values.EditConflict as conflict:
            outcomes[key] = f"conflict at {conflict.current_version}"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=edit, args=("city", "Lyon")),
        threading.Thread(target=edit, args=("bio", "Runner")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["conflict at 1", "saved"]
    assert Profile.objects.get(customer=customer).version == 1
    saved = next(key for key, outcome in outcomes.items() if outcome == "saved")
    assert list(
        ProfileChange.objects.filter(customer=customer).values_list("attribute__key", flat=True)
    ) == [saved]
