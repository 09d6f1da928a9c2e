"""What a service is started with: the policies it serves and the bounds of a request.

The settings travel to uvicorn's worker processes through the environment
(:meth:`Settings.to_environment`, :meth:`Settings.from_environment`), since each worker
builds its own application.

>>> Settings.from_environment(Settings(policies=("a.pol", "rules/"), body_bytes=2048).to_environment())
Settings(policies=('a.pol', 'rules/'), bundled=True, body_bytes=2048, request_seconds=10.0, inline_bytes=16384)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs

from policylang.base.errors import PolicyError

_PREFIX = "POLICYLANG_SERVE_"


def _positive(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not value > 0:
        raise PolicyError(f"{attribute.name.replace('_', '-')} must be a positive number, not {value}")


def _not_negative(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not value >= 0:
        raise PolicyError(f"{attribute.name.replace('_', '-')} must be 0 or more, not {value}")


@attrs.frozen(kw_only=True)
class Settings:
    """The served policies (bundled ones and ``policies`` paths) and the limits of one request."""

    policies: tuple[str, ...] = attrs.field(default=(), converter=tuple[str, ...])
    """Paths of further ``.pol`` files or folders of them."""
    bundled: bool = True
    """Whether the bundled policies are served too."""
    body_bytes: int = attrs.field(default=1_000_000, validator=_positive)
    """The largest request body, in bytes (413 beyond it)."""
    request_seconds: float = attrs.field(default=10.0, validator=_positive)
    """How long reading a body, and then answering it, may take (408 and 503 beyond it)."""
    inline_bytes: int = attrs.field(default=16_384, validator=_not_negative)
    """The largest body an evaluation runs on the event loop for, instead of in a worker thread
    (0: never). Only for a policy with no quantifier or aggregate inside another, whose
    evaluation takes time in proportion to its facts: at most a few milliseconds at this size."""

    def to_environment(self) -> dict[str, str]:
        """The settings as environment variables, for the worker processes."""
        return {
            f"{_PREFIX}POLICIES": os.pathsep.join(self.policies),
            f"{_PREFIX}BUNDLED": "1" if self.bundled else "0",
            f"{_PREFIX}BODY_BYTES": str(self.body_bytes),
            f"{_PREFIX}REQUEST_SECONDS": str(self.request_seconds),
            f"{_PREFIX}INLINE_BYTES": str(self.inline_bytes),
        }

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment gives (defaults for what it does not)."""
        env = os.environ if environ is None else environ
        policies = tuple(p for p in env.get(f"{_PREFIX}POLICIES", "").split(os.pathsep) if p)
        try:
            return cls(
                policies=policies,
                bundled=env.get(f"{_PREFIX}BUNDLED", "1") != "0",
                body_bytes=int(env.get(f"{_PREFIX}BODY_BYTES", "1000000")),
                request_seconds=float(env.get(f"{_PREFIX}REQUEST_SECONDS", "10")),
                inline_bytes=int(env.get(f"{_PREFIX}INLINE_BYTES", "16384")),
            )
        except ValueError as e:
            raise PolicyError(f"a {_PREFIX}* variable is not a number: {e}") from None


__all__ = ["Settings"]
