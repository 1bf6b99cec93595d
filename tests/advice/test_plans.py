"""Care plans: a dietitian writes a plan only for a customer in their care; the customer
sees nothing of a draft, reads the version in force, compares it with the last one and
acknowledges it; a published version never changes; templates are one's own or shared
(read by all dietitians, changed by their owner); a plan sent to a class reaches, as a
copy of their own, only those in the sender's care; bad input stores nothing; the
customer's download holds their plans and erasure takes them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from accounts.erasure import erase
from accounts.models import AccessAuditEntry, User
from accounts.personal_data import registrations
from accounts.roles import Role
from advice.models import CarePlan, CarePlanVersion, CareTeamMember, PlanBatch, PlanTemplate
from advice.plan_tasks import tell_plan_sent
from events.models import ClassSeries, Enrollment, Event
from notifications.models import Notification
from profiles.models import Consent
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db

PLAN = {
    "title": "Steadier mornings",
    "body": "Eat breakfast **before** nine.\nWalk after lunch.",
    "recommendations": ["Two portions of vegetables at lunch", "Water with each meal"],
    "tasks": [{"text": "Book a blood test"}],
    "attachments": [{"title": "Plate guide", "url": "https://example.org/plate.pdf"}],
}


def in_care(customer, professional) -> None:
    CareTeamMember.objects.get_or_create(customer=customer, professional=professional)
    Consent.objects.get_or_create(customer=customer, purpose=Consent.Purpose.CARE, version="1")


def call(client, method: str, actor, path: str, body: dict | None = None):
    send = getattr(client, method.lower())
    if body is None:
        return send("/api" + path, **bearer(actor))
    return send("/api" + path, body, content_type="application/json", **bearer(actor))


def ok(response, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return api_json(response)


@pytest.fixture
def dietitian(make_user):
    return make_user(Role.DIETITIAN, display_name="Dana Dietitian")


@pytest.fixture
def cara(make_user, dietitian):
    customer = make_user(display_name="Cara", email_verified_at=timezone.now())
    in_care(customer, dietitian)
    return customer


def new_plan(client, dietitian, customer, **fields: Any) -> dict:
    body = {**PLAN, "customer_id": customer.pk, **fields}
    return ok(call(client, "POST", dietitian, "/care-plans", body), 201)


def test_only_a_dietitian_of_the_care_team_writes_a_plan_and_nothing_is_stored_otherwise(
    client, make_user, dietitian, cara
):
    stranger = make_user(Role.DIETITIAN)
    provider = make_user(Role.MEDICAL_PROVIDER)
    in_care(cara, provider)
    other = make_user()
    body = {**PLAN, "customer_id": cara.pk}
    refused = call(client, "POST", stranger, "/care-plans", body)
    assert refused.status_code == 404
    assert api_json(refused)["message"] == "no such customer in your care"
    # An unknown customer is refused in the same words.
    body_nobody = {**PLAN, "customer_id": 10**12}
    assert api_json(call(client, "POST", stranger, "/care-plans", body_nobody)) == api_json(refused)
    # A medical provider of the care team reads plans but writes none; nor does a customer.
    assert call(client, "POST", provider, "/care-plans", body).status_code == 403
    assert call(client, "POST", other, "/care-plans", body).status_code == 403
    assert call(client, "POST", cara, "/care-plans", body).status_code == 403
    # Without the customer's consent to care, the care team writes nothing either.
    Consent.objects.filter(customer=cara).update(withdrawn_at=timezone.now())
    assert call(client, "POST", dietitian, "/care-plans", body).status_code == 404
    assert not CarePlan.objects.exists() and not CarePlanVersion.objects.exists()


def test_a_draft_is_invisible_to_the_customer_until_published_and_then_they_are_told(
    client, make_user, dietitian, cara, django_capture_on_commit_callbacks
):
    plan = new_plan(client, dietitian, cara)
    assert plan["published_version"] == 0 and plan["in_force"] is None
    assert plan["draft"]["body_html"] == (
        "<p>Eat breakfast <strong>before</strong> nine.<br>\nWalk after lunch.</p>"
    )
    path = f"/care-plans/{plan['id']}"
    assert ok(call(client, "GET", cara, "/care-plans")) == []
    assert call(client, "GET", cara, path).status_code == 404
    assert call(client, "GET", cara, path + "/versions/1").status_code == 404
    assert call(client, "POST", cara, path + "/acknowledge").status_code == 404
    # The draft is edited in place: still one version.
    edited = ok(call(client, "PATCH", dietitian, path, {"title": "Calmer mornings"}))
    assert [v["number"] for v in edited["versions"]] == [1]
    assert edited["draft"]["title"] == "Calmer mornings"
    assert not Notification.objects.filter(user=cara).exists()

    with django_capture_on_commit_callbacks(execute=True):
        published = ok(call(client, "POST", dietitian, path + "/publish"))
    assert published["published_version"] == 1 and published["draft"] is None
    mine = ok(call(client, "GET", cara, "/care-plans"))
    assert [p["in_force"]["title"] for p in mine] == ["Calmer mornings"]
    assert mine[0]["ask_url"] == f"/?with={dietitian.pk}"
    notice = Notification.objects.get(user=cara)
    assert (notice.kind, notice.title, notice.url) == (
        "plan.published",
        "A care plan was published for you",
        f"/plans#plan-{plan['id']}",
    )
    # The mail says a plan is waiting and links to it, and carries none of its words.
    (sent,) = mail.outbox
    assert sent.to == [cara.email]
    assert f"/plans#plan-{plan['id']}" in sent.body
    for words in ("Calmer", "breakfast", "vegetables", "blood test", "plate.pdf", "Dana"):
        assert words not in sent.subject + sent.body
    # Nothing more to publish.
    again = call(client, "POST", dietitian, path + "/publish")
    assert again.status_code == 409 and api_json(again)["code"] == "no_draft"
    # A professional's reads and writes are in the customer's access log.
    ok(call(client, "GET", dietitian, f"/care-plans?customer_id={cara.pk}"))
    assert AccessAuditEntry.objects.filter(
        subject=cara, actor=dietitian, resource="care plan", action="write"
    ).exists()
    assert AccessAuditEntry.objects.filter(
        subject=cara, actor=dietitian, resource="care plans"
    ).exists()


def test_a_published_version_never_changes_a_change_is_a_new_version_compared_with_the_last(
    client, dietitian, cara
):
    plan = new_plan(client, dietitian, cara)
    path = f"/care-plans/{plan['id']}"
    ok(call(client, "POST", dietitian, path + "/publish"))
    change = {
        "body": "Eat breakfast **before** nine.\nWalk after dinner too.",
        "recommendations": ["Two portions of vegetables at lunch", "Fruit as a snack"],
        "change_note": "Walks twice a day now",
    }
    changed = ok(call(client, "PATCH", dietitian, path, change))
    assert changed["published_version"] == 1
    assert changed["in_force"]["recommendations"] == PLAN["recommendations"]
    assert changed["draft"]["number"] == 2
    assert changed["draft"]["tasks"] == PLAN["tasks"]  # the rest copied from version 1
    # The customer still reads version 1 only, and may not compare with the draft.
    seen = ok(call(client, "GET", cara, path))
    assert seen["in_force"]["number"] == 1 and seen["draft"] is None
    assert [v["number"] for v in seen["versions"]] == [1]
    assert call(client, "GET", cara, path + "/compare?from=1&to=2").status_code == 404
    assert call(client, "GET", cara, path + "/versions/2").status_code == 404

    ok(call(client, "POST", dietitian, path + "/publish"))
    assert ok(call(client, "GET", cara, path + "/versions/1"))["body"] == PLAN["body"]
    diff = ok(call(client, "GET", cara, path + "/compare"))
    assert (diff["from"], diff["to"], diff["change_note"]) == (1, 2, "Walks twice a day now")
    assert diff["title"] == {"from": PLAN["title"], "to": PLAN["title"], "changed": False}
    assert diff["body"] == [
        {"op": "unchanged", "text": "Eat breakfast **before** nine."},
        {"op": "removed", "text": "Walk after lunch."},
        {"op": "added", "text": "Walk after dinner too."},
    ]
    assert diff["recommendations"] == [
        {"op": "unchanged", "text": "Two portions of vegetables at lunch"},
        {"op": "removed", "text": "Water with each meal"},
        {"op": "added", "text": "Fruit as a snack"},
    ]
    assert diff["tasks"] == [{"op": "unchanged", "text": "Book a blood test"}]
    # Any two versions, either way round; one version with itself is refused.
    back = ok(call(client, "GET", dietitian, path + "/compare?from=2&to=1"))
    assert back["recommendations"][1:] == [
        {"op": "removed", "text": "Fruit as a snack"},
        {"op": "added", "text": "Water with each meal"},
    ]
    assert call(client, "GET", cara, path + "/compare?from=2&to=2").status_code == 400
    assert call(client, "GET", cara, path + "/compare?to=7").status_code == 404
    # Version 1 as published is untouched.
    first = CarePlanVersion.objects.get(plan_id=plan["id"], number=1)
    assert first.recommendations == PLAN["recommendations"] and first.published_at


def test_the_customer_acknowledges_the_version_in_force_and_the_care_team_hears_of_it(
    client, dietitian, cara, monkeypatch
):
    told: list[tuple] = []
    monkeypatch.setattr(
        "advice.plans.tell_care_team", lambda *args: told.append(args), raising=True
    )
    plan = new_plan(client, dietitian, cara)
    path = f"/care-plans/{plan['id']}"
    ok(call(client, "POST", dietitian, path + "/publish"))
    assert call(client, "POST", dietitian, path + "/acknowledge").status_code == 404
    acknowledged = ok(call(client, "POST", cara, path + "/acknowledge"))
    assert acknowledged["in_force"]["acknowledged_at"] is not None
    assert told[-1] == (cara.pk, "plan", plan["id"])
    # A new version waits for its own acknowledgement.
    ok(call(client, "PATCH", dietitian, path, {"title": "Version two"}))
    ok(call(client, "POST", dietitian, path + "/publish"))
    seen = ok(call(client, "GET", cara, path))
    assert seen["in_force"]["acknowledged_at"] is None
    assert [v["acknowledged_at"] is not None for v in seen["versions"]] == [True, False]
    # Archived by a dietitian of the care team: read-only, still on the customer's page.
    archived = ok(call(client, "POST", dietitian, path + "/archive"))
    assert archived["archived_at"] is not None
    patch = call(client, "PATCH", dietitian, path, {"title": "Three"})
    assert patch.status_code == 409 and api_json(patch)["code"] == "plan_archived"
    assert [p["archived_at"] is not None for p in ok(call(client, "GET", cara, "/care-plans"))] == [
        True
    ]


def test_templates_are_ones_own_or_shared_and_changed_by_their_owner_only(
    client, make_user, dietitian, cara
):
    colleague = make_user(Role.DIETITIAN, display_name="Cole")
    in_care(cara, colleague)
    body = {"title": "Diabetes basics", "body": "Less sugar.", "recommendations": ["Walk"]}
    mine = ok(call(client, "POST", dietitian, "/plan-templates", body), 201)
    assert mine["mine"] and not mine["shared"]
    # Private: the colleague neither lists nor uses it.
    assert ok(call(client, "GET", colleague, "/plan-templates")) == []
    from_it = {"customer_id": cara.pk, "template_id": mine["id"]}
    assert call(client, "POST", colleague, "/care-plans", from_it).status_code == 404
    # Shared: every dietitian reads it and starts a plan from it; only its owner changes it.
    ok(call(client, "PATCH", dietitian, f"/plan-templates/{mine['id']}", {"shared": True}))
    listed = ok(call(client, "GET", colleague, "/plan-templates"))
    assert [(t["title"], t["mine"], t["owner"]["name"]) for t in listed] == [
        ("Diabetes basics", False, "Dana Dietitian")
    ]
    plan = ok(call(client, "POST", colleague, "/care-plans", {**from_it, "title": "For Cara"}), 201)
    assert (plan["draft"]["title"], plan["draft"]["body"]) == ("For Cara", "Less sugar.")
    assert plan["draft"]["recommendations"] == ["Walk"] and plan["template_id"] == mine["id"]
    path = f"/plan-templates/{mine['id']}"
    assert call(client, "PATCH", colleague, path, {"title": "Mine now"}).status_code == 403
    assert call(client, "DELETE", colleague, path).status_code == 403
    assert call(client, "GET", cara, "/plan-templates").status_code == 403
    # Deleting it leaves the plans made from it as they were.
    assert call(client, "DELETE", dietitian, path).status_code == 204
    assert CarePlanVersion.objects.get(plan_id=plan["id"]).body == "Less sugar."


def test_a_plan_sent_to_a_class_reaches_each_member_in_care_as_their_own_copy(
    client, make_user, dietitian, django_capture_on_commit_callbacks
):
    series = ClassSeries.objects.create(title="Label reading", organiser=dietitian)
    cared = [make_user(display_name=f"In care {i}") for i in range(4)]
    outside = [make_user(display_name=f"Outside {i}") for i in range(2)]
    for member in cared:
        in_care(member, dietitian)
    for member in [*cared, *outside]:
        Enrollment.objects.create(series=series, user=member)
    template = ok(
        call(client, "POST", dietitian, "/plan-templates", {"title": "Reading labels"}), 201
    )
    body = {"template_id": template["id"], "group": {"kind": "class", "id": series.pk}}
    with django_capture_on_commit_callbacks(execute=True):
        outcome = ok(call(client, "POST", dietitian, "/care-plans/send", body), 201)
    assert outcome == {
        "batch_id": outcome["batch_id"],
        "group": "Label reading",
        "sent": 4,
        "skipped": 2,
        "published": True,
    }
    plans = CarePlan.objects.filter(batch_id=outcome["batch_id"])
    assert sorted(p.customer_id for p in plans) == sorted(m.pk for m in cared)
    assert all(p.published_version == 1 for p in plans)
    # Each a copy of their own: a change to one changes no other.
    first = plans.order_by("pk").first()
    assert first is not None
    ok(call(client, "PATCH", dietitian, f"/care-plans/{first.pk}", {"title": "Only mine"}))
    ok(call(client, "POST", dietitian, f"/care-plans/{first.pk}/publish"))
    seen = [p for m in cared for p in ok(call(client, "GET", m, "/care-plans"))]
    titles = {p["in_force"]["title"] for p in seen}
    assert titles == {"Only mine", "Reading labels"}
    assert Notification.objects.filter(kind="plan.published").count() == 5
    assert not Notification.objects.filter(user__in=outside).exists()
    batch = PlanBatch.objects.get()
    assert (batch.group, batch.sent, batch.skipped) == (f"class:{series.pk}", 4, 2)

    # A class the dietitian neither organises nor teaches, or none: the same answer.
    other = make_user(Role.DIETITIAN)
    words = {"title": "Labels", "group": body["group"]}
    refused = call(client, "POST", other, "/care-plans/send", words)
    assert refused.status_code == 404
    missing = {**words, "group": {"kind": "class", "id": 10**12}}
    assert api_json(call(client, "POST", dietitian, "/care-plans/send", missing)) == {
        **api_json(refused)
    }
    # A list of customers; drafts on request.
    drafts = ok(
        call(
            client,
            "POST",
            dietitian,
            "/care-plans/send",
            {"title": "Hello", "customer_ids": [cared[0].pk, outside[0].pk], "publish": False},
        ),
        201,
    )
    assert (drafts["sent"], drafts["skipped"], drafts["group"]) == (1, 1, "")
    assert ok(call(client, "GET", cared[1], "/care-plans")) != []
    assert CarePlan.objects.filter(batch_id=drafts["batch_id"], published_version=0).count() == 1
    # Too big a group: refused, nothing stored.
    with override_settings(CARE_PLAN_GROUP_MAX=5):
        big = call(client, "POST", dietitian, "/care-plans/send", body)
    assert big.status_code == 400 and api_json(big)["code"] == "group_too_large"
    assert PlanBatch.objects.count() == 2
    # Neither or both of a list and a group.
    both = {**body, "customer_ids": [cared[0].pk]}
    assert call(client, "POST", dietitian, "/care-plans/send", both).status_code == 400


URL_FIELD = "attachments.0.url"


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"attachments": [{"title": "x", "url": "http://example.org/a"}]}, 400, URL_FIELD),
        ({"attachments": [{"title": "x", "url": "javascript:alert(1)"}]}, 400, URL_FIELD),
        ({"attachments": [{"title": "x", "url": "https://me:pw@example.org"}]}, 400, None),
        ({"title": "x" * 201}, 422, None),
        ({"title": "   "}, 400, "title"),
        ({"body": "one\x00two"}, 422, None),
        ({"recommendations": ["fine", ""]}, 400, "recommendations.1"),
        ({"tasks": [{"text": "a", "done": True}]}, 422, None),
        ({"recommendations": ["x"] * 51}, 422, None),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(client, dietitian, cara, change, status, field):
    body = {**PLAN, "customer_id": cara.pk, **change}
    refused = call(client, "POST", dietitian, "/care-plans", body)
    assert refused.status_code == status, refused.content
    if field:
        assert api_json(refused)["field"] == field
    assert not CarePlan.objects.exists()
    # The same on a change to a plan: the draft keeps its words.
    plan = new_plan(client, dietitian, cara)
    patch = call(client, "PATCH", dietitian, f"/care-plans/{plan['id']}", change)
    assert patch.status_code == status
    assert CarePlanVersion.objects.get(plan_id=plan["id"]).title == PLAN["title"]


def test_the_customers_download_holds_their_plans_and_erasure_takes_them(
    client, make_user, dietitian, cara
):
    plan = new_plan(client, dietitian, cara)
    path = f"/care-plans/{plan['id']}"
    ok(call(client, "POST", dietitian, path + "/publish"))
    ok(call(client, "PATCH", dietitian, path, {"title": "Not yet published"}))
    template = ok(
        call(client, "POST", dietitian, "/plan-templates", {"title": "T", "shared": True}), 201
    )

    def part(user, name: str) -> list[dict]:
        (plans,) = [r for r in registrations() if r.name == "advice.plans"]
        assert plans.export is not None
        return next(p.rows for p in plans.export(user) if getattr(p, "name", "") == name)

    rows = part(cara, "care-plans")
    assert [(r["version"], r["title"], r["written_by"]) for r in rows] == [
        (1, PLAN["title"], "Dana Dietitian")
    ]
    assert [t["title"] for t in part(dietitian, "plan-templates")] == ["T"]
    written = part(dietitian, "care-plans-written")
    assert written == [
        {
            "plan": plan["id"],
            "created_at": written[0]["created_at"],
            "published_version": 1,
            "archived_at": None,
        }
    ]

    # The dietitian goes: the plan stays with Cara, without its author; templates go.
    erase(dietitian)
    kept = CarePlan.objects.get(pk=plan["id"])
    assert kept.author_id is None
    assert not CarePlanVersion.objects.filter(written_by=dietitian).exists()
    assert not PlanTemplate.objects.filter(pk=template["id"]).exists()
    # Cara goes: her plans go with every version.
    erase(cara)
    assert not CarePlan.objects.exists() and not CarePlanVersion.objects.exists()


def test_a_send_to_a_class_of_hundreds_takes_the_same_few_queries(
    client, dietitian, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    series = ClassSeries.objects.create(title="Big class", organiser=dietitian)
    members = User.objects.bulk_create(
        [
            User(email=f"big{i}@example.org", display_name=f"Big {i}", role=Role.CUSTOMER)
            for i in range(400)
        ]
    )
    cared = members[:300]
    CareTeamMember.objects.bulk_create(
        [CareTeamMember(customer=m, professional=dietitian) for m in cared]
    )
    Consent.objects.bulk_create(
        [Consent(customer=m, purpose=Consent.Purpose.CARE, version="1") for m in cared]
    )
    Enrollment.objects.bulk_create([Enrollment(series=series, user=m) for m in members])
    body = {"title": "Hello all", "group": {"kind": "class", "id": series.pk}}
    with django_capture_on_commit_callbacks() as after_commit:
        with django_assert_max_num_queries(20):
            outcome = ok(call(client, "POST", dietitian, "/care-plans/send", body), 201)
    assert (outcome["sent"], outcome["skipped"]) == (300, 100)
    assert CarePlanVersion.objects.filter(plan__batch_id=outcome["batch_id"]).count() == 300
    # Then each customer is told, once, however often the job runs.
    for queued in after_commit:
        queued()
    assert Notification.objects.filter(kind="plan.published").count() == 300
    assert tell_plan_sent(outcome["batch_id"]) == 0
    assert Notification.objects.filter(kind="plan.published").count() == 300


def test_a_medical_provider_of_the_care_team_reads_plans_and_changes_none(
    client, make_user, dietitian, cara
):
    provider = make_user(Role.MEDICAL_PROVIDER)
    in_care(cara, provider)
    plan = new_plan(client, dietitian, cara)
    path = f"/care-plans/{plan['id']}"
    seen = ok(call(client, "GET", provider, f"/care-plans?customer_id={cara.pk}"))
    assert [p["draft"]["title"] for p in seen] == [PLAN["title"]]
    assert call(client, "PATCH", provider, path, {"title": "Mine"}).status_code == 403
    assert call(client, "POST", provider, path + "/publish").status_code == 403
    assert call(client, "POST", provider, path + "/archive").status_code == 403
    # Someone outside the care team finds no such plan, nor the customer's plans.
    stranger = make_user(Role.DIETITIAN)
    assert call(client, "GET", stranger, path).status_code == 404
    assert call(client, "PATCH", stranger, path, {"title": "Mine"}).status_code == 404
    assert call(client, "GET", stranger, f"/care-plans?customer_id={cara.pk}").status_code == 404
    assert CarePlanVersion.objects.get(plan_id=plan["id"]).title == PLAN["title"]


def test_a_dietitian_teaching_a_session_of_a_class_sends_to_it(client, make_user, dietitian, cara):
    organiser = make_user(Role.ADMIN)
    series = ClassSeries.objects.create(title="Cooking", organiser=organiser)
    Enrollment.objects.create(series=series, user=cara)
    body = {"title": "After class", "group": {"kind": "class", "id": series.pk}}
    assert call(client, "POST", dietitian, "/care-plans/send", body).status_code == 404
    start = timezone.now() + timedelta(days=1)
    Event.objects.create(
        title="Cooking 1",
        kind=Event.Kind.VIRTUAL,
        organiser=dietitian,
        time_zone="UTC",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        series=series,
    )
    sent = ok(call(client, "POST", dietitian, "/care-plans/send", body), 201)
    assert (sent["group"], sent["sent"], sent["skipped"]) == ("Cooking", 1, 0)
