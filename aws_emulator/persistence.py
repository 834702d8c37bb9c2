"""Saving and loading the emulator's state, so a demo survives restarts.

The file is a pickle of the Glue, Lake Formation and RAM backends (every account and region in use)
plus the emulator's own state (organizations, invitations, Lake Formation shares, issued credentials).
Pickle because moto's models are plain Python objects with no JSON form; the file records the moto
version and is refused by any other version, since moto's classes change between releases.
Only load files you wrote yourself: unpickling runs code.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import moto
from moto.core.base_backend import BackendDict
from moto.glue.models import glue_backends
from moto.lakeformation.models import lakeformation_backends
from moto.ram.models import ram_backends

from .state import DISPATCH_LOCK, MESH

FORMAT_VERSION = 1
PERSISTED_BACKENDS: dict[str, BackendDict[Any]] = {
    "glue": glue_backends,
    "lakeformation": lakeformation_backends,
    "ram": ram_backends,
}


class StateFileError(RuntimeError):
    """The state file cannot be loaded (other format or moto version, or damaged)."""


def save_state(path: str | os.PathLike[str]) -> Path:
    """Write the state atomically (a crash mid-write leaves the previous file intact)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with DISPATCH_LOCK:
        payload = pickle.dumps(_snapshot(), protocol=pickle.HIGHEST_PROTOCOL)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def load_state(path: str | os.PathLike[str]) -> None:
    try:
        data = pickle.loads(Path(path).read_bytes())  # noqa: S301 - our own file, see module docstring
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as error:
        raise StateFileError(f"{path} is not an emulator state file: {error}") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        raise StateFileError(f"{path} has an unknown format; delete it to start empty.")
    if data.get("moto") != moto.__version__:
        raise StateFileError(
            f"{path} was written with moto {data.get('moto')}, this is moto {moto.__version__}; "
            "delete it (or re-seed) to start empty."
        )
    with DISPATCH_LOCK:
        for service, accounts in data["backends"].items():
            backend_dict = PERSISTED_BACKENDS[service]
            for account_id, regions in accounts.items():
                for region, backend in regions.items():
                    backend_dict[account_id][region] = backend
        MESH.restore(data["mesh"])


def _snapshot() -> dict[str, Any]:
    backends: dict[str, dict[str, dict[str, Any]]] = {}
    for service, backend_dict in PERSISTED_BACKENDS.items():
        for account_id, region, backend in backend_dict.iter_backends():
            backends.setdefault(service, {}).setdefault(account_id, {})[region] = backend
    return {
        "format": FORMAT_VERSION,
        "moto": moto.__version__,
        "backends": backends,
        "mesh": MESH.snapshot(),
    }
