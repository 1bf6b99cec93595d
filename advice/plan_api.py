"""Care plans and plan templates over HTTP (docs/api.md, "Care plans"). Thin: each
endpoint checks its input's shape, calls one service and shapes the answer; a read by a
professional is in the customer's access log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field, StrictFloat, StrictInt

from accounts import limits
from accounts.bounds import MAX_ID, Id
from accounts.models import User
from accounts.permissions import signed_in_user
from accounts.schemas import Input, Patch
from advice import plan_content as limits_of
from advice import plan_goals as limits_of_goals
from advice import plan_reads, plan_templates, plan_ticks, plans
from advice.plan_compare import compare
from advice.plan_send import send_plan
from advice.write_limits import charge_care_write
from profiles.permissions import Relation

router = Router(tags=["care plans"])


class TaskIn(Input):
    text: str = Field(max_length=limits_of.MAX_ITEM)


class AttachmentIn(Input):
    title: str = Field(max_length=limits_of.MAX_TITLE)
    url: str = Field(max_length=limits_of.MAX_URL, description="an https:// address")


# A whole number within what any store holds (the service checks the goal's own bounds and
# names the field; past these, the shape is wrong: 422).
Whole = Annotated[StrictInt, Field(ge=-MAX_ID, le=MAX_ID)]


class GoalSpecIn(Input):
    """A goal the plan proposes when published (``advice.plan_goals``): a target on a test,
    or a habit; the fields of the other kind left out. Numbers are numbers (no "80" for
    80); bounds and words are checked by the service, which names the field at fault."""

    kind: Literal["target", "habit"]
    title: str | None = None
    test: str | None = Field(default=None, description="a test's code")
    comparison: Literal["lt", "lte", "gt", "gte"] | None = None
    target: StrictFloat | Whole | None = None
    unit: str | None = Field(default=None, description="default: the test's")
    due_in_days: Whole | None = None
    habit: str | None = None
    times: Whole | None = None
    period: Literal["day", "week"] | None = None
    remind_at: str | None = Field(default=None, description="local time, HH:MM")


class GoalSpecOut(Schema):
    kind: str
    title: str | None = None
    test: str | None = None
    comparison: str | None = None
    target: float | None = None
    unit: str | None = None
    due_in_days: int | None = None
    habit: str | None = None
    times: int | None = None
    period: str | None = None
    remind_at: str | None = None
    # How it reads: its title, or the name the goal it proposes gets.
    shown_as: str
    # Whether the plan proposed it (a plan's versions; null on a template). The customer
    # sees only the goals proposed to them.
    proposed: bool | None = None


class ContentIn(Patch):
    """A plan's words; on a change, the fields left out keep what they were (null for
    none of them: each has a value)."""

    title: str | None = Field(default=None, max_length=limits_of.MAX_TITLE)
    body: str | None = Field(default=None, max_length=limits_of.MAX_BODY, description="Markdown")
    recommendations: list[str] | None = Field(default=None, max_length=limits_of.MAX_ITEMS)
    tasks: list[TaskIn] | None = Field(default=None, max_length=limits_of.MAX_ITEMS)
    attachments: list[AttachmentIn] | None = Field(
        default=None, max_length=limits_of.MAX_ATTACHMENTS
    )
    goals: list[GoalSpecIn] | None = Field(default=None, max_length=limits_of_goals.MAX_GOALS)
    change_note: str | None = Field(default=None, max_length=limits_of.MAX_NOTE)

    def words(self) -> dict[str, Any]:
        return self.model_dump(exclude={"change_note", "customer_id", "template_id"})


class PlanIn(ContentIn):
    clearable = frozenset({"template_id"})

    customer_id: Id
    # Start from this template (its words; those given here replace them).
    template_id: Id | None = None


class GroupIn(Input):
    kind: Literal["class"]
    id: Id


class SendIn(ContentIn):
    clearable = frozenset({"template_id", "customer_ids", "group"})

    template_id: Id | None = None
    customer_ids: list[Id] | None = Field(default=None, max_length=10_000)
    group: GroupIn | None = None
    # Copies published at once (the default), or drafts to adjust one by one.
    publish: bool = True

    def words(self) -> dict[str, Any]:
        return self.model_dump(
            exclude={"change_note", "template_id", "customer_ids", "group", "publish"}
        )


class TemplateIn(Patch):
    title: str | None = Field(default=None, max_length=limits_of.MAX_TITLE)
    body: str | None = Field(default=None, max_length=limits_of.MAX_BODY)
    recommendations: list[str] | None = Field(default=None, max_length=limits_of.MAX_ITEMS)
    tasks: list[TaskIn] | None = Field(default=None, max_length=limits_of.MAX_ITEMS)
    goals: list[GoalSpecIn] | None = Field(default=None, max_length=limits_of_goals.MAX_GOALS)
    # Read by every dietitian (changed by its owner only).
    shared: bool | None = None


class PersonOut(Schema):
    id: int
    name: str


class TaskOut(Schema):
    text: str


class PlanTaskOut(TaskOut):
    # When the customer ticked it done (null: not done; a draft's tasks never are).
    done_at: datetime | None


class TickIn(Input):
    done: bool
    # The version the customer's page shows: when given, ticks only if it is still the
    # one in force (409 ``not_in_force``), so a task is never ticked in another version.
    version: int | None = Field(default=None, ge=1, le=MAX_ID)


class AttachmentOut(Schema):
    title: str
    url: str


class VersionWordsOut(Schema):
    number: int
    title: str
    body: str
    body_html: str
    recommendations: list[str]
    attachments: list[AttachmentOut]
    goals: list[GoalSpecOut]
    change_note: str
    written_by: PersonOut | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    acknowledged_at: datetime | None


class VersionOut(VersionWordsOut):
    """A published version: each task with when the customer ticked it done."""

    tasks: list[PlanTaskOut]


class DraftOut(VersionWordsOut):
    """A draft: its tasks' words alone (nothing in a draft is ticked)."""

    tasks: list[TaskOut]


class VersionSummaryOut(Schema):
    number: int
    published_at: datetime | None
    acknowledged_at: datetime | None
    change_note: str


class PlanOut(Schema):
    id: int
    customer: PersonOut
    author: PersonOut | None
    template_id: int | None
    batch_id: int | None
    # The number of the version in force (0: never published).
    published_version: int
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    in_force: VersionOut | None
    # The draft (for the care team only; a customer never sees one).
    draft: DraftOut | None
    versions: list[VersionSummaryOut]
    # The conversation with the plan's author, where the customer asks about it.
    ask_url: str | None


class LineOut(Schema):
    op: Literal["added", "removed", "unchanged"]
    text: str


class TitleChangeOut(Schema):
    from_: str = Field(alias="from")
    to: str
    changed: bool


class CompareOut(Schema):
    from_: int | None = Field(alias="from")
    to: int
    title: TitleChangeOut
    body: list[LineOut]
    recommendations: list[LineOut]
    tasks: list[LineOut]
    attachments: list[LineOut]
    goals: list[LineOut]
    change_note: str
    published_at: datetime | None


class SendOut(Schema):
    batch_id: int
    # The group's name as the sender knows it ("" for a list of customers).
    group: str
    # Customers who got a copy, and members skipped (not in the sender's care).
    sent: int
    skipped: int
    published: bool


class TemplateOut(Schema):
    id: int
    owner: PersonOut | None
    mine: bool
    shared: bool
    title: str
    body: str
    body_html: str
    recommendations: list[str]
    tasks: list[TaskOut]
    goals: list[GoalSpecOut]
    created_at: datetime
    updated_at: datetime


def _detail(viewer: User, plan_id: int) -> dict[str, Any]:
    plan, out = plan_reads.plan_detail(viewer, plan_id)
    plan_reads.audit(viewer, plan.customer_id)
    return out


# --- templates ---------------------------------------------------------------------------


@router.get("/plan-templates", response=list[TemplateOut], tags=["plan templates"])
def list_templates(request: HttpRequest) -> list[dict[str, Any]]:
    """Dietitians: their own templates, then those others share."""
    return plan_templates.templates_for(signed_in_user(request))


@router.post("/plan-templates", response={201: TemplateOut}, tags=["plan templates"])
def create_template(request: HttpRequest, payload: TemplateIn) -> Status[dict[str, Any]]:
    actor = signed_in_user(request)
    charge_care_write(actor)
    made = plan_templates.create_template(
        actor, payload.model_dump(exclude={"shared"}), bool(payload.shared)
    )
    return Status(201, plan_templates.template_out(made, actor))


@router.patch("/plan-templates/{template_id}", response=TemplateOut, tags=["plan templates"])
def update_template(request: HttpRequest, template_id: int, payload: TemplateIn) -> dict[str, Any]:
    """The owner only (a shared template is read by all, changed by its owner)."""
    actor = signed_in_user(request)
    charge_care_write(actor)
    changed = plan_templates.update_template(actor, template_id, payload.model_dump())
    return plan_templates.template_out(changed, actor)


@router.delete("/plan-templates/{template_id}", response={204: None}, tags=["plan templates"])
def delete_template(request: HttpRequest, template_id: int) -> Status[None]:
    """The owner only; plans made from it keep their words."""
    actor = signed_in_user(request)
    charge_care_write(actor)
    plan_templates.delete_template(actor, template_id)
    return Status(204, None)


# --- plans -------------------------------------------------------------------------------


@router.get("/care-plans", response=list[PlanOut])
def list_plans(
    request: HttpRequest, customer_id: int | None = Query(None, ge=1, le=MAX_ID)
) -> list[dict[str, Any]]:
    """A customer: their own published plans (``customer_id`` left out or theirs). A
    professional: the plans of a customer in their care, drafts included."""
    viewer = signed_in_user(request)
    customer = viewer.pk if customer_id is None else customer_id
    found = plan_reads.plans_of(viewer, customer)
    plan_reads.audit(viewer, customer)
    return found


@router.post("/care-plans", response={201: PlanOut})
def create_plan(request: HttpRequest, payload: PlanIn) -> Status[dict[str, Any]]:
    """A dietitian writes a draft for a customer in their care (optionally from a
    template); the customer sees nothing of it until it is published."""
    actor = signed_in_user(request)
    charge_care_write(actor)
    made = plans.create_plan(
        actor,
        payload.customer_id,
        payload.words(),
        template_id=payload.template_id,
        change_note=payload.change_note or "",
    )
    return Status(201, plan_reads.plan_detail(actor, made.pk)[1])


@router.post("/care-plans/send", response={201: SendOut})
def send(request: HttpRequest, payload: SendIn) -> Status[dict[str, Any]]:
    """One plan (a template's words, or words given here) to ``customer_ids`` or a
    ``group``: each member in the sender's care gets their own copy; the others are only
    counted. At most ``CARE_PLAN_GROUP_MAX`` members; ``CARE_PLAN_SENDS_PER_HOUR``."""
    actor = signed_in_user(request)
    limits.charge(actor, "care_plan_send", settings.CARE_PLAN_SENDS_PER_HOUR, 3600)
    outcome = send_plan(
        actor,
        payload.words(),
        template_id=payload.template_id,
        customer_ids=payload.customer_ids,
        group=(payload.group.kind, payload.group.id) if payload.group else None,
        publish=payload.publish,
        change_note=payload.change_note or "",
    )
    return Status(201, outcome)


@router.get("/care-plans/{plan_id}", response=PlanOut)
def get_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    return _detail(signed_in_user(request), plan_id)


@router.patch("/care-plans/{plan_id}", response=PlanOut)
def edit_plan(request: HttpRequest, plan_id: int, payload: ContentIn) -> dict[str, Any]:
    """Edits the draft; a published plan keeps its version in force and gets a new draft
    (a copy of the last version with the change), published in turn."""
    actor = signed_in_user(request)
    charge_care_write(actor)
    changes = payload.words()
    changes["change_note"] = payload.change_note
    plans.edit_plan(actor, plan_id, changes)
    return plan_reads.plan_detail(actor, plan_id)[1]


@router.post("/care-plans/{plan_id}/publish", response=PlanOut)
def publish(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    """The draft becomes the version in force; the customer is told (409 with no draft)."""
    actor = signed_in_user(request)
    charge_care_write(actor)
    plans.publish_plan(actor, plan_id)
    return plan_reads.plan_detail(actor, plan_id)[1]


@router.post("/care-plans/{plan_id}/archive", response=PlanOut)
def archive(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    actor = signed_in_user(request)
    charge_care_write(actor)
    plans.archive_plan(actor, plan_id)
    return plan_reads.plan_detail(actor, plan_id)[1]


@router.get("/care-plans/{plan_id}/versions/{number}", response=VersionOut)
def get_version(request: HttpRequest, plan_id: int, number: int) -> dict[str, Any]:
    viewer = signed_in_user(request)
    plan, version = plan_reads.version_of(viewer, plan_id, number)
    plan_reads.audit(viewer, plan.customer_id)
    return version


class CompareQuery(Input):
    from_: int | None = Field(default=None, alias="from", ge=1, le=MAX_ID)
    to: int | None = Field(default=None, ge=1, le=MAX_ID)


@router.get("/care-plans/{plan_id}/compare", response=CompareOut, by_alias=True)
def compare_versions(
    request: HttpRequest, plan_id: int, query: Query[CompareQuery]
) -> dict[str, Any]:
    """Version ``to`` (by default the one in force) against ``from`` (by default the one
    before it): the body line by line and each list item by item."""
    viewer = signed_in_user(request)
    plan, out = compare(viewer, plan_id, query.from_, query.to)
    plan_reads.audit(viewer, plan.customer_id)
    return out


@router.post("/care-plans/{plan_id}/acknowledge", response=PlanOut)
def acknowledge(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    """The customer acknowledges the version in force; their care team hears of it."""
    customer = signed_in_user(request)
    plans.acknowledge_plan(customer, plan_id)
    plan, _ = plan_reads.plan_for(customer, plan_id)
    return plan_reads.plan_out(plan, Relation.SELF)


@router.post("/care-plans/{plan_id}/tasks/{index}", response=PlanOut)
def tick_task(request: HttpRequest, plan_id: int, index: int, payload: TickIn) -> dict[str, Any]:
    """The customer ticks task ``index`` (0 first) of the version in force done
    (``done: true``; ticking again keeps the first time) or not (``done: false``); their
    care team hears of a change. Counts toward ``PLAN_TICKS_PER_MINUTE``."""
    customer = signed_in_user(request)
    limits.charge(customer, "plan_tick", settings.PLAN_TICKS_PER_MINUTE, 60)
    plan_ticks.tick_task(customer, plan_id, index, payload.done, version=payload.version)
    plan, _ = plan_reads.plan_for(customer, plan_id)
    return plan_reads.plan_out(plan, Relation.SELF)
