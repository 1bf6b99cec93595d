"""The health scenario's data, made inside the app (``bench/seed.py`` calls it when the
spec asks for ``"health": true``): one customer with ten years of daily weights, a height
each year and monthly labs (blood pressure, waist, fasting glucose, HbA1c, the lipids,
vitamin D, ferritin), inserted in bulk; then the BMI derived from every weight and the
interpretations made by the services themselves, as they would stand after years of use,
and the table vacuumed and analysed as autovacuum would after such an insert.

It also counts the database queries of each measured request, in this process: the same
requests through Django's test client (the whole middleware stack and the API, against
the same database) inside ``CaptureQueriesContext``. The driver times the requests over
HTTP against the running server; the counts come from here.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.bounds import EARLIEST
from accounts.models import User
from accounts.roles import Role
from accounts.services import issue_token_pair
from bench.health import paths
from profiles.models import MedicalTest, Result
from profiles.records import open_record
from profiles.results import BodyChange, rederive_bmi
from profiles.results_read import reinterpret

DAYS = 3652  # ten years of daily weights
MONTHS = 120

# test code: (typical value, spread, unit)
LABS = {
    "systolic": (124, 8, "mm[Hg]"),
    "diastolic": (79, 6, "mm[Hg]"),
    "waist": (92, 3, "cm"),
    "glucose_fasting": (5.4, 0.5, "mmol/L"),
    "hba1c": (5.6, 0.3, "%"),
    "cholesterol_total": (5.0, 0.5, "mmol/L"),
    "ldl": (3.1, 0.4, "mmol/L"),
    "hdl": (1.3, 0.2, "mmol/L"),
    "triglycerides": (1.5, 0.4, "mmol/L"),
    "vitamin_d": (60, 15, "nmol/L"),
    "ferritin": (90, 30, "ug/L"),
}


def seed() -> dict[str, Any]:
    rng = random.Random(7)  # the same data in every run
    with transaction.atomic():
        customer = User.objects.create_user(
            email="health-bench@example.org", display_name="Bench Health", role=Role.CUSTOMER
        )
        tests = {t.code: t for t in MedicalTest.objects.all()}
        start = (timezone.now() - dt.timedelta(days=DAYS)).replace(
            hour=7, minute=0, second=0, microsecond=0
        )
        rows: list[Result] = []

        def add(code: str, value: float, unit: str, at: dt.datetime) -> None:
            rows.append(
                Result(customer=customer, test=tests[code], value=round(value, 2),
                       entered_value=f"{value:.2f}", entered_unit=unit, taken_at=at,
                       recorded_at=at, source=Result.Source.SELF, entered_by=customer)
            )  # fmt: skip

        for day in range(DAYS):
            seasonal = 3 * math.sin(day / 365.25 * 2 * math.pi)
            add("weight", 84 - day / 900 + seasonal + rng.gauss(0, 0.4), "kg",
                start + dt.timedelta(days=day))  # fmt: skip
        for year in range(10):
            add("height", 171 - year * 0.05, "cm", start + dt.timedelta(days=365 * year, hours=-1))
        for month in range(MONTHS):
            at = start + dt.timedelta(days=month * 30.44, hours=1.5)
            for code, (typical, spread, unit) in LABS.items():
                add(code, max(typical + rng.gauss(0, spread), typical / 3), unit, at)
        Result.objects.bulk_create(rows, batch_size=2000)
        # What the services would have made of them: BMI at every weight, interpretations.
        rederive_bmi(open_record(customer, customer.pk), BodyChange(set(), EARLIEST))
        reinterpret(customer)
    # As autovacuum would soon after such an insert: the planner's statistics, and the
    # visibility map the index-only counts use.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE profiles_result")
    token = issue_token_pair(customer)["access_token"]
    return {
        "customer": customer.pk,
        "token": token,
        "entered": len(rows),
        "results": Result.objects.filter(customer=customer).count(),
        "weights": DAYS,
        "weight_test": tests["weight"].pk,
        "queries": count_queries(customer.pk, token),
    }


def count_queries(customer_id: int, token: str) -> dict[str, int]:
    """The queries each measured request makes, through the whole stack in this process."""
    client = Client(HTTP_HOST="127.0.0.1")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    counts = {}
    for name, path in paths(customer_id).items():
        client.get(path, **headers)  # a first request fills the per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = len(queries)
    return counts
