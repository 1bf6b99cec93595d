"""Opening a customer's health record: who the viewer is to the customer, the catalogue,
and which tests' results the viewer may see (the customer all of theirs; a professional
of their care team, with their consent to care standing, those shared with the care team).
Anybody else is told there is no such customer, in the same words whether or not one
exists. Every read by someone else is written to the customer's access log, once per
request (``audit_read``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from accounts.audit import record_access
from accounts.models import User
from core.errors import NotFound
from profiles.catalogue import Reading, TestIndex, chosen_audiences, effective_audiences
from profiles.models import Audience, MedicalTest, Result
from profiles.permissions import Relation, check_can_read_record

NOT_FOUND = "no such customer in your care"


def customer_or_404(customer_id: int) -> User:
    customer = User.objects.filter(pk=customer_id, erased_at__isnull=True).first()
    if customer is None:
        raise NotFound(NOT_FOUND)
    return customer


@dataclass
class Record:
    viewer: User
    customer: User
    relation: Relation
    index: TestIndex
    # The audience that applies to each test's results (a derived test's narrowed to its
    # sources'), and the one the customer chose.
    audiences: dict[int, str] = field(default_factory=dict)
    chosen: dict[int, str] = field(default_factory=dict)

    def visible(self, test: MedicalTest) -> bool:
        """Whether the viewer sees this test's results (a medical value: never beyond the
        care team, whatever the audience says)."""
        if self.relation is Relation.SELF:
            return True
        return self.audiences.get(test.pk) == Audience.CARE_TEAM

    def care_sees(self, test: MedicalTest) -> bool:
        """Whether the care team sees this test's results (then changes are told on the
        customer's health topic)."""
        return self.audiences.get(test.pk) == Audience.CARE_TEAM

    def visible_tests(self) -> list[MedicalTest]:
        return [t for t in self.index.tests if self.visible(t)]

    @cached_property
    def reading(self) -> Reading:
        """The ranges and interpretations as this viewer may read them."""
        return Reading(self.customer, self.relation)

    @property
    def source(self) -> str:
        """How a result the viewer enters is recorded."""
        return Result.Source.SELF if self.relation is Relation.SELF else Result.Source.CARE_TEAM

    @property
    def by_other(self) -> bool:
        return self.relation is not Relation.SELF


def open_record(viewer: User, customer_id: int) -> Record:
    """The record as ``viewer`` may see it; 404 for anybody but the customer and their
    care team. A few queries, whatever the record holds."""
    customer = viewer if viewer.pk == customer_id else customer_or_404(customer_id)
    relation = check_can_read_record(viewer, customer)
    index = TestIndex()
    chosen = chosen_audiences(customer.pk, index.tests)
    audiences = effective_audiences(chosen, index.tests)
    return Record(viewer, customer, relation, index, audiences, chosen)


def audit_read(record: Record, resource: str, door: str = "http", action: str = "read") -> None:
    """One entry in the customer's access log for this read, when it is by someone else."""
    if record.by_other:
        record_access(record.viewer, [record.customer], action, resource, door)


def audit_write(record: Record, action: str, door: str = "http") -> None:
    """One entry in the customer's access log for results a professional added, corrected
    or imported (``add``, ``amend``, ``import``); the customer's own writes write none."""
    if record.by_other:
        record_access(record.viewer, [record.customer], action, "results", door)
