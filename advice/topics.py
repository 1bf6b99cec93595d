"""Advice on the real-time path: ``care.activity`` on a professional's own ``user:{id}``.

Something changed for a customer in their care (a check-in, a result, an alert, a goal, a
plan answered): the dashboard and the customer's page read again through the API, which
applies every audience and audits the read. Ephemeral, and no event carries a value, a
test, a note or a name: only the customer's id, what kind of thing changed and its id. It
goes only to the professionals who may see that customer's shared data now (in the care
team, consent to care standing), so a narrowed right needs no copy withdrawn.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db import connection

from accounts.models import User
from accounts.roles import CARE_ROLES
from advice.models import CareTeamMember
from profiles.models import Audience, Consent, MedicalTest, TestAudience
from realtime.publish import publish_many
from realtime.registry import EventSchema, registry

# "access": what the professional may see of this customer narrowed (consent to care
# withdrawn, the care team left, a test no longer shared): read again, and drop what the
# API no longer answers (sent by ``advice.services`` to the former care team too).
What = Literal["check_in", "result", "alert", "goal", "plan", "note", "access"]


class CareActivity(EventSchema):
    customer: int
    what: What
    # The id of the check-in, result, alert, goal, plan or note (read it through the API).
    id: int | None = None


registry.add_event("care.activity", CareActivity, ephemeral=True)


# The professionals of a customer's care team who may see their shared data now (active,
# in a care role, consent to care standing); with a test, only while the customer shares
# that test's results with the care team (the audience chosen, else the test's default).
_WATCHING = f"""
SELECT m.professional_id
  FROM {CareTeamMember._meta.db_table} m
  JOIN {User._meta.db_table} u ON u.id = m.professional_id
 WHERE m.customer_id = %(customer)s
   AND u.is_active
   AND u.role IN ({", ".join(f"'{role}'" for role in sorted(CARE_ROLES))})
   AND EXISTS (
       SELECT 1 FROM {Consent._meta.db_table} c
        WHERE c.customer_id = %(customer)s AND c.purpose = 'care' AND c.withdrawn_at IS NULL)
"""  # noqa: S608  (table names come from the models; values are parameters)
_SHARED_TEST = f"""
   AND COALESCE(
       (SELECT a.audience FROM {TestAudience._meta.db_table} a
         WHERE a.customer_id = %(customer)s AND a.test_id = %(test)s),
       %(default)s) = '{Audience.CARE_TEAM}'
"""  # noqa: S608  (table names come from the models; values are parameters)


def watching(customer_id: int, test: MedicalTest | None = None) -> list[int]:
    """The professionals who may see ``customer_id``'s shared data now; with ``test`` (one
    entered, never derived: a derived test's audience depends on its sources), only if
    they see that test's results. One statement."""
    sql = _WATCHING
    params: dict[str, Any] = {"customer": customer_id}
    if test is not None:
        assert not test.derived, "a derived test's audience is narrowed by its sources'"
        sql += _SHARED_TEST
        params.update(test=test.pk, default=test.default_audience)
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY 1", params)
        return [row[0] for row in cursor.fetchall()]


def tell_care_team(
    customer_id: int, what: What, item_id: int | None = None, *, watchers: list[int] | None = None
) -> None:
    """After the commit (``publish`` waits for it): each professional who may see this
    customer's shared data hears that ``what`` changed. Call only for things the care team
    may see (a check-in shared with them, a result of a test they see). ``watchers``:
    those professionals, when the caller read them already (``watching``) in this
    request."""
    pros = watching(customer_id) if watchers is None else watchers
    if pros:
        data = {"customer": customer_id, "what": what, "id": item_id}
        publish_many([(f"user:{pk}", "care.activity", data) for pk in pros])
