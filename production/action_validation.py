"""Check action server responses against Rasa's schema without rebuilding the validator.

Rasa validates every action server response with `jsonschema.validate(result, spec)`
(rasa/core/actions/action.py, `_validate_action_result`). That call checks the schema itself
against its metaschema every time: 20 to 25 ms per message on these machines, a fifth of a
replica's busy time under load (docs/production.md, profile). The schema never changes, so
`install()` checks it once and keeps the validator: the same errors, in about 0.3 ms.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa.core.actions.action import DOCS_BASE_URL, RemoteAction


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import validators

    spec = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(spec)
    cls.check_schema(spec)
    return cls(spec)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's `_validate_action_result`, with the validator built once."""
    from jsonschema import ValidationError

    try:
        _validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
