"""Template filters of the programme pages: names, plan status badges, training validity, load."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from ..selectors import training_state as _training_state

register = template.Library()

PLAN_STATUS_CLASSES = {
    "draft": "ka-status-draft",
    "submitted": "ka-status-submitted",
    "approved": "ka-status-approved",
    "returned": "ka-status-returned",
}
PLAN_STATUS_ICONS = {
    "draft": "pencil",
    "submitted": "hourglass-split",
    "approved": "check-circle",
    "returned": "arrow-return-left",
}
TRAINING_STATES = {
    "valid": ("ka-training-valid", "patch-check", _("Valid")),
    "expiring": ("ka-training-expiring", "exclamation-triangle", _("Expires soon")),
    "expired": ("ka-training-expired", "x-octagon", _("Expired")),
    "future": ("ka-training-future", "clock", _("Not yet completed")),
}


@register.filter
def person(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@register.filter
def plan_status_class(status: str) -> str:
    return PLAN_STATUS_CLASSES.get(status or "", "ka-status-none")


@register.filter
def plan_status_icon(status: str) -> str:
    return PLAN_STATUS_ICONS.get(status or "", "dash-circle")


@register.filter
def training_badge(training: Any) -> dict[str, Any]:
    css, icon, label = TRAINING_STATES[_training_state(training)]
    return {"css": css, "icon": icon, "label": label}


@register.filter
def load_percent(load: int, capacity: int) -> int:
    """The load as a share of the capacity for a progress bar (capped at 100)."""
    if not capacity:
        return 100
    return min(100, round(100 * (load or 0) / capacity))


@register.filter
def load_class(load: int, capacity: int) -> str:
    if not capacity or load >= capacity:
        return "ka-load-full"
    if load >= capacity - 1:
        return "ka-load-near"
    return "ka-load-ok"


@register.filter
def cap100(value: Any) -> int:
    try:
        return max(0, min(100, int(value)))
    except (TypeError, ValueError):
        return 0


@register.filter
def rm_training_state(person: Any) -> str:
    """valid, expiring or missing, from the annotations of selectors.rm_user_list."""
    from datetime import timedelta

    from django.utils import timezone

    from ..selectors import TRAINING_EXPIRY_WARNING_DAYS

    if not getattr(person, "has_valid_training", False):
        return "missing"
    if person.training_forever or person.training_expires_on is None:
        return "valid"
    soon = timezone.localdate() + timedelta(days=TRAINING_EXPIRY_WARNING_DAYS)
    return "expiring" if person.training_expires_on <= soon else "valid"


@register.filter
def dictkey(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def widget(field: Any) -> str:
    """The field's widget, marked invalid (and tied to its error) when the field has errors."""
    if not field.errors:
        return field.as_widget()
    css = f"{field.field.widget.attrs.get('class', '')} is-invalid".strip()
    return field.as_widget(attrs={"class": css, "aria-describedby": f"{field.id_for_label}-error"})


@register.filter
def iso_date(value: str) -> date | str:
    """A date kept as ISO text (the candidate numbers of a nomination) as a date, for `|date`."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
