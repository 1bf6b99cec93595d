"""The audience rule inside queries (``profiles.audience_sql``) answers as the rule itself
(``effective_audiences``) for every customer and test: the ORM's condition and the SQL
text alike, with defaults kept to the customer and a derived test (BMI) among them."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.utils import timezone

from profiles.audience_sql import care_team_sees, care_team_sees_sql
from profiles.catalogue import audiences_of
from profiles.models import Audience, MedicalTest, Result
from profiles.models import TestAudience as Choice

CODES = ("weight", "height", "bmi", "hba1c")
CHOICES = (None, Audience.ONLY_ME, Audience.CARE_TEAM)


@pytest.mark.django_db
@pytest.mark.parametrize("private_default", [(), ("height",), ("hba1c", "bmi")])
def test_the_sql_and_the_orm_condition_agree_with_the_rule(make_user, private_default):
    MedicalTest.objects.filter(code__in=private_default).update(default_audience="only_me")
    catalogue = list(MedicalTest.objects.all())
    tests = {t.code: t for t in catalogue}
    customers = []
    # Every choice for weight and height (BMI's sources) and two for BMI and HbA1c.
    for i, (weight, height, own) in enumerate(itertools.product(CHOICES, CHOICES, CHOICES[:2])):
        customer = make_user(display_name=f"Customer {i}")
        for code, choice in (("weight", weight), ("height", height), ("bmi", own), ("hba1c", own)):
            if choice is not None:
                Choice.objects.create(customer=customer, test=tests[code], audience=choice)
        customers.append(customer)
    expected = set()
    for customer in customers:
        audiences = audiences_of(customer.pk, catalogue)
        for code in CODES:
            if audiences[tests[code].pk] == Audience.CARE_TEAM:
                expected.add((customer.pk, tests[code].pk))
    assert expected and len(expected) < len(customers) * len(CODES)  # both answers occur

    rows = []
    for customer in customers:
        for code in CODES:
            rows.append(
                Result(
                    customer=customer,
                    test=tests[code],
                    value=1.0,
                    entered_value="1",
                    entered_unit=tests[code].unit,
                    taken_at=timezone.now(),
                    source="self",
                )
            )
    Result.objects.bulk_create(rows)
    by_orm = set(
        Result.objects.filter(customer__in=customers)
        .filter(care_team_sees(catalogue, "customer", "test"))
        .values_list("customer_id", "test_id")
    )
    assert by_orm == expected

    seen, params = care_team_sees_sql(catalogue, "u.id", "t.id")
    ids = [c.pk for c in customers]
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT u.id, t.id FROM accounts_user u CROSS JOIN profiles_medicaltest t"  # noqa: S608
            f" WHERE u.id IN ({marks}) AND t.code IN (%s, %s, %s, %s) AND {seen}",
            [*ids, *CODES, *params],
        )
        by_sql = set(cursor.fetchall())
    assert by_sql == expected
