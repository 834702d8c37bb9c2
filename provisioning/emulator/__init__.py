"""Local AWS emulator for MeshPortal: moto server plus what the data-mesh flow needs from Lake Formation,
RAM and Glue across accounts, fault injection, call counting, state files and seeding.

Entry points:

* ``python -m provisioning.emulator --port 5000 [--state FILE] [--seed FILE] [--org ORG=ACCT,ACCT]``
* ``python manage.py aws_emulator`` (same options)
* ``provisioning.emulator.testing.running_emulator()`` for tests

See docs/emulator.md. This package must not import Django.
"""

from .cli import main, serve
from .seed import apply_seed, load_seed_file
from .server import EmulatorServer

__all__ = ["EmulatorServer", "apply_seed", "load_seed_file", "main", "serve"]
