"""A customer's profile values and their audiences: read for a viewer (each field only if
its audience allows), changed by the customer (optimistic concurrency on
``Profile.version``), and their history.

- Reading: the customer sees every field (retired ones marked ``retired``); a
  professional of their care team, with consent to care standing, sees the fields shared
  with the care team (audited); anybody else is told there is nothing to see.
- Changing: a change names the version it was made from. The profile row is locked
  (``SELECT ... FOR UPDATE``), so two changes never interleave; one made from an older
  version is refused with ``edit_conflict`` and the current version, and nothing of it is
  stored: the client reloads, keeps what the member typed, and sends it again.
- Every changed value or audience is a ``ProfileChange`` (who, when, old and new value,
  old and new audience). Narrowing what the care team sees calls ``narrow_rights`` for
  them; changes the care team may see are told on ``health:{customer}`` by key only.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit import record_access
from accounts.models import User
from accounts.signals import narrow_rights
from core.errors import Conflict, NotFound, ServiceError
from profiles.access import care_team_of
from profiles.attributes import all_attributes, attribute_shape, effective_audience
from profiles.models import Attribute, Audience, Profile, ProfileChange, ProfileValue
from profiles.permissions import Relation, can_see, check_can_read_record, check_own_record
from profiles.schema import validate_values
from profiles.topics import tell_profile

HISTORY_PAGE = 50


class EditConflict(Conflict):
    """The profile changed since the version the edit was made from."""

    code = "edit_conflict"

    def __init__(self, current_version: int) -> None:
        super().__init__(
            "your profile was changed elsewhere since you opened it: the current values "
            "are loaded, check them and save again"
        )
        self.current_version = current_version


def _customer(customer_id: int) -> User:
    customer = User.objects.filter(pk=customer_id, erased_at__isnull=True).first()
    if customer is None:
        raise NotFound("no such customer in your care")
    return customer


def _locale(viewer: User, locale: str | None) -> str:
    return (locale or viewer.locale or "en")[:16]


def field_shape(
    attribute: Attribute, row: ProfileValue | None, locale: str = "en"
) -> dict[str, Any]:
    shape = attribute_shape(attribute, locale)
    shape.update(
        value=row.value if row is not None else None,
        audience=effective_audience(attribute, row.audience if row is not None else None),
        updated_at=row.updated_at if row is not None else None,
    )
    return shape


def read_profile(
    viewer: User, customer_id: int, *, locale: str | None = None, door: str = "http"
) -> dict[str, Any]:
    """The profile as ``viewer`` may see it; a professional's read is in the customer's
    access log. Anybody else: ``not_found``, whether or not the customer exists."""
    customer = _customer(customer_id)
    relation = check_can_read_record(viewer, customer)
    locale = _locale(viewer, locale)
    rows = {row.attribute_id: row for row in ProfileValue.objects.filter(customer_id=customer.pk)}
    fields = []
    for attribute in all_attributes():
        row = rows.get(attribute.pk)
        if relation is Relation.SELF:
            if attribute.retired_at is None or (row is not None and row.value is not None):
                fields.append(field_shape(attribute, row, locale))
        elif (
            attribute.retired_at is None
            and row is not None
            and row.value is not None
            and can_see(relation, row.audience, display_field=attribute.display_field)
        ):
            fields.append(field_shape(attribute, row, locale))
    if relation is not Relation.SELF:
        record_access(viewer, [customer], "read", "profile", door)
    profile = Profile.objects.filter(customer_id=customer.pk).first() or Profile(
        customer_id=customer.pk
    )
    return {
        "customer": {"id": customer.pk, "name": customer.public_name()},
        "version": profile.version,
        "onboarding_step": profile.onboarding_step,
        "onboarded_at": profile.onboarded_at,
        "fields": fields,
    }


def customer_today(customer: User) -> date:
    """Today where the customer lives (a birth date "in the future" is in their days)."""
    try:
        zone = zoneinfo.ZoneInfo(customer.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.now().astimezone(zone).date()


def _normalised(attribute: Attribute, value: Any) -> Any:
    """Blank text and an empty list clear a value; text is trimmed; the choices of a
    multiple choice are kept in the order of the options (so a change is a change)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, list):
        if not value:
            return None
        if attribute.kind == Attribute.Kind.MULTI_CHOICE and all(isinstance(v, str) for v in value):
            order = [o.get("value") for o in attribute.options if isinstance(o, dict)]
            return sorted(value, key=lambda v: order.index(v) if v in order else len(order))
    return value


def _known(
    keys: Mapping[str, Any], where: str, attributes: Mapping[str, Attribute]
) -> list[Attribute]:
    """The attributes ``keys`` name, each active; the first that is not is named."""
    found = []
    for key in keys:
        attribute = attributes.get(key)
        if attribute is None:
            raise ServiceError(
                f"there is no field {key!r} to fill in",
                code="unknown_field",
                field=f"{where}.{key}",
            )
        if attribute.retired_at is not None:
            raise ServiceError(
                f"{attribute.label()} is no longer asked for",
                code="retired_field",
                field=f"{where}.{key}",
            )
        found.append(attribute)
    return found


def _check_audiences(audiences: Mapping[str, str], attributes: Mapping[str, Attribute]) -> None:
    for key, audience in audiences.items():
        attribute = attributes[key]
        if audience not in Audience.values:
            raise ServiceError(
                "choose who sees it: only_me, care_team or community",
                code="invalid_audience",
                field=f"audiences.{key}",
            )
        if audience == Audience.COMMUNITY and not attribute.display_field:
            raise ServiceError(
                f"{attribute.label()} cannot be shown on your community profile: only your "
                "care team may see it",
                code="invalid_audience",
                field=f"audiences.{key}",
            )


def update_profile(
    actor: User,
    customer_id: int,
    *,
    version: int,
    values: Mapping[str, Any],
    audiences: Mapping[str, str],
    locale: str | None = None,
) -> dict[str, Any]:
    """Change values (None clears one) and audiences of the customer's own profile, from
    ``version``. Nothing changed changes nothing (not even the version)."""
    check_own_record(actor, customer_id)
    customer = _customer(customer_id)
    attributes = {a.key: a for a in all_attributes()}
    _known(values, "values", attributes)
    _known(audiences, "audiences", attributes)
    _check_audiences(audiences, attributes)
    cleaned = {key: _normalised(attributes[key], value) for key, value in values.items()}
    active = [a for a in attributes.values() if a.retired_at is None]
    validate_values(cleaned, active, today=customer_today(customer))
    with transaction.atomic():
        Profile.objects.get_or_create(customer_id=customer.pk)
        profile = Profile.objects.select_for_update().get(customer_id=customer.pk)
        if profile.version != version:
            raise EditConflict(profile.version)
        _apply(actor, customer, profile, cleaned, audiences, attributes)
    return read_profile(actor, customer.pk, locale=locale)


def _apply(
    actor: User,
    customer: User,
    profile: Profile,
    values: Mapping[str, Any],
    audiences: Mapping[str, str],
    attributes: Mapping[str, Attribute],
) -> None:
    """Store what changed with its history, under the profile's lock."""
    rows = {row.attribute_id: row for row in ProfileValue.objects.filter(customer_id=customer.pk)}
    now = timezone.now()
    changes: list[ProfileChange] = []
    told: list[str] = []
    narrowed = False
    for key in [k for k in attributes if k in values or k in audiences]:
        attribute = attributes[key]
        row = rows.get(attribute.pk)
        old_value = row.value if row is not None else None
        old_audience = effective_audience(attribute, row.audience if row is not None else None)
        new_value = values[key] if key in values else old_value
        new_audience = audiences.get(key, old_audience)
        if new_value == old_value and new_audience == old_audience:
            continue
        if row is None:
            row = ProfileValue(customer=customer, attribute=attribute)
        row.value, row.audience = new_value, new_audience
        row.updated_at, row.updated_by = now, actor
        row.save()
        changes.append(
            ProfileChange(
                customer=customer,
                attribute=attribute,
                old_value=old_value,
                new_value=new_value,
                old_audience=old_audience,
                new_audience=new_audience,
                changed_by=actor,
                changed_at=now,
            )
        )
        # What the care team could see, and can see now: a value with their audience.
        shown = attribute.display_field
        care_before = old_value is not None and can_see(
            Relation.CARE, old_audience, display_field=shown
        )
        care_now = can_see(Relation.CARE, new_audience, display_field=shown)
        if care_before or (care_now and new_value is not None):
            told.append(key)
        narrowed = narrowed or (care_before and not care_now)
    if not changes:
        return
    ProfileChange.objects.bulk_create(changes)
    profile.version += 1
    profile.updated_at = now
    profile.save(update_fields=["version", "updated_at"])
    if narrowed:
        narrow_rights(sorted(care_team_of(customer.pk)), customer_id=customer.pk)
    # Broadcast on commit, keys only: the care team reads the values through the API.
    tell_profile(customer.pk, told)


def history(
    viewer: User, customer_id: int, *, cursor: int | None = None, locale: str | None = None
) -> dict[str, Any]:
    """The changes of the customer's own profile, newest first, ``HISTORY_PAGE`` at a
    time; ``next_cursor`` pages on (None at the end)."""
    check_own_record(viewer, customer_id)
    locale = _locale(viewer, locale)
    changes = ProfileChange.objects.filter(customer_id=customer_id).select_related(
        "attribute", "changed_by"
    )
    if cursor is not None:
        changes = changes.filter(pk__lt=cursor)
    page = list(changes.order_by("-pk")[: HISTORY_PAGE + 1])
    more = len(page) > HISTORY_PAGE
    page = page[:HISTORY_PAGE]
    return {
        "items": [_change_shape(change, locale) for change in page],
        "next_cursor": page[-1].pk if more and page else None,
    }


def _change_shape(change: ProfileChange, locale: str) -> dict[str, Any]:
    who = change.changed_by
    return {
        "id": change.pk,
        "key": change.attribute.key,
        "label": change.attribute.label(locale),
        "kind": change.attribute.kind,
        "changed_at": change.changed_at,
        "changed_by": {"id": who.pk, "name": who.public_name()} if who is not None else None,
        "old_value": change.old_value,
        "new_value": change.new_value,
        "old_audience": change.old_audience,
        "new_audience": change.new_audience,
    }


def current_values(customer_id: int, keys: list[str] | None = None) -> dict[str, Any]:
    """The customer's values by key (``keys``, or all), for the rules of other modules
    (a reference range reads ``sex`` and ``birth_date``). Not for showing anybody: it
    applies no audience."""
    rows = ProfileValue.objects.filter(customer_id=customer_id, value__isnull=False)
    if keys is not None:
        rows = rows.filter(attribute__key__in=keys)
    return dict(rows.values_list("attribute__key", "value"))


def missing_required(customer_id: int) -> list[str]:
    """The keys of active attributes required at onboarding that the customer has not
    given, in page order."""
    given = set(current_values(customer_id))
    return [
        a.key
        for a in all_attributes()
        if a.retired_at is None and a.required and a.key not in given
    ]
