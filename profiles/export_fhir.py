"""The results in a member's download also as a FHIR R4 bundle (``results.fhir.json``),
beside the tables of ``profiles.personal_data``."""

from __future__ import annotations

from accounts.models import User
from accounts.personal_data import Document, register
from profiles.fhir import export_bundle


def _fhir(member: User) -> list[Document]:
    return [Document("results.fhir", export_bundle(member, member, door="task"))]


register("profiles.fhir", export=_fhir)
