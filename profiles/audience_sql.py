"""The audience rule of ``profiles.catalogue`` as a condition inside a query, for reads over
many customers at once (the care team's dashboard: every customer's alerts, goals and
latest values in one statement), where opening each record in turn would cost queries per
customer.

The answer is the one ``effective_audiences`` gives: the care team sees a test's results
when the audience the customer chose for it (``TestAudience``, else the test's default)
is the care team, and, for a derived test (BMI), when it sees each of its sources too (a
source missing from the catalogue counts as kept to the customer). Medical values never
go beyond the care team, so nothing else is asked.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from profiles.catalogue import DERIVED_FROM
from profiles.models import Audience, MedicalTest, TestAudience


def _chose(customer: str, audience: str, **test: object) -> Exists:
    return Exists(
        TestAudience.objects.filter(customer_id=OuterRef(customer), audience=audience, **test)
    )


def care_team_sees(customer: str = "customer", test: str = "test") -> Q:
    """A condition on rows with a customer (``customer``: the field path to it) and a
    medical test (``test``: the path to the test): the customer's care team sees that
    customer's results of that test. For example
    ``Alert.objects.filter(care_team_sees("customer", "rule__test"))``."""
    own = ~_chose(customer, Audience.ONLY_ME, test_id=OuterRef(test)) & (
        Q(**{f"{test}__default_audience": Audience.CARE_TEAM})
        | _chose(customer, Audience.CARE_TEAM, test_id=OuterRef(test))
    )
    condition = Q(own)
    for derivation, sources in DERIVED_FROM.items():
        seen = Q()
        for code in sources:
            default_shared = Exists(
                MedicalTest.objects.filter(code=code, default_audience=Audience.CARE_TEAM)
            )
            # A source missing from the catalogue matches neither: the derived test hidden.
            seen &= ~_chose(customer, Audience.ONLY_ME, test__code=code) & (
                default_shared | _chose(customer, Audience.CARE_TEAM, test__code=code)
            )
        condition &= ~Q(**{f"{test}__derived": derivation}) | seen
    return condition
