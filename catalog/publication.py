"""The seam between publishing a data product (or re-reading its tables) and registering its tables elsewhere.

The catalog sits below provisioning: publishing decides *that* a product is offered; under the central and
line-of-business governance models provisioning registers its tables in the central account's catalog. The
catalog calls ``publication_listeners()`` inside the publish transaction; provisioning registers its listener
in ``ProvisioningConfig.ready()`` (it records durable registration jobs, the outbox). Nothing in this app
imports provisioning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from catalog.models import DataProduct, OutputPort


class PublicationListener(Protocol):
    def published(self, *, product: DataProduct) -> None:
        """Record the work publishing ``product`` needs, in the caller's transaction."""

    def table_reread(self, *, port: OutputPort) -> None:
        """A re-harvest read ``port``'s table again: record what must follow its schema, in the caller's
        transaction."""

    def retired(self, *, product: DataProduct) -> None:
        """``product`` was retired: record the removal of what publishing it created elsewhere, in the
        caller's transaction."""


_listeners: list[PublicationListener] = []


def register_publication_listener(listener: PublicationListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def publication_listeners() -> tuple[PublicationListener, ...]:
    return tuple(_listeners)
