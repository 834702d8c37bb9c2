from __future__ import annotations

import pytest
from django.http import Http404

from catalog import selectors, services
from tests.factories import OutputPortFactory, TeamFactory, TeamMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas, make_product):
    draft = make_product("team-draft")
    published = make_product("public-orders", publish=True)
    deprecated = make_product("old-orders", publish=True)
    services.product_deprecate(actor=personas.producer, product=deprecated)
    retired = make_product("gone-orders", publish=True)
    services.product_deprecate(actor=personas.producer, product=retired)
    services.product_retire(actor=personas.producer, product=retired)
    return {"draft": draft, "published": published, "deprecated": deprecated, "retired": retired}


@pytest.mark.parametrize(
    ("persona", "sees_draft"),
    [
        ("producer", True),
        ("admin", True),
        ("auditor", True),
        ("steward", True),
        ("consumer", False),
        ("outsider", False),
    ],
)
def test_drafts_are_visible_to_their_team_admins_auditors_and_domain_stewards_only(
    world, personas, persona, sees_draft
):
    user = getattr(personas, persona)
    slugs = set(selectors.product_list(user=user).values_list("slug", flat=True))
    assert {"public-orders", "old-orders", "gone-orders"} <= slugs
    assert ("team-draft" in slugs) is sees_draft
    if sees_draft:
        assert selectors.product_get_for_user(user=user, slug="team-draft").slug == "team-draft"
    else:
        with pytest.raises(Http404):
            selectors.product_get_for_user(user=user, slug="team-draft")


def test_a_member_of_another_team_does_not_see_the_draft(world):
    other = UserFactory(username="other-producer")
    TeamMembershipFactory(team=TeamFactory(name="Other"), user=other)
    with pytest.raises(Http404):
        selectors.product_detail_for_user(user=other, slug="team-draft")


def test_retired_products_stay_addressable_but_leave_the_default_search(world, personas):
    assert selectors.product_get_for_user(user=personas.consumer, slug="gone-orders").status == "retired"
    search = selectors.product_search(user=personas.consumer, params={})
    assert search.is_valid()
    assert "gone-orders" not in {p.slug for p in search.qs}
    search = selectors.product_search(user=personas.consumer, params={"status": ["retired"]})
    assert search.is_valid() and [p.slug for p in search.qs] == ["gone-orders"]


def test_lineage_shows_only_visible_neighbours(personas, make_product, world):
    downstream = make_product("downstream", upstream=[world["published"], world["draft"]])
    product = selectors.product_detail_for_user(user=personas.producer, slug="public-orders")
    assert [p.slug for p in product.downstream.all()] == ["downstream"]
    product = selectors.product_detail_for_user(user=personas.consumer, slug="public-orders")
    assert list(product.downstream.all()) == []  # the downstream product is a draft
    assert downstream.upstream.count() == 2


def test_port_lookup_for_access_requests_respects_visibility(world, personas):
    port = OutputPortFactory(product=world["draft"])
    assert selectors.port_get_for_user(user=personas.producer, pk=port.pk) == port
    with pytest.raises(Http404):
        selectors.port_get_for_user(user=personas.consumer, pk=port.pk)


def test_domain_list_counts_visible_products(world, personas):
    consumer_view = {d.slug: d.product_count for d in selectors.domain_list(user=personas.consumer)}
    producer_view = {d.slug: d.product_count for d in selectors.domain_list(user=personas.producer)}
    assert consumer_view["sales"] == 2 and producer_view["sales"] == 3


def test_recent_products_by_domain_is_one_query(world, personas, django_assert_num_queries):
    from meshportal.identity import roles

    roles.team_ids(personas.consumer)  # the role cache is per request
    roles.stewarded_domain_ids(personas.consumer)
    with django_assert_num_queries(1):
        recent = selectors.recent_products_by_domain(user=personas.consumer, per_domain=1)
    assert [len(v) for v in recent.values()] == [1]
