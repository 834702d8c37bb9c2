"""Local AWS emulator for MeshPortal: moto server plus what the data-mesh flow needs from Lake Formation,
RAM and Glue across accounts, fault injection, call counting, state files and seeding.

A development and test tool, installed from requirements/emulator.txt; the portal never imports it
(.importlinter). Entry points:

* ``python -m aws_emulator --port 5000 [--state FILE] [--seed FILE] [--org ORG=ACCT,ACCT]``
* ``python manage.py aws_emulator`` (same options; dev and test settings install this app when moto is there)
* ``aws_emulator.testing.running_emulator()`` for tests

See docs/emulator.md. Only ``apps.py`` and ``management/`` import Django; the emulator itself must not.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cli import main, serve
    from .seed import apply_seed, load_seed_file
    from .server import EmulatorServer

__all__ = ["EmulatorServer", "apply_seed", "load_seed_file", "main", "serve"]

_EXPORTED_FROM = {
    "EmulatorServer": ".server",
    "apply_seed": ".seed",
    "load_seed_file": ".seed",
    "main": ".cli",
    "serve": ".cli",
}


def __getattr__(name: str) -> Any:
    # Loaded on first use (PEP 562): Django imports this package as an app at every manage.py start,
    # and importing moto costs more than a second.
    if name not in _EXPORTED_FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTED_FROM[name], __name__), name)
