"""Who a report counts: customers whose consent to anonymised analytics stands (a
withdrawal drops them from the next count), never erased or closed accounts or staff; a
dietitian's reports count only their own customers in care; only analysts, admins and
dietitians read reports."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.roles import Role
from advice.models import CareTeamMember
from analytics.population import counted, scope_of
from core.errors import Forbidden
from profiles.models import Consent

pytestmark = pytest.mark.django_db


def consent(user, purpose: str = "analytics") -> Consent:
    return Consent.objects.create(customer=user, purpose=purpose, version="1")


def test_only_customers_with_standing_analytics_consent_are_counted(make_user):
    analyst = make_user(Role.ANALYST)
    yes, later_no, never = make_user(), make_user(), make_user()
    closed, erased, staff = make_user(is_active=False), make_user(), make_user(Role.DIETITIAN)
    for person in (yes, later_no, closed, erased, staff):
        consent(person)
    consent(never, "marketing")
    erased.erased_at = timezone.now()
    erased.save()
    scope = scope_of(analyst)
    assert set(counted(scope)) == {yes, later_no}
    Consent.objects.filter(customer=later_no).update(withdrawn_at=timezone.now())
    assert set(counted(scope)) == {yes}


def test_a_dietitian_counts_only_her_customers_in_care(make_user):
    dietitian, colleague = make_user(Role.DIETITIAN), make_user(Role.DIETITIAN)
    mine, theirs, no_care = make_user(), make_user(), make_user()
    for person in (mine, theirs, no_care):
        consent(person)
    for person, pro in ((mine, dietitian), (theirs, colleague), (no_care, dietitian)):
        CareTeamMember.objects.create(customer=person, professional=pro)
    consent(mine, "care")
    consent(theirs, "care")
    assert set(counted(scope_of(dietitian))) == {mine}
    assert set(counted(scope_of(make_user(Role.ADMIN)))) == {mine, theirs, no_care}


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.MODERATOR, Role.MEDICAL_PROVIDER])
def test_other_roles_read_no_reports(make_user, role):
    with pytest.raises(Forbidden):
        scope_of(make_user(role))
    with pytest.raises(Forbidden):
        scope_of(make_user(Role.ANALYST, is_active=False))
