"""What one customer's evaluation needs when a value is written, read in one statement
(PostgreSQL): since when consent to care stands, the professionals who may watch the
customer now (active, in a care role, in the care team), whether the customer has rules
of their own, the tests of the results just written and which of them the care team sees
(the audience the customer chose, else the test's default; a derived test narrowed to
its sources', and the newest result written of those), and the customer's sex and birth
date as the care team sees them; and the alert rules' version, so the default rules a
process keeps are read again when a rule changed.

Nothing is cached: consent, the care team, the audiences and the profile change in other
requests and processes, and one statement reads them as they stand. The same answers as
``advice.alert_watch.watches`` (the schedule's, for many customers at once) and
``advice.topics.watching``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection

from accounts.models import User
from accounts.roles import CARE_ROLES
from advice.models import AlertRule, CareTeamMember
from profiles.catalogue import DERIVED_FROM, Subject, effective_audiences, subject_from
from profiles.models import (
    Attribute,
    Audience,
    Consent,
    MedicalTest,
    ProfileValue,
    Result,
    TestAudience,
)
from profiles.permissions import Relation, can_see

_SOURCES = sorted({code for codes in DERIVED_FROM.values() for code in codes})
_ROLES = ", ".join(f"'{role}'" for role in sorted(CARE_ROLES))

_FACTS = f"""
WITH written AS (
    SELECT DISTINCT r.test_id FROM {Result._meta.db_table} r
     WHERE r.id = ANY(%(results)s) AND r.customer_id = %(customer)s
       AND r.superseded_at IS NULL
)
SELECT
    (SELECT c.granted_at FROM {Consent._meta.db_table} c
      WHERE c.customer_id = %(customer)s AND c.purpose = 'care' AND c.withdrawn_at IS NULL
      ORDER BY c.granted_at DESC LIMIT 1),
    ARRAY(SELECT m.professional_id
            FROM {CareTeamMember._meta.db_table} m
            JOIN {User._meta.db_table} u ON u.id = m.professional_id
           WHERE m.customer_id = %(customer)s AND u.is_active AND u.role IN ({_ROLES})
           ORDER BY 1),
    EXISTS (SELECT 1 FROM {AlertRule._meta.db_table} o WHERE o.customer_id = %(customer)s),
    ARRAY(SELECT test_id FROM written),
    (SELECT json_agg(json_build_array(t.id, t.code, t.default_audience, t.derived))
       FROM {MedicalTest._meta.db_table} t
      WHERE t.id IN (SELECT test_id FROM written) OR t.code = ANY(%(sources)s)),
    (SELECT json_agg(json_build_array(a.test_id, a.audience))
       FROM {TestAudience._meta.db_table} a WHERE a.customer_id = %(customer)s),
    (SELECT json_agg(json_build_array(k.key, v.value, v.audience, k.display_field,
                                      k.retired_at IS NULL))
       FROM {ProfileValue._meta.db_table} v
       JOIN {Attribute._meta.db_table} k ON k.id = v.attribute_id
      WHERE v.customer_id = %(customer)s AND k.key IN ('sex', 'birth_date')),
    (SELECT u.time_zone FROM {User._meta.db_table} u WHERE u.id = %(customer)s),
    (SELECT json_agg(json_build_array(r.id, r.test_id) ORDER BY r.taken_at DESC, r.id DESC)
       FROM {Result._meta.db_table} r
      WHERE r.id = ANY(%(results)s) AND r.customer_id = %(customer)s
        AND r.superseded_at IS NULL),
    (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM advice_alertrule_version)
"""  # noqa: S608  (table names come from the models; values are parameters)


@dataclass
class Facts:
    consent_since: dt.datetime | None
    watchers: list[int]
    has_own_rules: bool
    written_tests: set[int]
    shared_tests: set[int]
    subject: Subject
    # The newest of the results written whose test the care team sees.
    newest_shared_result: int | None = None
    # The alert rules' version (``advice.alerts.default_rules``).
    rules_version: int | None = None

    @property
    def watched(self) -> bool:
        """A care team may watch the customer now: consent standing, someone to watch."""
        return self.consent_since is not None and bool(self.watchers)


def read_facts(customer_id: int, result_ids: list[int] | None = None) -> Facts:
    """The facts of one customer, and of the results ``result_ids`` of theirs just written
    (their current versions). One statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            _FACTS, {"customer": customer_id, "results": result_ids or [], "sources": _SOURCES}
        )
        row = cursor.fetchone()
    consent_since, watchers, has_own, written, tests, chosen, values, zone, results, version = row
    shared = _shared(set(written), tests or [], chosen or [])
    return Facts(
        consent_since=consent_since,
        watchers=list(watchers),
        has_own_rules=bool(has_own),
        written_tests=set(written),
        shared_tests=shared,
        subject=_subject(values or [], zone or "UTC"),
        newest_shared_result=next((pk for pk, test in results or [] if test in shared), None),
        rules_version=version,
    )


def _shared(written: set[int], rows: list[list[Any]], chosen_rows: list[list[Any]]) -> set[int]:
    tests = [
        MedicalTest(pk=pk, code=code, default_audience=default, derived=derived)
        for pk, code, default, derived in rows
    ]
    chosen = dict((test_id, audience) for test_id, audience in chosen_rows)
    own = {t.pk: chosen.get(t.pk, t.default_audience) for t in tests}
    audiences = effective_audiences(own, tests)
    return {pk for pk in written if audiences.get(pk) == Audience.CARE_TEAM}


def _subject(rows: list[list[Any]], zone: str) -> Subject:
    seen = {
        key: value
        for key, value, audience, display_field, current in rows
        if current and can_see(Relation.CARE, audience, display_field=display_field)
    }
    return subject_from(seen, zone)
