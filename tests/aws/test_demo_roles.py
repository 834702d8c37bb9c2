"""The demo mesh's consumer team: carol and dan belong to it, its roles are registered, and the emulator seed
creates each of them in the consumer account's IAM (so the roles the demo registers exist there)."""

from __future__ import annotations

import pytest

from meshportal.aws.gateway import account_client, iam
from meshportal.aws.selectors import usable_roles
from meshportal.demo import loader, mesh
from meshportal.identity import roles
from meshportal.identity.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_consumers_belong_to_a_consumer_team_with_registered_roles(aws):
    aws.seed(mesh.glue_seed(region="eu-west-1"))  # the demo's ports are read from its Glue tables
    counts = loader.load()
    assert counts["roles"] == len(mesh.CONSUMER_ROLES)
    carol, dan = User.objects.get(username="carol"), User.objects.get(username="dan")
    expected = {mesh.consumer_role_arn(name, path) for _, _, name, path, _, _ in mesh.CONSUMER_ROLES}
    assert {r.arn for r in usable_roles(user=carol)} == expected == {r.arn for r in usable_roles(user=dan)}
    assert not roles.is_producer(carol) and not roles.is_producer(dan)
    assert roles.is_producer(User.objects.get(username="pat"))
    assert loader.load()["roles"] == 0  # idempotent
    client = account_client("iam", mesh.CONSUMER)
    for role in usable_roles(user=carol):
        found = iam.get_role(client, account_id=mesh.CONSUMER, role_name=role.arn.rsplit("/", 1)[1])
        assert found is not None and found["Arn"] == role.arn
