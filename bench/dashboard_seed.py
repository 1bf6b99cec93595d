"""The dashboard scenario's data, made inside the app (``bench/seed.py`` calls it when the
spec asks for ``"dashboard": true``): one dietitian with 500 customers in her care (all
consenting to care), each with two years of weekly weights (and the BMI of each), a
height, quarterly labs (HbA1c, fasting glucose, LDL, systolic pressure) and a check-in
every day; a habit goal and a weight goal each (some at risk, some with missed check-ins);
open alerts for one customer in five; unread direct messages from one in three; and one in
ten keeping their weight (and so their BMI) to themself.

Results and check-ins go in with PostgreSQL's COPY (about 125,000 results and 365,000
check-ins in seconds); the rest with ``bulk_create``. Then the tables are vacuumed and
analysed, as autovacuum would soon after such an insert.

It also counts the database queries of each measured request, in this process: the same
requests through Django's test client inside ``CaptureQueriesContext``.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import issue_token_pair
from advice.models import Alert, AlertRule, CareTeamMember, Goal
from bench.dashboard import paths
from community.models import Conversation, Membership, Message
from profiles.models import Consent, MedicalTest, TestAudience

CUSTOMERS = 500
WEEKS = 104
DAYS = 730
# code: (typical, spread) of the quarterly labs
LABS = {"hba1c": (5.8, 0.4), "glucose_fasting": (5.6, 0.6), "ldl": (3.1, 0.4), "systolic": (128, 9)}

RESULT_COLUMNS = (
    "customer_id", "test_id", "value", "entered_value", "entered_unit", "taken_at",
    "recorded_at", "source", "entered_by_id", "note", "interpretation", "reason",
)  # fmt: skip
CHECK_IN_COLUMNS = (
    "customer_id", "kind", "mood", "symptoms", "note", "audience", "at", "recorded_at",
    "client_id",
)  # fmt: skip


def copy(table: str, columns: Iterable[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Rows into ``table`` with COPY (PostgreSQL), through Django's connection."""
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY {table} ({names}) FROM STDIN") as out:
            for row in rows:
                out.write_row(row)


def seed() -> dict[str, Any]:
    assert connection.vendor == "postgresql", "the dashboard scenario seeds with COPY"
    rng = random.Random(13)  # the same data in every run
    now = timezone.now().replace(second=0, microsecond=0)
    tests = {t.code: t for t in MedicalTest.objects.all()}
    with transaction.atomic():
        dietitian = User.objects.create_user(
            email="dashboard-bench@example.org", display_name="Bench Dietitian",
            role=Role.DIETITIAN,
        )  # fmt: skip
        fresh = []
        for i in range(CUSTOMERS):
            user = User(
                email=f"dash-{i:04d}@example.org",
                display_name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i:03d}",
            )
            user.set_unusable_password()
            fresh.append(user)
        User.objects.bulk_create(fresh, batch_size=1000)
        customers = list(User.objects.filter(email__startswith="dash-").order_by("email"))
        ids = [c.pk for c in customers]
        CareTeamMember.objects.bulk_create(
            [CareTeamMember(customer_id=pk, professional=dietitian) for pk in ids]
        )
        Consent.objects.bulk_create(
            [Consent(customer_id=pk, purpose=Consent.Purpose.CARE, version="1") for pk in ids]
        )
        TestAudience.objects.bulk_create(
            [TestAudience(customer_id=pk, test=tests["weight"], audience="only_me")
             for pk in ids[::10]]
        )  # fmt: skip
        copy("profiles_result", RESULT_COLUMNS, _results(rng, ids, tests, now))
        copy("advice_checkin", CHECK_IN_COLUMNS, _check_ins(rng, ids, now))
        _goals_alerts_messages(rng, ids, dietitian, tests, now)
    with connection.cursor() as cursor:
        for table in ("profiles_result", "advice_checkin", "advice_goal", "advice_alert",
                      "community_message", "accounts_user"):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")
    token = issue_token_pair(dietitian)["access_token"]
    return {
        "customers": CUSTOMERS,
        "token": token,
        "customer": ids[1],
        "results": _count("profiles_result"),
        "check_ins": _count("advice_checkin"),
        "queries": count_queries(token, ids[1]),
        "in_process": time_in_process(token, ids[1]),
    }


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return int(cursor.fetchone()[0])


def _results(
    rng: random.Random, ids: list[int], tests: dict[str, MedicalTest], now: dt.datetime
) -> Iterable[tuple[Any, ...]]:
    start = now - dt.timedelta(weeks=WEEKS)
    for pk in ids:
        height = rng.gauss(170, 9)
        weight = rng.gauss(85, 12)
        drift = rng.gauss(-0.05, 0.1)
        yield _row(pk, tests["height"], round(height, 1), "cm", start - dt.timedelta(days=1))
        for week in range(WEEKS):
            at = start + dt.timedelta(weeks=week, hours=rng.uniform(6, 9))
            kg = round(weight + drift * week + rng.gauss(0, 0.5), 1)
            yield _row(pk, tests["weight"], kg, "kg", at)
            bmi = round(kg / (height / 100) ** 2, 1)
            yield _row(pk, tests["bmi"], bmi, "kg/m2", at, source="derived")
        for quarter in range(WEEKS // 13):
            at = start + dt.timedelta(weeks=quarter * 13 + 2, hours=10)
            for code, (typical, spread) in LABS.items():
                value = round(max(typical + rng.gauss(0, spread), typical / 3), 2)
                yield _row(pk, tests[code], value, tests[code].unit, at)


def _row(
    pk: int, test: MedicalTest, value: float, unit: str, at: dt.datetime, source: str = "self"
) -> tuple[Any, ...]:
    return (pk, test.pk, value, str(value), unit, at, at, source, pk if source == "self" else None,
            "", "", "")  # fmt: skip


def _check_ins(rng: random.Random, ids: list[int], now: dt.datetime) -> Iterable[tuple[Any, ...]]:
    for pk in ids:
        for day in range(DAYS):
            at = now - dt.timedelta(days=day, hours=rng.uniform(0, 12))
            audience = "private" if day % 9 == 0 else "care_team"
            yield (pk, "mood", rng.randint(1, 5), "[]", "", audience, at, at, "")


def _goals_alerts_messages(
    rng: random.Random,
    ids: list[int],
    dietitian: User,
    tests: dict[str, MedicalTest],
    now: dt.datetime,
) -> None:
    today = now.date()
    goals = []
    for pk in ids:
        missed, habit_at_risk = rng.choice([0, 0, 1, 2, 5]), rng.random() < 0.2
        goals.append(Goal(customer_id=pk, kind="habit", title="Water", habit="water", times=1,
                          period="day", starts_on=today, status="active", missed=missed,
                          at_risk=habit_at_risk))  # fmt: skip
        goals.append(Goal(customer_id=pk, kind="target", title="Weight", test=tests["weight"],
                          comparison="lte", target=75.0, starts_on=today, status="active",
                          at_risk=rng.random() < 0.3))  # fmt: skip
    Goal.objects.bulk_create(goals, batch_size=2000)
    rules = [
        AlertRule.objects.create(name="High HbA1c", kind="above", test=tests["hba1c"],
                                 threshold=6.5, severity="critical"),
        AlertRule.objects.create(name="Weight loss", kind="drop", test=tests["weight"],
                                 threshold=2.0, days=7, severity="warning"),
        AlertRule.objects.create(name="Low mood", kind="mean_below", threshold=2.0, days=7,
                                 severity="info"),
    ]  # fmt: skip
    Alert.objects.bulk_create(
        [Alert(rule=rule, customer_id=pk, value=1.0) for pk in ids[::5] for rule in rules[:2]]
        + [Alert(rule=rules[2], customer_id=pk, value=1.0) for pk in ids[::7]]
    )
    memberships, messages = [], []
    for pk in ids[::3]:
        conversation = Conversation.objects.create(
            kind="direct", direct_key=f"{min(pk, dietitian.pk)}:{max(pk, dietitian.pk)}",
            created_by_id=pk, last_message_at=now,
        )  # fmt: skip
        memberships += [
            Membership(conversation=conversation, user_id=pk, last_read_seq=4),
            Membership(conversation=conversation, user=dietitian, last_read_seq=1),
        ]
        for seq in range(1, 5):
            messages.append(
                Message(conversation=conversation, sender_id=pk, client_id=f"b{seq}",
                        body="hello", html="<p>hello</p>", seq=seq, created_at=now)
            )  # fmt: skip
    Membership.objects.bulk_create(memberships, batch_size=2000)
    Message.objects.bulk_create(messages, batch_size=2000)


def count_queries(token: str, customer_id: int) -> dict[str, int]:
    """The queries each measured request makes, through the whole stack in this process."""
    client = Client(HTTP_HOST="127.0.0.1")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    counts = {}
    for name, path in paths(customer_id).items():
        client.get(path, **headers)  # a first request fills the per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        counts[name] = len(queries)
    return counts


def time_in_process(token: str, customer_id: int, tries: int = 10) -> dict[str, dict[str, float]]:
    """Each measured request through the whole stack in this process (no HTTP, no other
    process): the best of ``tries``, in ms, and the part of it spent in the database
    (from sending each statement to its answer, as Django times it)."""
    client = Client(HTTP_HOST="127.0.0.1")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    out = {}
    for name, path in paths(customer_id).items():
        best = (float("inf"), 0.0)
        for _ in range(tries):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                client.get(path, **headers)
                elapsed = time.perf_counter() - started
            in_db = sum(float(q["time"]) for q in queries.captured_queries)
            best = min(best, (elapsed, in_db))
        out[name] = {"ms": best[0] * 1000, "db_ms": best[1] * 1000}
    return out


FIRST = ("Ada", "Ben", "Cleo", "Dev", "Elif", "Femi", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lena")
LAST = ("Apple", "Basil", "Chard", "Dill", "Endive", "Fig", "Garlic", "Hops", "Kale", "Leek")
