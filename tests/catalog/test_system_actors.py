"""System actors in the catalog: a harvest may create drafts (with their output ports) for its own team, and
nothing else; the demo loader may what a platform admin may. The services always authorize."""

from __future__ import annotations

import pytest

from catalog import permissions, services
from catalog.models import DataProduct
from meshportal.audit.models import AuditEvent
from meshportal.core.errors import NotAllowed
from meshportal.identity.actors import DEMO_LOADER, Permission, SystemActor, harvest_actor
from tests.catalog.conftest import COLUMNS
from tests.factories import AwsAccountFactory, TeamFactory, owned_glue_table

pytestmark = pytest.mark.django_db


def _create(actor, team, domain, slug="harvested-orders"):
    return services.product_create(
        actor=actor, slug=slug, name="Orders", domain=domain, owner_team=team, columns=COLUMNS
    )


def test_harvest_actor_creates_a_draft_for_its_team_recorded_as_the_system_and_the_requester(personas, team, domain):
    actor = harvest_actor(team_id=team.pk, on_behalf_of=personas.producer)
    product = _create(actor, team, domain)
    assert product.status == DataProduct.Status.DRAFT
    assert product.created_by == personas.producer
    event = AuditEvent.objects.get(event_type="catalog.product_created", product_id=product.pk)
    assert (event.actor, event.actor_kind, event.actor_id) == ("system:harvest", "system", None)


def test_harvest_actor_cannot_create_a_draft_for_another_team(personas, team, domain):
    other = TeamFactory(name="Finance", slug="finance")
    with pytest.raises(NotAllowed):
        _create(harvest_actor(team_id=team.pk), other, domain)
    assert not DataProduct.objects.exists()


def test_harvest_actor_cannot_create_a_product_without_an_owning_team(team, domain):
    with pytest.raises(Exception, match="team"):
        _create(harvest_actor(team_id=team.pk), None, domain)
    assert not DataProduct.objects.exists()


def test_harvest_actor_adds_a_port_to_its_teams_draft_only(aws, personas, team, domain, make_product):
    account = AwsAccountFactory()
    owned_glue_table(account=account, team=team, database="sales")
    actor = harvest_actor(team_id=team.pk)
    draft = _create(actor, team, domain)
    services.port_create(actor=actor, product=draft, aws_account=account, name="glue", database_name="sales")
    published = make_product("sales-published", publish=True)
    with pytest.raises(NotAllowed):
        services.port_create(actor=actor, product=published, aws_account=account, name="glue", database_name="s")
    other_draft = make_product(
        "finance-draft", owner_team=TeamFactory(name="Finance", slug="finance"), actor=personas.admin
    )
    with pytest.raises(NotAllowed):
        services.port_create(
            actor=harvest_actor(team_id=team.pk), product=other_draft, aws_account=account, name="g", database_name="s"
        )


def test_harvest_actor_cannot_publish_edit_or_manage_domains(personas, team, domain):
    actor = harvest_actor(team_id=team.pk)
    draft = _create(actor, team, domain)
    with pytest.raises(NotAllowed):
        services.product_publish(actor=actor, product=draft)
    with pytest.raises(NotAllowed):
        services.product_update(actor=actor, product=draft, summary="changed by a job")
    with pytest.raises(NotAllowed):
        services.domain_create(actor=actor, name="Marketing")
    assert not permissions.can_edit(actor, draft)
    draft.refresh_from_db()
    assert draft.status == DataProduct.Status.DRAFT


def test_a_system_actor_without_permissions_can_do_nothing(personas, team, domain):
    nobody = SystemActor("nightly-job")
    with pytest.raises(NotAllowed):
        _create(nobody, team, domain)
    with pytest.raises(NotAllowed):
        services.domain_create(actor=nobody, name="Marketing")


def test_demo_loader_may_what_a_platform_admin_may(personas, team, domain):
    services.domain_create(actor=DEMO_LOADER, name="Marketing")
    product = _create(DEMO_LOADER, team, domain)
    assert permissions.can_edit(DEMO_LOADER, product)
    services.product_update(actor=DEMO_LOADER, product=product, summary="Loaded for the demo.")
    assert AuditEvent.objects.filter(actor="system:demo-loader").count() == 3


def test_team_scoped_permission_must_name_its_teams_and_only_scoped_ones_take_teams(team):
    assert not harvest_actor(team_id=team.pk).holds(Permission.CREATE_DRAFTS)
    assert not SystemActor("drafts-anywhere", permissions=frozenset({Permission.CREATE_DRAFTS})).holds(
        Permission.CREATE_DRAFTS, team_id=team.pk
    )
    with pytest.raises(ValueError, match="team-scoped"):
        SystemActor("odd", permissions=frozenset({Permission.CREATE_USERS}), team_ids=frozenset({team.pk}))


def test_a_harvest_run_creates_drafts_as_the_harvest_actor_for_the_person_who_started_it(
    personas, team, domain, aws, django_capture_on_commit_callbacks
):
    from tests.catalog.test_harvest import glue_seed

    account = AwsAccountFactory(account_id="222222222222", name="producer", region="eu-west-1")
    glue_seed(account, "sales", {"orders": [{"Name": "order_id", "Type": "string"}]})
    owned_glue_table(account=account, team=team, database="sales")
    with django_capture_on_commit_callbacks(execute=True):
        services.harvest_start(
            actor=personas.producer,
            aws_account=account,
            database_name="sales",
            table_names=["orders"],
            domain=domain,
            owner_team=team,
        )
    product = DataProduct.objects.get(slug="sales-orders")
    assert product.created_by == personas.producer and product.status == DataProduct.Status.DRAFT
    actors = dict(
        AuditEvent.objects.filter(event_type__in=["catalog.product_created", "catalog.port_created"]).values_list(
            "event_type", "actor"
        )
    )
    assert actors == {"catalog.product_created": "system:harvest", "catalog.port_created": "system:harvest"}
