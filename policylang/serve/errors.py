"""The service's errors: every mistake a client can make is a status and a JSON object, never a traceback.

An error answer is ``{"error": {"code": ..., "message": ..., ...}}``: for a fact or a
parameter the object :meth:`policylang.FactError.to_dict` gives (``fact``, ``value``,
``expected``, ``hint``), the same the command line prints with ``--format json``.

>>> error = ApiError(404, "pol-not-found", "no policy `x`", hint="did you mean `y`?")
>>> error.status, error.to_dict()
(404, {'error': {'code': 'pol-not-found', 'message': 'no policy `x`', 'hint': 'did you mean `y`?'}})
"""

from __future__ import annotations

from typing import Any

from policylang.base.errors import PolicyError, PolicyNotFoundError

BAD_JSON, NOT_FOUND, NOT_ALLOWED, TIMEOUT, TOO_LARGE, UNPROCESSABLE = 400, 404, 405, 408, 413, 422


class ApiError(Exception):
    """An answer that is not a success: its HTTP status and its JSON error object."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = {key: value for key, value in details.items() if value is not None}

    def to_dict(self) -> dict[str, Any]:
        """The answer's body."""
        return {"error": {"code": self.code, "message": self.message, **self.details}}


def request_error(message: str, *, field: str | None = None, hint: str | None = None) -> ApiError:
    """A request the service understood as JSON but cannot use: a wrong field, a wrong type (422).

    >>> request_error("`trace` must be true or false", field="trace").to_dict()["error"]["field"]
    'trace'
    """
    return ApiError(UNPROCESSABLE, "pol-request", message, field=field, hint=hint)


def from_policy_error(error: PolicyError) -> ApiError:
    """The answer to a :class:`~policylang.PolicyError` raised for a request's facts, parameters or record.

    >>> from policylang.base.errors import FactError
    >>> answer = from_policy_error(FactError("not a date", facts=["as_of"], value="x", expected="date"))
    >>> answer.status, answer.to_dict()["error"]["fact"]
    (422, 'as_of')
    """
    status = NOT_FOUND if isinstance(error, PolicyNotFoundError) else UNPROCESSABLE
    answer = ApiError(status, error.code, error.message)
    answer.details = {key: value for key, value in error.to_dict().items() if key not in ("code", "message")}
    return answer


__all__ = ["ApiError", "from_policy_error", "request_error"]
