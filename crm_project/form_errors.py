"""Putting a service's ValidationError onto the form that sent the input (every app's views)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


def apply_service_errors(form: Any, error: ValidationError | dict[str, list[str]]) -> None:
    """Each message at its field when the form has that field, else at the top of the form."""
    if isinstance(error, ValidationError) and not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    messages = error.message_dict if isinstance(error, ValidationError) else error
    for field, field_messages in messages.items():
        form.add_error(field if field in form.fields else None, field_messages)
