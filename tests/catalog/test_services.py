from __future__ import annotations

import pytest

from catalog import services
from catalog.models import DataProduct, Tag
from meshportal.audit.events import EventType
from meshportal.audit.models import AuditEvent
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from tests.catalog.conftest import COLUMNS
from tests.factories import DomainFactory, TeamFactory

pytestmark = pytest.mark.django_db


def events(event_type: EventType, product: DataProduct | None = None):
    qs = AuditEvent.objects.filter(event_type=event_type)
    return qs.filter(product_id=product.pk) if product else qs


def test_producer_creates_a_draft_with_schema_and_audit(personas, domain, team):
    product = services.product_create(
        actor=personas.producer,
        slug="sales-orders",
        name="Orders",
        domain=domain,
        owner_team=team,
        summary="Orders.",
        tags=["Orders", "revenue", "orders"],
        columns=COLUMNS,
    )
    assert product.status == DataProduct.Status.DRAFT
    assert [c.name for c in product.columns.all()] == ["order_id", "order_date", "amount_eur"]
    assert sorted(product.tags.values_list("name", flat=True)) == ["orders", "revenue"]
    assert "order_date" in product.column_text and "revenue" in product.tag_text
    event = events(EventType.PRODUCT_CREATED, product).get()
    assert event.actor == personas.producer.username


def test_consumer_cannot_create_a_product_for_a_team_they_are_not_in(personas, domain, team):
    with pytest.raises(NotAllowed):
        services.product_create(actor=personas.consumer, slug="x", name="X", domain=domain, owner_team=team)
    assert not DataProduct.objects.exists()


def test_duplicate_slug_is_a_conflict_and_changes_nothing(personas, make_product, domain, team):
    make_product("sales-orders")
    with pytest.raises(Conflict) as exc:
        services.product_create(
            actor=personas.producer, slug="sales-orders", name="Again", domain=domain, owner_team=team
        )
    assert exc.value.code == "duplicate_slug"
    assert DataProduct.objects.count() == 1


@pytest.mark.parametrize("slug", ["Bad Slug", "-x", "x_y", "new", "a" * 121, ""])
def test_invalid_slugs_are_refused(personas, domain, team, slug):
    with pytest.raises(ValidationFailed) as exc:
        services.product_create(actor=personas.producer, slug=slug, name="X", domain=domain, owner_team=team)
    assert "slug" in exc.value.errors


def test_oversize_documentation_is_refused_and_nothing_is_written(personas, domain, team):
    with pytest.raises(ValidationFailed) as exc:
        services.product_create(
            actor=personas.producer,
            slug="big",
            name="Big",
            domain=domain,
            owner_team=team,
            documentation="x" * (services.MAX_DOCUMENTATION_BYTES + 1),
        )
    assert "documentation" in exc.value.errors
    assert not DataProduct.objects.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.PRODUCT_CREATED).exists()


def test_invalid_column_rolls_back_the_whole_product(personas, domain, team):
    with pytest.raises(ValidationFailed):
        services.product_create(
            actor=personas.producer,
            slug="p",
            name="P",
            domain=domain,
            owner_team=team,
            columns=[{"name": "a"}, {"name": "a"}],
        )
    assert not DataProduct.objects.exists()
    assert not Tag.objects.exists()


def test_update_changes_fields_tags_and_records_only_the_changes(personas, draft):
    product = services.product_update(
        actor=personas.producer, product=draft, summary="New summary.", tags=["fresh"], freshness_slo_hours=24
    )
    assert product.summary == "New summary."
    event = events(EventType.PRODUCT_UPDATED, product).get()
    assert set(event.after) == {"summary", "tags", "freshness_slo_hours"}


def test_slug_cannot_be_changed(personas, draft):
    with pytest.raises(ValidationFailed):
        services.product_update(actor=personas.producer, product=draft, slug="renamed")


def test_only_the_owning_team_and_admins_edit(personas, draft):
    for user in (personas.consumer, personas.steward, personas.auditor, personas.outsider):
        with pytest.raises(NotAllowed):
            services.product_update(actor=user, product=draft, summary="hijack")
    services.product_update(actor=personas.admin, product=draft, summary="by admin")


def test_handing_a_product_to_another_team_needs_membership_of_it(personas, draft):
    other = TeamFactory(name="Finance")
    with pytest.raises(NotAllowed):
        services.product_update(actor=personas.producer, product=draft, owner_team=other)
    services.product_update(actor=personas.admin, product=draft, owner_team=other)


def test_publish_requires_the_governance_checklist(personas, make_product):
    product = make_product(
        "unclassified", classification="", summary="", columns=[{"name": "a", "data_type": "string"}]
    )
    with pytest.raises(ValidationFailed) as exc:
        services.product_publish(actor=personas.producer, product=product)
    assert exc.value.code == "governance_failed"
    assert {"description", "classification", "columns_classified"} <= set(exc.value.errors)
    product.refresh_from_db()
    assert product.status == DataProduct.Status.DRAFT


def test_lifecycle_draft_published_deprecated_retired(personas, draft):
    product = services.product_publish(actor=personas.producer, product=draft)
    assert product.status == "published" and product.published_at
    with pytest.raises(Conflict):
        services.product_retire(actor=personas.producer, product=product)
    product = services.product_deprecate(actor=personas.producer, product=product, reason="v2 is out")
    product = services.product_retire(actor=personas.producer, product=product)
    assert product.status == "retired"
    with pytest.raises(Conflict):
        services.product_update(actor=personas.producer, product=product, summary="too late")
    kinds = list(AuditEvent.objects.filter(product_id=product.pk).order_by("seq").values_list("event_type", flat=True))
    assert kinds == [
        EventType.PRODUCT_CREATED,
        EventType.PRODUCT_PUBLISHED,
        EventType.PRODUCT_DEPRECATED,
        EventType.PRODUCT_RETIRED,
    ]


def test_column_update_many_classifies_and_audits(personas, make_product):
    product = make_product("p", columns=[{"name": "a"}, {"name": "b"}])
    services.column_update_many(
        actor=personas.producer,
        product=product,
        changes=[{"name": "a", "classification": "internal", "description": "A"}],
    )
    a = product.columns.get(name="a")
    assert (a.classification, a.description) == ("internal", "A")
    assert events(EventType.SCHEMA_CHANGED, product).count() == 1


def test_column_update_of_unknown_column_changes_nothing(personas, make_product):
    product = make_product("p", columns=[{"name": "a"}])
    with pytest.raises(ValidationFailed):
        services.column_update_many(
            actor=personas.producer,
            product=product,
            changes=[{"name": "a", "classification": "public"}, {"name": "zzz"}],
        )
    assert product.columns.get(name="a").classification == ""


def test_domain_admin_only_and_steward_changes_are_audited(personas):
    with pytest.raises(NotAllowed):
        services.domain_create(actor=personas.producer, name="Finance")
    domain = services.domain_create(actor=personas.admin, name="Finance", stewards=[personas.steward])
    with pytest.raises(Conflict):
        services.domain_create(actor=personas.admin, name="finance")
    services.domain_update(actor=personas.admin, domain=domain, stewards=[personas.consumer])
    assert list(domain.stewards.all()) == [personas.consumer]
    assert AuditEvent.objects.filter(event_type=EventType.STEWARDS_CHANGED).count() == 1


def test_freshness_is_derived_from_last_refresh_and_objective(personas, draft):
    from django.utils import timezone

    now = timezone.now()
    product = services.product_update(
        actor=personas.producer, product=draft, freshness_slo_hours=6, last_refreshed_at=now
    )
    assert product.fresh_until == now + __import__("datetime").timedelta(hours=6)


def test_quality_measurement_updates_the_score(personas, draft):
    services.product_record_quality(actor=personas.producer, product=draft, score=97.5, dimensions={"completeness": 99})
    draft.refresh_from_db()
    assert float(draft.quality_score) == 97.5
    with pytest.raises(ValidationFailed):
        services.product_record_quality(actor=personas.producer, product=draft, score=101)


def test_upstream_must_be_visible_to_the_editor(personas, make_product):
    other_team_draft = make_product("secret", actor=personas.admin, owner_team=TeamFactory(name="Other"))
    mine = make_product("mine")
    from meshportal.core.errors import NotFound

    with pytest.raises(NotFound):
        services.product_update(actor=personas.producer, product=mine, upstream=[other_team_draft])
    assert DomainFactory  # factories import stays used
