"""Build hook: the wheel ships the bundled policies compiled, so that they load fast from the first run.

Hatch runs this hook when it builds a wheel (not for an editable install). It loads every
bundled policy with the policylang being built, in a fresh process whose compiled-policy
cache (``POLICYLANG_CACHE_DIR``) is an empty temporary folder, and puts the files that
the cache then holds into the wheel as ``policylang/policies/_compiled/``, beside the
policies. :mod:`policylang.policy.store` finds them by the same key as any cached policy:
a hash of the policy's text, policylang's version and the code that checks policies, so
they are always those of this wheel's own code and policies, and a file that is not
current is never used. Nothing is committed to the repository, so a change to a policy
never needs a generation step.

A bundled policy that does not compile is left out with a warning; where policylang
cannot run at all in the build environment (its dependencies missing), the wheel ships
no compiled policies and says so: those policies are then compiled on first use and
cached per user, as any other.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

COMPILE = """
import policylang
for name in policylang.bundled_names():
    try:
        policylang.load(name)
    except policylang.PolicyError as e:
        print(f"not shipped compiled: {name}: {e.message}")
"""


class CompiledPoliciesHook(BuildHookInterface):
    """Compile the bundled policies into the wheel."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        self.folder = Path(tempfile.mkdtemp(prefix="policylang-compiled-"))
        path = os.pathsep.join(p for p in (self.root, os.environ.get("PYTHONPATH", "")) if p)
        env = {**os.environ, "POLICYLANG_CACHE_DIR": str(self.folder), "PYTHONPATH": path}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        run = subprocess.run([sys.executable, "-c", COMPILE], cwd=self.root, env=env, capture_output=True, text=True)
        for line in run.stdout.splitlines():
            self.app.display_warning(line)
        compiled = self.folder / "compiled"
        if run.returncode != 0 or not compiled.is_dir():
            self.app.display_warning(f"the wheel ships no compiled policies: {run.stderr.strip()[-500:]}")
            return
        build_data["force_include"][str(compiled)] = "policylang/policies/_compiled"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        folder = getattr(self, "folder", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
