"""OpenAPI generation: every operation documents the error answers it can give,
so that clients (and the schemathesis run in the test suite) know them."""

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Field name (or `non_field_errors`, or `detail`) to a list of messages.",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {}},
            {"type": "string"},
            {"type": "object"},
        ]
    },
}

ERROR_RESPONSES = {
    "400": ("ValidationError", VALIDATION_ERROR_SCHEMA, "Invalid input, with a message per field."),
    "401": ("Error", ERROR_SCHEMA, "Not authenticated: send a session cookie or `Authorization: Token <key>`."),
    "403": ("Error", ERROR_SCHEMA, "Authenticated, but this role may not do this."),
    "404": ("Error", ERROR_SCHEMA, "No such record, or it is outside your scope."),
    "429": ("Error", ERROR_SCHEMA, "Too many requests (fair-use throttle or login lockout); retry later."),
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, (name, schema, description) in ERROR_RESPONSES.items():
            if code in responses:
                continue
            component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
            self.registry.register_on_missing(component)
            responses[code] = {
                "description": description,
                "content": {"application/json": {"schema": component.ref}},
            }
        return responses
