"""An explicit null in a change (PATCH or PUT) of any advice endpoint: a 400 naming the
field for a field that cannot be empty, never a 500 from the database. Walks the routes,
so a new change endpoint of advice is covered the day it is added (and fails here until
the test knows how to make the object it changes)."""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import User
from accounts.schemas import Input, Patch
from advice import plans
from advice.models import AlertRule, CarePlan, PlanTemplate
from server.api import api
from tests.advice.alert_helpers import rule
from tests.helpers import api_json, bearer

pytestmark = pytest.mark.django_db


def change_operations() -> list[tuple[str, str, type[Input]]]:
    """(method, path, input schema) of every PATCH and PUT of an advice router."""
    found = []
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                if not operation.view_func.__module__.startswith("advice."):
                    continue
                for method in set(operation.methods) & {"PATCH", "PUT"}:
                    hints = typing.get_type_hints(operation.view_func)
                    schema = next(
                        t for t in hints.values() if isinstance(t, type) and issubclass(t, Input)
                    )
                    found.append((method, (prefix + path).replace("//", "/"), schema))
    return sorted(found, key=lambda f: (f[1], f[0]))


OPERATIONS = change_operations()


def the_object(path: str, dietitian: User, customer: User) -> int:
    """Something ``dietitian`` may change at ``path``."""
    if path == "/alert-rules/{rule_id}":
        return rule(
            name="weight high", kind="above", test="weight", threshold=120, customer=customer
        ).pk
    if path == "/plan-templates/{template_id}":
        return PlanTemplate.objects.create(owner=dietitian, title="Start").pk
    if path == "/care-plans/{plan_id}":
        return plans.create_plan(dietitian, customer.pk, {"title": "Plan"}).pk
    raise AssertionError(f"make an object for {path} here")


def stored(path: str, pk: int) -> Any:
    model = {
        "/alert-rules/{rule_id}": AlertRule,
        "/plan-templates/{template_id}": PlanTemplate,
        "/care-plans/{plan_id}": CarePlan,
    }[path]
    return model.objects.get(pk=pk)


def test_every_change_endpoint_of_advice_takes_a_patch_schema():
    assert OPERATIONS, "no change endpoint found: the walk is broken"
    for method, path, schema in OPERATIONS:
        assert issubclass(schema, Patch), f"{method} {path}: {schema.__name__} is not a Patch"


@pytest.mark.parametrize(
    ("method", "path", "schema", "field"),
    [(m, p, s, f) for m, p, s in OPERATIONS for f in s.model_fields],
    ids=lambda v: v if isinstance(v, str) else getattr(v, "__name__", ""),
)
def test_an_explicit_null_is_a_4xx_naming_the_field(
    client, dietitian: User, cared: User, method: str, path: str, schema: Any, field: str
):
    pk = the_object(path, dietitian, cared)
    url = "/api" + path.split("{")[0] + str(pk)
    answer = getattr(client, method.lower())(
        url, {field: None}, content_type="application/json", **bearer(dietitian)
    )
    assert answer.status_code < 500, answer.content[:300]
    if field in getattr(schema, "clearable", ()):
        return  # may be emptied: the service says whether that makes sense
    assert answer.status_code == 400, answer.content[:300]
    assert api_json(answer)["field"] == field
    stored(path, pk).full_clean(validate_unique=False, validate_constraints=False)


def test_switching_a_rule_off_with_null_is_refused_and_the_rule_stays_on(
    client, dietitian: User, cared: User, make_user: Callable[..., User]
):
    override = rule(name="w", kind="above", test="weight", threshold=120, customer=cared)
    answer = client.patch(
        f"/api/alert-rules/{override.pk}",
        {"active": None},
        content_type="application/json",
        **bearer(dietitian),
    )
    assert answer.status_code == 400
    assert api_json(answer)["field"] == "active"
    override.refresh_from_db()
    assert override.active is True
