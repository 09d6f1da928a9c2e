"""The policies one service answers for: the bundled ones and those from given paths, loaded at start.

Every policy is loaded and checked when the service starts, so a policy that does not
load stops the start with its diagnostics instead of failing a request later; its
manifest is made once. A policy from ``--policies`` with a bundled policy's name takes
its place (a deployment's own version of it), which :attr:`Catalogue.replaced` lists.

>>> catalogue = Catalogue.of(["policies/examples/benefit.pol"], bundled=False)
>>> catalogue.names
['examples/benefit']
>>> catalogue.summaries()[0]["version"]
'1.0'
>>> catalogue.policy("examples/benefits")
Traceback (most recent call last):
...
policylang.serve.errors.ApiError: no policy `examples/benefits` is served
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from policylang.base.errors import PolicyNotFoundError
from policylang.base.suggest import suggest
from policylang.ir.cost import nested_iteration
from policylang.policy.loader import bundled_names, load, policy_files_in
from policylang.policy.policy import Policy
from policylang.serve.errors import NOT_FOUND, ApiError


class Catalogue:
    """The served policies by name, with each one's manifest and summary."""

    def __init__(self, policies: Sequence[Policy]) -> None:
        self._policies: dict[str, Policy] = {}
        self.replaced: list[str] = []
        for policy in policies:
            if policy.name in self._policies:
                self.replaced.append(policy.name)
            self._policies[policy.name] = policy
        self._manifests: dict[str, dict[str, Any]] = {}
        self._linear: dict[str, bool] = {}

    @classmethod
    def of(cls, paths: Sequence[str] = (), *, bundled: bool = True) -> Catalogue:
        """The bundled policies (unless ``bundled`` is false) and the policies at ``paths``.

        A path is a ``.pol`` file or a folder, whose policies (``.pol`` files with a
        ``policy`` header; not the files they import) are all served. Raises
        :class:`~policylang.PolicyError` for a path with no policy or a policy that does
        not load.
        """
        files: list[str] = list(bundled_names()) if bundled else []
        for path in paths:
            folder = Path(path)
            if folder.is_dir():
                found = policy_files_in(folder)
                if not found:
                    raise PolicyNotFoundError(
                        f"{path}: the folder holds no policy (a .pol file with a `policy` header)"
                    )
                files.extend(str(file) for file in found)
            else:
                files.append(path)
        return cls([load(file) for file in files])

    @property
    def names(self) -> list[str]:
        """The served policies' names, sorted."""
        return sorted(self._policies)

    def policy(self, name: str) -> Policy:
        """The policy served as ``name``, or a 404 :class:`ApiError` with the name most like it."""
        try:
            return self._policies[name]
        except KeyError:
            hint = suggest(name, self._policies) or f"the service has: {', '.join(self.names)}"
            raise ApiError(NOT_FOUND, "pol-not-found", f"no policy `{name}` is served", hint=hint) from None

    def linear(self, name: str) -> bool:
        """Whether evaluating the policy ``name`` takes time in proportion to its facts (no nested iteration)."""
        if name not in self._linear:
            self._linear[name] = nested_iteration(self.policy(name).program) is None
        return self._linear[name]

    def manifest(self, name: str) -> dict[str, Any]:
        """The manifest of the policy ``name`` (made once)."""
        policy = self.policy(name)
        if name not in self._manifests:
            self._manifests[name] = policy.manifest()
        return self._manifests[name]

    def summaries(self) -> list[dict[str, Any]]:
        """What ``GET /v1/policies`` lists: each policy's name, title, version, manifest hash and validity."""
        listed = []
        for name in self.names:
            manifest = self.manifest(name)
            listed.append(
                {
                    "name": name,
                    "title": manifest["title"],
                    "version": manifest["version"],
                    "manifest": manifest["hash"],
                    "valid_from": manifest["valid_from"],
                    "valid_until": manifest["valid_until"],
                }
            )
        return listed


__all__ = ["Catalogue"]
