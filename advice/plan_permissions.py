"""Who may do what with care plans.

Dietitians write plans (the issue's "a dietitian sends advice"); a medical provider in
the care team reads them, as the customer's shared data, and writes none. A professional
acts on a customer's plans only while in relation CARE with them (in the care team, the
customer's consent to care standing); any dietitian of the care team may carry a plan on
(after a handover the new dietitian continues it), and each version records who wrote it.
The customer reads their own published plans and nothing of a draft, and alone ticks
their tasks done. Anybody else is told
there is no such customer or plan, in the same words whether or not it exists.
"""

from __future__ import annotations

from accounts.models import User
from accounts.roles import Role
from advice.models import CarePlan, PlanTemplate
from core.errors import Forbidden, NotFound
from profiles.permissions import Relation, relation_to

NO_CUSTOMER = "no such customer in your care"
NO_PLAN = "no such care plan"
NO_TEMPLATE = "no such plan template"


def check_is_dietitian(actor: User) -> None:
    """Checked before anything is looked up: a refusal tells nothing about the customer."""
    if actor.role != Role.DIETITIAN or not actor.is_active:
        raise Forbidden("dietitians write care plans and templates")


def check_can_write_plan_for(actor: User, customer_id: int) -> None:
    check_is_dietitian(actor)
    if relation_to(actor, customer_id) is not Relation.CARE:
        raise NotFound(NO_CUSTOMER)


def check_can_read_plans_of(viewer: User, customer_id: int) -> Relation:
    relation = relation_to(viewer, customer_id)
    if relation is Relation.OTHER:
        raise NotFound(NO_CUSTOMER)
    return relation


def check_can_read_plan(viewer: User, plan: CarePlan) -> Relation:
    """The care team reads every plan of the customer, drafts included; the customer
    reads theirs once a version is published."""
    relation = relation_to(viewer, plan.customer_id)
    if relation is Relation.OTHER or (relation is Relation.SELF and plan.published_version == 0):
        raise NotFound(NO_PLAN)
    return relation


def check_can_write_plan(actor: User, plan: CarePlan) -> None:
    """A dietitian of the customer's care team. A medical provider of it reads the plan
    (403 on a write); the customer's own attempt is answered as for a plan that does not
    exist, draft or published, so it tells nothing of drafts about them."""
    relation = relation_to(actor, plan.customer_id)
    if relation is Relation.OTHER or relation is Relation.SELF:
        raise NotFound(NO_PLAN)
    if relation is not Relation.CARE or actor.role != Role.DIETITIAN:
        raise Forbidden("only a dietitian of the care team changes a care plan")


def check_can_tick_plan(actor: User, plan: CarePlan | None) -> CarePlan:
    """The customer alone ticks their plan's tasks, once a version is published; their
    care team reads the ticks and makes none. Anybody else, the care team included, is
    told there is no such plan, as an outsider is."""
    if plan is None or plan.customer_id != actor.pk or plan.published_version == 0:
        raise NotFound(NO_PLAN)
    return plan


def can_read_template(viewer: User, template: PlanTemplate) -> bool:
    if viewer.role != Role.DIETITIAN or not viewer.is_active:
        return False
    return template.owner_id == viewer.pk or template.shared


def check_can_read_template(viewer: User, template: PlanTemplate | None) -> PlanTemplate:
    if template is None or not can_read_template(viewer, template):
        raise NotFound(NO_TEMPLATE)
    return template


def check_can_edit_template(actor: User, template: PlanTemplate | None) -> PlanTemplate:
    """Shared templates are read by every dietitian and changed by their owner only."""
    template = check_can_read_template(actor, template)
    if template.owner_id != actor.pk:
        raise Forbidden("only its owner changes a plan template")
    return template
