"""The audit trail of a customer: who changed what, when, with old and new values.

django-simple-history keeps a full copy of every row at every change (through
pages, API and imports alike, each service records its user). This module reads
those copies for one customer and its records and pairs each with the one before
it, in a fixed number of queries: one per tracked model and one per kind of
related record named in a change.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import (
    AccountTeamMember,
    CompetitorIntel,
    ContactPerson,
    Customer,
    Feedback,
    Household,
    HouseholdMember,
    Interest,
)

ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
SKIPPED_FIELDS = {"id", "created_at", "updated_at", "added_at"}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Change:
    when: datetime
    who: Any
    what: str
    record: str
    action: str
    action_code: str
    fields: list[FieldChange] = field(default_factory=list)


def _tracked_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in SKIPPED_FIELDS]


def _history_rows(customer: Customer) -> list[tuple[type[models.Model], list[Any]]]:
    by_customer = [ContactPerson, Household, Interest, Feedback, CompetitorIntel, AccountTeamMember]
    rows = [(Customer, list(Customer.history.filter(id=customer.pk).select_related("history_user")))]
    household_ids = set()
    for model in by_customer:
        history = list(model.history.filter(customer_id=customer.pk).select_related("history_user"))
        rows.append((model, history))
        if model is Household:
            household_ids = {row.id for row in history}
    members = HouseholdMember.history.filter(household_id__in=household_ids).select_related("history_user")
    rows.append((HouseholdMember, list(members)))
    return rows


def _related_names(rows: list[tuple[type[models.Model], list[Any]]]) -> dict[tuple[type, int], str]:
    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    for model, history in rows:
        for f in _tracked_fields(model):
            if f.is_relation and f.many_to_one:
                for row in history:
                    value = getattr(row, f.attname)
                    if value is not None:
                        wanted[f.related_model].add(value)
    names: dict[tuple[type, int], str] = {}
    for related, ids in wanted.items():
        for obj in related._default_manager.filter(pk__in=ids):
            names[(related, obj.pk)] = str(obj.get_full_name() or obj) if hasattr(obj, "get_full_name") else str(obj)
    return names


def _display(model_field: models.Field, value: Any, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if model_field.is_relation:
        return names.get((model_field.related_model, value), f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def customer_changes(*, customer: Customer) -> list[Change]:
    """Every recorded change to the customer and its records, newest first."""
    rows = _history_rows(customer)
    names = _related_names(rows)
    changes: list[Change] = []
    for model, history in rows:
        fields = _tracked_fields(model)
        previous: dict[int, Any] = {}
        for row in sorted(history, key=lambda r: (r.id, r.history_date, r.history_id)):
            before = previous.get(row.id)
            diffs = []
            if row.history_type != "-":
                for f in fields:
                    new = getattr(row, f.attname)
                    old = getattr(before, f.attname) if before is not None else None
                    if before is None and new in (None, "", False) and f.name not in ("name",):
                        continue
                    if before is None or old != new:
                        diffs.append(
                            FieldChange(
                                str(f.verbose_name), _display(f, old, names) if before else "", _display(f, new, names)
                            )
                        )
            if row.history_type == "~" and not diffs:
                previous[row.id] = row
                continue
            changes.append(
                Change(
                    when=row.history_date,
                    who=row.history_user,
                    what=str(model._meta.verbose_name),
                    record=_record_label(model, row, names),
                    action=str(ACTIONS[row.history_type]),
                    action_code=row.history_type,
                    fields=diffs,
                )
            )
            previous[row.id] = row
    return sorted(changes, key=lambda change: change.when, reverse=True)


def _record_label(model: type[models.Model], row: Any, names: dict) -> str:
    if model is Interest:
        return names.get((Interest._meta.get_field("topic").related_model, row.topic_id), "")
    if model is AccountTeamMember:
        return names.get((AccountTeamMember._meta.get_field("user").related_model, row.user_id), "")
    if model in (Feedback,):
        return str(row.asked_on)
    if model is CompetitorIntel:
        return f"{row.competitor_brand} ({row.product_category})"
    return str(getattr(row, "name", ""))
