"""The privacy matrix (issue 12, ADR 0014): every viewer x every audience x every door.

Two customers keep the same kind of record, every value in it unique: Alice, whose
consent to care stands, and Bob, who withdrew his. Each has a display field at each
audience (city: community, bio: care team, favourite trail: only me), a medical field at
each (family history: community is refused, and a bad row saying it counts as the care
team; health notes: care team; medications: only me), an old value in the history, and
two tests' results (waist: care team, entered by a professional; weight: only me, with a
corrected older value).

The viewers: each customer, Alice's dietitian and medical provider (in her care team,
consent standing), Bob's dietitian (in his care team, consent withdrawn), a dietitian who
left Alice's care team, a dietitian in no care team, another customer, a moderator and
an admin. The doors: the HTTP API (profile, its history, results, latest per test, chart
series, a result's versions, FHIR), the community card (by id, by forum handle, and
``card_fields`` for chats), the socket (following ``health:{customer}`` and its
``health.changed`` events), the download of all one's data, e-mail, the analytics
querysets and the Django admin.

Each secret is searched in the whole answer: present exactly where the rule says, absent
everywhere else. Each read by someone else that showed something is one entry in the
customer's access log; a refused read writes nothing. The expected visibility is stated
here (``relation``, ``sees``), not asked of ``profiles.permissions``.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib import admin as django_admin
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessAuditEntry, User
from accounts.roles import Role
from advice.models import CareTeamMember
from community.forum import profiles as forum_profiles
from community.messaging import sending
from community.messaging import services as messaging
from notifications.kinds import KINDS
from notifications.models import Notification
from profiles import cards, cohorts
from profiles.consents import TEXTS
from profiles.models import Attribute, Audience, MedicalTest, ProfileValue
from profiles.topics import topic_of
from tests.helpers import PASSWORD, api_json, bearer, new_user
from tests.realtime.helpers import disconnect_all, receive_json, signed_in

pytestmark = pytest.mark.django_db

SELF, CARE, OTHER = "self", "care", "other"
ONLY_ME, CARE_TEAM, COMMUNITY = Audience.ONLY_ME.value, Audience.CARE_TEAM.value, "community"

VIEWERS: dict[str, tuple[str, str]] = {
    "alice": (Role.CUSTOMER, "a customer whose consent to care stands"),
    "bob": (Role.CUSTOMER, "a customer who withdrew consent to care"),
    "care_dietitian": (Role.DIETITIAN, "Alice's dietitian, consent standing"),
    "care_provider": (Role.MEDICAL_PROVIDER, "Alice's medical provider, consent standing"),
    "withdrawn_dietitian": (Role.DIETITIAN, "Bob's dietitian, consent withdrawn"),
    "former_dietitian": (Role.DIETITIAN, "a dietitian who left Alice's care team"),
    "outsider_dietitian": (Role.DIETITIAN, "a dietitian in no care team of theirs"),
    "other_customer": (Role.CUSTOMER, "another customer"),
    "moderator": (Role.MODERATOR, "a moderator"),
    "admin": (Role.ADMIN, "an admin"),
}
SUBJECTS = ("alice", "bob")


def relation(viewer: str, subject: str) -> str:
    """What ``viewer`` is to ``subject``'s record, as the rule says (ADR 0014)."""
    if viewer == subject:
        return SELF
    if subject == "alice" and viewer in ("care_dietitian", "care_provider"):
        return CARE
    return OTHER


def knows(viewer: str, subject: str) -> bool:
    """Whether ``viewer`` knows ``subject`` by id (themselves, a shared conversation,
    either side of a care relationship, with consent or not): the card by id opens."""
    team = {("care_dietitian", "alice"), ("care_provider", "alice"), ("withdrawn_dietitian", "bob")}
    return viewer == subject or (viewer, subject) in team


# --- what each customer keeps ------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    key: str
    display: bool
    # The audience the customer chooses, and the one that applies.
    chosen: str
    applies: str


FIELDS = (
    Field("city", True, COMMUNITY, COMMUNITY),
    Field("bio", True, CARE_TEAM, CARE_TEAM),
    Field("favourite_trail", True, ONLY_ME, ONLY_ME),
    # Community is refused on a medical field; a row saying so anyway counts as care team.
    Field("family_history", False, COMMUNITY, CARE_TEAM),
    Field("health_notes", False, CARE_TEAM, CARE_TEAM),
    Field("medications", False, ONLY_ME, ONLY_ME),
)
# Defined by the admin when missing (a flushed database has no starter set).
DEFINITIONS: dict[str, dict[str, Any]] = {
    "city": {"labels": {"en": "City"}, "kind": "text", "section": "about",
             "display_field": True, "default_audience": ONLY_ME, "maximum": 80},
    "bio": {"labels": {"en": "About me"}, "kind": "text", "section": "about",
            "display_field": True, "default_audience": ONLY_ME, "maximum": 500},
    "favourite_trail": {"labels": {"en": "Favourite trail"}, "kind": "text",
                        "section": "about", "display_field": True,
                        "default_audience": ONLY_ME, "maximum": 80},
    "family_history": {"labels": {"en": "Family history"}, "kind": "text",
                       "section": "health", "maximum": 500},
    "health_notes": {"labels": {"en": "Health notes"}, "kind": "text", "section": "health",
                     "maximum": 500},
    "medications": {"labels": {"en": "Medications"}, "kind": "text", "section": "health",
                    "maximum": 500},
}  # fmt: skip
TESTS = {"weight": ONLY_ME, "waist": CARE_TEAM}
UNITS = {"weight": "kg", "waist": "cm"}
CATALOGUE: dict[str, dict[str, Any]] = {
    "weight": {"names": {"en": "Weight"}, "unit": "kg", "plausible_min": 2, "plausible_max": 400},
    "waist": {"names": {"en": "Waist"}, "unit": "cm", "plausible_min": 30, "plausible_max": 300},
}
# Unusual numbers, each once: (the first weight, corrected to, the waist).
NUMBERS = {"alice": (72.583, 73.417, 88.731), "bob": (65.871, 64.129, 79.317)}
# The socket test's second round: (a new weight, a new waist).
NEW_NUMBERS = {"alice": (74.291, 87.643), "bob": (63.457, 78.269)}

# Where a secret is kept: a current profile value, an earlier one (history only), a
# current result (its value or note), a corrected one (a result's versions only).
PROFILE, PROFILE_OLD, RESULT, RESULT_OLD = "profile", "old profile value", "result", "old result"


@dataclass(frozen=True)
class Secret:
    text: str
    owner: str
    kept: str
    key: str
    applies: str
    display: bool = False
    note: bool = False

    def __str__(self) -> str:
        part = "note" if self.note else "value"
        return f"{self.owner}'s {self.key} {part} ({self.kept}, audience {self.applies})"


def sees(rel: str, secret: Secret) -> bool:
    """Whether a viewer in ``rel`` may see ``secret`` on a door that carries it."""
    if rel == SELF:
        return True
    if rel == CARE:
        return secret.applies in (CARE_TEAM, COMMUNITY)
    return secret.applies == COMMUNITY and secret.display


def unique(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}"


# --- the API, as a member's client calls it -----------------------------------------------


class Api:
    """The test client with each member's bearer token (one token per member)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.tokens: dict[int, dict[str, str]] = {}

    def headers(self, user: User) -> dict[str, str]:
        if user.pk not in self.tokens:
            self.tokens[user.pk] = {"authorization": bearer(user)["HTTP_AUTHORIZATION"]}
        return self.tokens[user.pk]

    def get(self, user: User, path: str) -> Any:
        return self.client.get(path, headers=self.headers(user))

    def call(
        self, method: str, user: User, path: str, body: Any = None, expect: int | None = None
    ) -> Any:
        response = self.client.generic(
            method,
            path,
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers=self.headers(user),
        )
        if expect is not None:
            assert response.status_code == expect, (method, path, response.content[:300])
        return response


def text_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return str(response.content.decode())


@dataclass
class World:
    api: Api
    users: dict[str, User]
    secrets: list[Secret] = field(default_factory=list)
    # (customer, test) -> the current result's id
    results: dict[tuple[str, str], int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)

    def of(self, owner: str) -> list[Secret]:
        return [s for s in self.secrets if s.owner == owner]


def ensure_definitions(api: Api, admin: User) -> None:
    """The fields and tests the matrix uses; the admin defines those missing, as admins do."""
    for key, definition in DEFINITIONS.items():
        if not Attribute.objects.filter(key=key).exists():
            api.call("POST", admin, "/api/profile/attributes", {"key": key, **definition}, 201)
    for code, defaults in CATALOGUE.items():
        MedicalTest.objects.get_or_create(code=code, defaults=defaults)


def people(client: Client) -> World:
    """The viewers; Alice's and Bob's consents and care teams, made through the API."""
    api = Api(client)
    tag = uuid.uuid4().hex[:6]
    users = {
        # Verified addresses: everyone may be mailed, so the mail door is open.
        name: new_user(
            role,
            display_name=f"{name.replace('_', ' ').title()} {tag}",
            email_verified_at=timezone.now(),
        )
        for name, (role, _) in VIEWERS.items()
    }
    world = World(api, users)
    admin = users["admin"]
    ensure_definitions(api, admin)
    for customer, purposes in (("alice", ("care", "analytics")), ("bob", ("care",))):
        for purpose in purposes:
            body = {"version": TEXTS[purpose].version}
            api.call("POST", users[customer], f"/api/me/consents/{purpose}", body, 200)
    for customer, dietitian in (("alice", "care_dietitian"), ("bob", "withdrawn_dietitian")):
        asked = api.call(
            "POST", users[customer], "/api/care-requests",
            {"professional_id": users[dietitian].pk}, 201,
        )  # fmt: skip
        accept = f"/api/care-requests/{api_json(asked)['id']}/accept"
        api.call("POST", users[dietitian], accept, None, 200)
    for professional in ("care_provider", "former_dietitian"):
        team = {"customer_id": users["alice"].pk, "professional_id": users[professional].pk}
        api.call("POST", admin, "/api/care-team", team, 204)
    return world


def fill(world: World) -> None:
    """Each customer fills their record through the API; the professionals of their care
    team enter the waist."""
    api, users = world.api, world.users
    for owner in SUBJECTS:
        customer = users[owner]
        profile = f"/api/customers/{customer.pk}/profile"
        old_city = unique(f"{owner}-oldcity")
        body = {"version": 0, "values": {"city": old_city}, "audiences": {"city": COMMUNITY}}
        api.call("PATCH", customer, profile, body, 200)
        world.secrets.append(Secret(old_city, owner, PROFILE_OLD, "city", ONLY_ME, True))
        # Community on a medical field is refused, naming it.
        for f in [f for f in FIELDS if f.chosen != f.applies]:
            refused = api.call(
                "PATCH", customer, profile, {"version": 1, "audiences": {f.key: f.chosen}}, 400
            )
            assert api_json(refused)["field"] == f"audiences.{f.key}"
        values = {f.key: unique(f"{owner}-{f.key}") for f in FIELDS}
        audiences = {f.key: f.applies for f in FIELDS}
        changed = api.call(
            "PATCH", customer, profile,
            {"version": 1, "values": values, "audiences": audiences}, 200,
        )  # fmt: skip
        world.versions[owner] = api_json(changed)["version"]
        for f in FIELDS:
            world.secrets.append(Secret(values[f.key], owner, PROFILE, f.key, f.applies, f.display))
        # A row with it all the same (a bad row, or an old one): every door must count it
        # as the care team's.
        for f in [f for f in FIELDS if f.chosen != f.applies]:
            rows = ProfileValue.objects.filter(customer=customer, attribute__key=f.key)
            assert rows.update(audience=f.chosen) == 1

        for code, audience in TESTS.items():
            path = f"/api/customers/{customer.pk}/tests/{code}/audience"
            api.call("PUT", customer, path, {"audience": COMMUNITY}, 400)
            api.call("PUT", customer, path, {"audience": audience}, 200)
        first, corrected, waist = NUMBERS[owner]
        note = unique(f"{owner}-weight-note")
        made = api.call(
            "POST", customer, f"/api/customers/{customer.pk}/results",
            {"test": "weight", "value": first, "unit": "kg", "note": note,
             "taken_at": "2024-03-01T08:00:00+00:00"}, 201,
        )  # fmt: skip
        amended = api.call(
            "POST", customer, f"/api/results/{api_json(made)['id']}/amend",
            {"value": corrected, "unit": "kg", "reason": "the scale was not zeroed"}, 201,
        )  # fmt: skip
        world.results[owner, "weight"] = api_json(amended)["id"]
        world.secrets += [
            Secret(f"{first}", owner, RESULT_OLD, "weight", ONLY_ME),
            Secret(f"{corrected}", owner, RESULT, "weight", ONLY_ME),
            Secret(note, owner, RESULT, "weight", ONLY_ME, note=True),
        ]
        professional = users["care_dietitian" if owner == "alice" else "withdrawn_dietitian"]
        note = unique(f"{owner}-waist-note")
        made = api.call(
            "POST", professional, f"/api/customers/{customer.pk}/results",
            {"test": "waist", "value": waist, "unit": "cm", "note": note,
             "taken_at": "2024-03-02T08:00:00+00:00"}, 201,
        )  # fmt: skip
        world.results[owner, "waist"] = api_json(made)["id"]
        world.secrets += [
            Secret(f"{waist}", owner, RESULT, "waist", CARE_TEAM),
            Secret(note, owner, RESULT, "waist", CARE_TEAM, note=True),
        ]
    # The dietitian who is about to leave saw what Alice shares, while in her care team.
    seen = api.get(users["former_dietitian"], f"/api/customers/{users['alice'].pk}/profile")
    assert seen.status_code == 200


def narrow(world: World) -> None:
    """A dietitian leaves Alice's care team; Bob withdraws his consent to care."""
    api, users = world.api, world.users
    alice, former = users["alice"].pk, users["former_dietitian"].pk
    api.call("DELETE", users["former_dietitian"], f"/api/care-team/{alice}/{former}", None, 204)
    api.call("DELETE", users["bob"], "/api/me/consents/care", None, 204)


def build(client: Client) -> World:
    world = people(client)
    fill(world)
    narrow(world)
    return world


# --- checking one answer ------------------------------------------------------------------


def assert_exactly(body: str, shown: set[Secret], world: World, case: str) -> None:
    """Every secret of ``shown`` is in ``body``, and no other secret of anybody's."""
    missing = sorted(str(s) for s in shown if s.text not in body)
    leaked = sorted(str(s) for s in world.secrets if s not in shown and s.text in body)
    assert not missing, f"{case}: should show {missing}"
    assert not leaked, f"{case}: LEAKS {leaked}"


def last_audit_id() -> int:
    return AccessAuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def assert_audited(world: World, viewer: str, subjects: list[str], since: int, case: str) -> None:
    """Since ``since``: exactly one entry about each of ``subjects`` by ``viewer``, and
    nothing else in anybody's log."""
    written = list(
        AccessAuditEntry.objects.filter(id__gt=since).values_list("actor_id", "subject_id")
    )
    expected = [(world.users[viewer].pk, world.users[s].pk) for s in subjects]
    assert sorted(written) == sorted(expected), f"{case}: audit {written}, not {expected}"


@dataclass(frozen=True)
class Door:
    name: str
    path: str
    # Which secrets of the customer whose record it is this door may carry at all.
    carries: Callable[[Secret], bool]
    # Whether (viewer, subject) is answered (else ``refused``, with nothing).
    opens: Callable[[str, str], bool]
    refused: int = 404


def record_doors(world: World, subject: str) -> list[Door]:
    pk = world.users[subject].pk
    customer = f"/api/customers/{pk}"

    def shared(viewer: str, subject: str) -> bool:
        return relation(viewer, subject) in (SELF, CARE)

    def own(viewer: str, subject: str) -> bool:
        return relation(viewer, subject) == SELF

    doors = [
        Door("profile", f"{customer}/profile", lambda s: s.kept == PROFILE, shared),
        Door(
            "profile history",
            f"{customer}/profile/history",
            lambda s: s.kept in (PROFILE, PROFILE_OLD),
            own,
            403,
        ),
        Door("results", f"{customer}/results", lambda s: s.kept == RESULT, shared),
        Door(
            "latest per test",
            f"{customer}/tests",
            lambda s: s.kept == RESULT and not s.note,
            shared,
        ),
        Door("FHIR export", f"{customer}/results.fhir", lambda s: s.kept == RESULT, shared),
    ]
    for code, audience in TESTS.items():

        def test_opens(viewer: str, subject: str, audience: str = audience) -> bool:
            rel = relation(viewer, subject)
            return rel == SELF or (rel == CARE and audience == CARE_TEAM)

        def in_series(s: Secret, code: str = code) -> bool:
            return s.key == code and s.kept == RESULT and not s.note

        def in_versions(s: Secret, code: str = code) -> bool:
            return s.key == code and s.kept in (RESULT, RESULT_OLD)

        doors += [
            Door(f"chart series of {code}", f"{customer}/results/series?test={code}",
                 in_series, test_opens),
            Door(f"versions of the {code} result",
                 f"/api/results/{world.results[subject, code]}/history", in_versions, test_opens),
        ]  # fmt: skip
    return doors


def on_card(secret: Secret) -> bool:
    """The community card carries what the customer put on their community profile."""
    return secret.kept == PROFILE and secret.display and secret.applies == COMMUNITY


def card_doors(world: World, subject: str) -> list[Door]:
    handle = forum_profiles.profile_of(world.users[subject]).handle
    return [
        # By id: for those who know the member by it; by the forum's handle: for anybody.
        Door("community card", f"/api/users/{world.users[subject].pk}/card", on_card, knows),
        Door("forum card", f"/api/forum/members/{handle}/card", on_card, lambda v, s: True),
    ]


def check_door(world: World, viewer: str, subject: str, door: Door) -> None:
    rel = relation(viewer, subject)
    case = f"{viewer} ({VIEWERS[viewer][1]}) x {subject}'s record x {door.name}"
    since = last_audit_id()
    response = world.api.get(world.users[viewer], door.path)
    body = text_of(response)
    opens = door.opens(viewer, subject)
    status = 200 if opens else door.refused
    assert response.status_code == status, f"{case}: {response.status_code} {body[:200]}"
    shown = {s for s in world.of(subject) if opens and door.carries(s) and sees(rel, s)}
    assert_exactly(body, shown, world, case)
    # A read by someone else that showed something is in the customer's log, once; a
    # refused read, and one's own, write nothing.
    assert_audited(world, viewer, [subject] if shown and rel != SELF else [], since, case)


def assert_nothing_mailed(world: World) -> None:
    """No mail holds a health value, and no care notice is mailed (after all the actions:
    consents, care requests accepted, care teams joined and left, values, results, reads,
    downloads, a direct message)."""
    # The care notices were given in the app; none of them went by mail.
    care_notices = set(
        Notification.objects.filter(kind__startswith="care.").values_list("title", flat=True)
    )
    assert care_notices, "the care teams formed with notices in the app"
    for message in mail.outbox:
        parts = [str(message.subject), str(message.body)]
        parts += [str(content) for content, _ in getattr(message, "alternatives", [])]
        text = "\n".join(parts)
        case = f"the mail {message.subject!r} to {message.to}"
        assert_exactly(text, set(), world, case)
        mailed = [title for title in care_notices if title in text]
        assert not mailed, f"{case} is a care notice: {mailed}"


# --- the HTTP API and the community card --------------------------------------------------


def test_every_viewer_on_every_door_of_the_api_and_the_card(
    client: Client, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = 0
    with django_capture_on_commit_callbacks(execute=True):
        world = build(client)
        # Care notices are never mailed: nobody can even ask for them by e-mail.
        for name, user in world.users.items():
            for kind in [k for k in KINDS if k.startswith("care.")]:
                refused = world.api.call(
                    "PUT", user, f"/api/notifications/preferences/{kind}",
                    {"in_app": True, "email": True},
                )  # fmt: skip
                assert refused.status_code == 400, (name, kind)
        # Alice's dietitian writes to her while she is away: that one is mailed.
        monkeypatch.setattr("community.messaging.tasks.presence.online", lambda topic: set())
        talk = messaging.start_conversation(
            world.users["care_dietitian"], [world.users["alice"].pk]
        )
        sending.send_direct_message(
            world.users["care_dietitian"], talk.pk, "Shall we look at your week?", "matrix-1"
        )
        for subject in SUBJECTS:
            doors = record_doors(world, subject) + card_doors(world, subject)
            for viewer in VIEWERS:
                for door in doors:
                    check_door(world, viewer, subject, door)
                    cases += 1
        # The pages of a customer's record for the care team: a shell naming the customer
        # (or saying nothing is shared), the values only through the API, never rendered.
        for viewer, user in world.users.items():
            browser = Client()
            browser.force_login(user)
            for subject in SUBJECTS:
                for page in ("", "/results"):
                    path = f"/care/customers/{world.users[subject].pk}{page}"
                    case = f"{viewer} ({VIEWERS[viewer][1]}) x {subject}'s page {path}"
                    since = last_audit_id()
                    response = browser.get(path)
                    assert response.status_code in (200, 302, 404), case
                    if relation(viewer, subject) == CARE:
                        assert response.status_code == 200, case
                    assert_exactly(text_of(response), set(), world, case)
                    assert_audited(world, viewer, [], since, case)
                    cases += 1
        # The door chats and listings use: many members' cards at once.
        for viewer, user in world.users.items():
            case = f"{viewer} ({VIEWERS[viewer][1]}) x card_fields of both customers"
            since = last_audit_id()
            found = cards.card_fields(user, [world.users[s].pk for s in SUBJECTS])
            shown = {s for s in world.secrets if on_card(s)}
            assert_exactly(json.dumps(found), shown, world, case)
            assert_audited(world, viewer, [s for s in SUBJECTS if s != viewer], since, case)
            cases += 1
    assert cases == len(VIEWERS) * (2 * 11 + 2 * 2 + 1)
    assert [m.to for m in mail.outbox] == [[world.users["alice"].email]]
    assert_nothing_mailed(world)


# --- the download of all one's data -------------------------------------------------------


def test_each_download_holds_the_members_own_record_and_no_one_elses(
    client: Client, django_capture_on_commit_callbacks: Any, settings: Any, tmp_path: Any
) -> None:
    settings.DATA_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        world = build(client)
    since = last_audit_id()
    with django_capture_on_commit_callbacks(execute=True):
        for user in world.users.values():
            world.api.call("POST", user, "/api/me/exports", None, 202)
    for viewer, user in world.users.items():
        case = f"{viewer} ({VIEWERS[viewer][1]}) x their own download"
        [listed] = api_json(world.api.get(user, "/api/me/exports"))
        assert listed["status"] == "ready", case
        download = world.api.get(user, listed["download_url"])
        assert download.status_code == 200, case
        with zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))) as archive:
            body = "\n".join(archive.read(name).decode() for name in archive.namelist())
        # The customer's own has everything, old values too; a professional's has none of
        # what they read or entered in their customers' records.
        assert_exactly(body, set(world.of(viewer)), world, case)
        # Somebody else's download is nobody's but theirs.
        for other in ("alice", "bob"):
            if other != viewer:
                theirs = world.api.get(world.users[other], listed["download_url"])
                assert theirs.status_code == 404, f"{other} x {case}"
    # Reading one's own data is nobody else's access; a professional's download names the
    # customers in their care, which is in those customers' access logs (and nothing else).
    logged = AccessAuditEntry.objects.filter(id__gt=since)
    assert {(e.action, e.resource, e.door) for e in logged} <= {("export", "care team", "task")}
    in_care = {
        (m.professional_id, m.customer_id)
        for m in CareTeamMember.objects.filter(professional__in=list(world.users.values()))
    }
    assert {(e.actor_id, e.subject_id) for e in logged} == in_care, "the downloads"
    assert_nothing_mailed(world)


# --- the analytics querysets --------------------------------------------------------------


def test_analytics_counts_a_customer_only_while_they_consent(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        world = build(client)
    alice, bob = world.users["alice"], world.users["bob"]
    everyone = [u.pk for u in world.users.values()]

    def counted() -> set[int]:
        return set(cohorts.counted_customers().filter(pk__in=everyone).values_list("pk", flat=True))

    def latest(code: str) -> dict[int, float | None]:
        # ``value`` is an annotation, which the type checker does not see.
        found: Any = cohorts.latest_values(code).filter(pk__in=everyone)
        return dict(found.values_list("pk", "value"))

    # Alice consents to analytics: every value of hers counts, whatever its audience
    # (nobody is shown them: a report counts); Bob never consented; staff and
    # professionals are not customers.
    assert counted() == {alice.pk}
    assert latest("weight") == {alice.pk: NUMBERS["alice"][1]}
    assert latest("waist") == {alice.pk: NUMBERS["alice"][2]}
    world.api.call("DELETE", alice, "/api/me/consents/analytics", None, 204)
    # The very next computation leaves her out.
    assert counted() == set()
    assert latest("weight") == {} and latest("waist") == {}
    world.api.call(
        "POST", bob, "/api/me/consents/analytics",
        {"version": TEXTS["analytics"].version}, 200,
    )  # fmt: skip
    assert latest("weight") == {bob.pk: NUMBERS["bob"][1]}


# --- the Django admin ---------------------------------------------------------------------

VALUE_MODELS = {
    "profiles.Profile",
    "profiles.ProfileValue",
    "profiles.ProfileChange",
    "profiles.Result",
    "profiles.TestAudience",
    "profiles.Consent",
    "profiles.DataExport",
}


def test_the_admin_shows_no_health_value_on_any_page(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        world = build(client)
    registered = {model._meta.label for model in django_admin.site._registry}
    assert not registered & VALUE_MODELS, "no page lists members' values or results"
    browser = Client()
    admin = world.users["admin"]
    signed = browser.post(
        "/admin/login/?next=/admin/", {"username": admin.email, "password": PASSWORD}
    )
    assert signed.status_code == 302, signed.content[:300]
    index = browser.get("/admin/")
    pages = {"/admin/"}
    pages |= set(re.findall(r'href="(/admin/[a-z_]+/(?:[a-z_]+/)?)"', index.content.decode()))
    for model in django_admin.site._registry:
        meta = model._meta
        pages.add(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    for owner in SUBJECTS:
        pk = world.users[owner].pk
        pages |= {f"/admin/accounts/user/{pk}/change/", f"/admin/accounts/user/{pk}/history/"}
    for attribute in Attribute.objects.filter(key__in=[f.key for f in FIELDS]):
        pages.add(f"/admin/profiles/attribute/{attribute.pk}/change/")
    assert len(pages) > 10
    for page in sorted(pages):
        response = browser.get(page)
        assert response.status_code == 200, (page, response.status_code)
        assert_exactly(response.content.decode(), set(), world, f"the admin's {page}")


# --- the socket ---------------------------------------------------------------------------


async def frame_of(sock: WebsocketCommunicator, raw: list[str]) -> dict[str, Any]:
    frame = await receive_json(sock)
    raw.append(json.dumps(frame))
    return frame


async def follow(sock: WebsocketCommunicator, topic: str, raw: list[str]) -> str:
    """``subscribed`` or the error's code."""
    await sock.send_json_to({"type": "subscribe", "topic": topic})
    while True:
        frame = await frame_of(sock, raw)
        if frame.get("topic") == topic and frame["type"] in ("subscribed", "error"):
            return "subscribed" if frame["type"] == "subscribed" else str(frame["code"])


async def drain(sock: WebsocketCommunicator, raw: list[str]) -> list[dict[str, Any]]:
    """The frames already sent or sent within a moment."""
    found = []
    while not await sock.receive_nothing(0.2):
        found.append(await frame_of(sock, raw))
    return found


def round_of_changes(world: World) -> dict[str, tuple[set[str], int]]:
    """Each customer changes every field, one at a time, and records a result of each
    test: returns, per customer, the keys the care team may see and the id of the last
    result (a waist: the care team's, so every follower hears of it last)."""
    api, out = world.api, {}
    for owner in SUBJECTS:
        customer = world.users[owner]
        for f in FIELDS:
            value = unique(f"{owner}-{f.key}-again")
            body = {"version": world.versions[owner], "values": {f.key: value}}
            changed = api.call(
                "PATCH", customer, f"/api/customers/{customer.pk}/profile", body, 200
            )
            world.versions[owner] = api_json(changed)["version"]
            world.secrets.append(Secret(value, owner, PROFILE, f.key, f.applies, f.display))
        weight, waist = NEW_NUMBERS[owner]
        for code, number, day in (("weight", weight, 3), ("waist", waist, 4)):
            made = api.call(
                "POST", customer, f"/api/customers/{customer.pk}/results",
                {"test": code, "value": number, "unit": UNITS[code],
                 "taken_at": f"2024-03-0{day}T08:00:00+00:00"}, 201,
            )  # fmt: skip
            world.secrets.append(Secret(f"{number}", owner, RESULT, code, TESTS[code]))
        care_keys = {f.key for f in FIELDS if f.applies in (CARE_TEAM, COMMUNITY)}
        out[owner] = (care_keys, api_json(made)["id"])
    return out


@dataclass
class Socket:
    """A viewer's socket, and every frame it was sent (as text)."""

    comm: WebsocketCommunicator
    raw: list[str] = field(default_factory=list)


@pytest.mark.django_db(transaction=True)
async def test_every_viewer_on_the_health_topic() -> None:
    """Following ``health:{customer}``: the customer and their care team only, dropped
    when rights narrow; ``health.changed`` reaches a follower for the fields it may see,
    and never carries a value."""
    try:
        await _socket_matrix()
    finally:
        await disconnect_all()


async def _socket_matrix() -> None:
    world = await database_sync_to_async(lambda: _filled(Client()))()
    topics = {s: topic_of(world.users[s].pk) for s in SUBJECTS}
    sockets = {viewer: Socket(await signed_in(user)) for viewer, user in world.users.items()}
    # Before anybody narrowed: the former dietitian and Bob's dietitian still may follow.
    narrowing = {("former_dietitian", "alice"), ("withdrawn_dietitian", "bob")}
    following: set[tuple[str, str]] = set()
    for viewer, sock in sockets.items():
        for subject in SUBJECTS:
            answer = await follow(sock.comm, topics[subject], sock.raw)
            allowed = relation(viewer, subject) != OTHER or (viewer, subject) in narrowing
            case = f"{viewer} ({VIEWERS[viewer][1]}) x {topics[subject]} before narrowing"
            assert answer == ("subscribed" if allowed else "forbidden"), f"{case}: {answer}"
            if allowed:
                following.add((viewer, subject))
    # Leaving the care team, and withdrawing consent, drop the socket at once; following
    # again is refused, as it is for everyone else.
    await database_sync_to_async(narrow)(world)
    for viewer, subject in sorted(narrowing):
        sock = sockets[viewer]
        case = f"{viewer} ({VIEWERS[viewer][1]}) x {topics[subject]} after narrowing"
        try:
            while (frame := await frame_of(sock.comm, sock.raw))["type"] != "error":
                pass
        except TimeoutError:
            pytest.fail(f"{case}: still follows it")
        assert (frame["code"], frame.get("topic")) == ("forbidden", topics[subject]), case
        assert await follow(sock.comm, topics[subject], sock.raw) == "forbidden", case
        following.remove((viewer, subject))
    assert {pair for pair in following if relation(*pair) == OTHER} == set()

    told = await database_sync_to_async(round_of_changes)(world)
    # Each follower hears of the changes it may see, by key or result id, up to the last
    # waist (the care team's: it is told last).
    for viewer, subject in sorted(following):
        sock, rel = sockets[viewer], relation(viewer, subject)
        case = f"{viewer} ({VIEWERS[viewer][1]}) x {topics[subject]}"
        care_keys, last = told[subject]
        keys: set[str] = set()
        tests: set[str] = set()
        while True:
            try:
                frame = await frame_of(sock.comm, sock.raw)
            except TimeoutError:
                pytest.fail(f"{case}: not told of the last result; told of {keys}, {tests}")
            if frame.get("event") != "health.changed":
                continue
            assert frame["topic"] == topics[subject], f"{case}: {frame}"
            keys |= set(frame["data"].get("keys") or [])
            tests |= {frame["data"]["test"]} if frame["data"].get("test") else set()
            if frame["data"].get("result") == last:
                break
        visible = {f.key for f in FIELDS if rel == SELF or f.applies in (CARE_TEAM, COMMUNITY)}
        assert keys <= visible, f"{case}: told of {keys - visible}, which it may not see"
        # Events are for what the care team may see; the customer's own page hears the same.
        assert keys == care_keys, f"{case}: told of {sorted(keys)}, not {sorted(care_keys)}"
        assert tests == {c for c, a in TESTS.items() if a == CARE_TEAM}, f"{case}: {tests}"
    # Nobody else heard anything of it (those dropped included), and no frame anybody was
    # sent holds a value.
    drained = await asyncio.gather(*(drain(s.comm, s.raw) for s in sockets.values()))
    for (viewer, sock), frames in zip(sockets.items(), drained, strict=True):
        case = f"{viewer} ({VIEWERS[viewer][1]})'s socket"
        late = [f for f in frames if f.get("event") == "health.changed"]
        assert late == [], f"{case}: {late}"
        assert_exactly("\n".join(sock.raw), set(), world, case)


def _filled(client: Client) -> World:
    world = people(client)
    fill(world)
    return world
