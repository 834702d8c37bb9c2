"""Standing quality gate: every URL × every persona → the expected status.

The URL list comes from the live URL resolver, so a new view fails this test until its row is added to
``MATRIX`` below: nobody ships a page without deciding who may see it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tests.catalog.authz_rows import CATALOG_MATRIX

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "consumer", "producer", "steward", "admin", "auditor", "outsider")
EVERYONE = {p: 200 for p in PERSONAS if p != "anonymous"}
PAGE_LOGIN = {"anonymous": 302}  # HTML pages send anonymous users to the login page
API_LOGIN = {"anonymous": 401}
ADMIN_AUDITOR_PAGE = {**PAGE_LOGIN, **dict.fromkeys(PERSONAS[1:], 403), "admin": 200, "auditor": 200}
ADMIN_AUDITOR_API = {**API_LOGIN, **dict.fromkeys(PERSONAS[1:], 403), "admin": 200, "auditor": 200}
POST_ONLY_PAGE = {**PAGE_LOGIN, **dict.fromkeys(PERSONAS[1:], 405)}
POST_ONLY_API = {**API_LOGIN, **dict.fromkeys(PERSONAS[1:], 405)}
ADMIN_PAGE = {**PAGE_LOGIN, **dict.fromkeys(PERSONAS[1:], 403), "admin": 200}


def world(personas: Any) -> dict[str, Any]:
    """Objects the URL arguments point at: a product with a port, and a granted request of the consumer."""
    from access_requests import services
    from tests.access_requests.helpers import ask, mesh

    m = mesh(personas)
    r = ask(personas.consumer, m.port)
    services.access_request_approve(request=r, actor=personas.producer, comment="")
    r.refresh_from_db()
    services.grant_mark_applied(grant=r.grant)
    from catalog.models import HarvestJob, SchemaProposal
    from meshportal.aws.models import GlueFootprint

    product = m.port.product
    job = HarvestJob.objects.create(
        requested_by=personas.producer,
        aws_account=m.producer_account,
        database_name="sales",
        table_names=["orders"],
        domain=product.domain,
        owner_team=product.owner_team,
        total=1,
    )
    proposal = SchemaProposal.objects.create(product=product, harvest=job)
    from provisioning.models import GovernanceModelChange

    change = GovernanceModelChange.objects.create(
        from_model="federated", to_model="central", requested_by=personas.admin
    )
    from meshportal.aws.models import ConsumerRole

    account = r.consumer_account
    team_role = ConsumerRole.objects.create(
        team=product.owner_team,
        name="Sales BI",
        arn=f"arn:aws:iam::{account.account_id}:role/sales-bi",
        account=account,
        environment="prod",
        kind="bi",
    )
    return {
        "model_change": change.pk,
        "pk": m.producer_account.pk,
        "request": r.pk,
        "grant": r.grant.pk,
        "port": m.port.pk,
        "team": "sales-analytics",
        "product": product.slug,
        "domain": product.domain.slug,
        "harvest": job.pk,
        "proposal": proposal.pk,
        # The port's database, owned by the personas' team (the factory records the footprint).
        "footprint": GlueFootprint.objects.get(aws_account=m.producer_account, database_pattern="sales").pk,
        "team_role": team_role.pk,
    }


SEE_OWN = {**EVERYONE, **PAGE_LOGIN, "outsider": 404}
SEE_OWN_API = {**EVERYONE, **API_LOGIN, "outsider": 404}
TEAM_PAGE = {**PAGE_LOGIN, **dict.fromkeys(PERSONAS[1:], 404), "producer": 200, "admin": 200, "auditor": 200}
TEAM_API = {**TEAM_PAGE, **API_LOGIN}
# A team's roles: its members and readers see them; only its leads and platform admins edit (producer is a member).
TEAM_ROLE_EDIT = {**TEAM_PAGE, "producer": 403, "auditor": 403}


def R(w: dict[str, Any]) -> dict[str, Any]:
    return {"pk": w["request"]}


def G(w: dict[str, Any]) -> dict[str, Any]:
    return {"pk": w["grant"]}


# url name → (kwargs builder, expected GET status per persona)
MATRIX: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], dict[str, int]]] = {
    "home": (lambda w: {}, dict.fromkeys(PERSONAS, 302)),
    "healthz": (lambda w: {}, dict.fromkeys(PERSONAS, 200)),
    "identity:login": (lambda w: {}, {"anonymous": 200, **dict.fromkeys(PERSONAS[1:], 302)}),
    "identity:logout": (lambda w: {}, dict.fromkeys(PERSONAS, 405)),
    "identity:profile": (lambda w: {}, {**EVERYONE, **PAGE_LOGIN}),
    "identity:token-revoke": (lambda w: {"pk": 1}, dict.fromkeys(PERSONAS, 405)),
    "audit:events": (lambda w: {}, ADMIN_AUDITOR_PAGE),
    "audit:export-csv": (lambda w: {}, ADMIN_AUDITOR_PAGE),
    "audit:export-json": (lambda w: {}, ADMIN_AUDITOR_PAGE),
    "audit:entitlements": (lambda w: {}, ADMIN_AUDITOR_PAGE),
    "audit:compliance": (lambda w: {}, ADMIN_AUDITOR_PAGE),
    "audit:dashboard": (lambda w: {}, ADMIN_AUDITOR_PAGE),
    "provisioning:accounts": (lambda w: {}, ADMIN_AUDITOR_PAGE),
    "provisioning:account-test": (lambda w: {"pk": w["pk"]}, POST_ONLY_PAGE),
    "provisioning:governance": (lambda w: {}, POST_ONLY_PAGE),
    "provisioning:operations": (lambda w: {}, ADMIN_AUDITOR_PAGE),
    "provisioning:model-change": (lambda w: {}, ADMIN_PAGE),
    "provisioning:model-change-detail": (lambda w: {"pk": w["model_change"]}, ADMIN_AUDITOR_PAGE),
    "provisioning:reconcile": (lambda w: {}, POST_ONLY_PAGE),
    "provisioning:grant-timeline": (lambda w: {"grant_id": w["grant"]}, SEE_OWN),
    "access_requests:new": (lambda w: {}, dict.fromkeys(PERSONAS, 302)),
    "access_requests:mine": (lambda w: {}, {**EVERYONE, **PAGE_LOGIN}),
    "access_requests:approvals": (
        lambda w: {},
        {**PAGE_LOGIN, **dict.fromkeys(PERSONAS[1:], 403), "producer": 200, "steward": 200, "admin": 200},
    ),
    "access_requests:approvals-bulk": (lambda w: {}, POST_ONLY_PAGE),
    "access_requests:detail": (R, SEE_OWN),
    "access_requests:approve": (R, POST_ONLY_PAGE),
    "access_requests:reject": (R, POST_ONLY_PAGE),
    "access_requests:withdraw": (R, POST_ONLY_PAGE),
    "access_requests:grants": (lambda w: {}, {**EVERYONE, **PAGE_LOGIN}),
    "access_requests:grant-revoke": (G, POST_ONLY_PAGE),
    "access_requests:grant-retry": (G, POST_ONLY_PAGE),
    "access_requests:grant-extend": (G, SEE_OWN),
    "access_requests:port-policy": (
        lambda w: {"port_id": w["port"]},
        {**PAGE_LOGIN, **dict.fromkeys(PERSONAS[1:], 403), "producer": 200, "admin": 200, "auditor": 200},
    ),
    "api-access-request-list": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-access-request-detail": (R, SEE_OWN_API),
    "api-access-request-approve": (R, POST_ONLY_API),
    "api-access-request-reject": (R, POST_ONLY_API),
    "api-access-request-withdraw": (R, POST_ONLY_API),
    "api-grant-list": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-grant-detail": (G, SEE_OWN_API),
    "api-grant-revoke": (G, POST_ONLY_API),
    "api-grant-retry": (G, POST_ONLY_API),
    "api-grant-extend": (G, POST_ONLY_API),
    "api-port-policy": (lambda w: {"pk": w["port"]}, {**EVERYONE, **API_LOGIN}),
    "notifications:inbox": (lambda w: {}, {**EVERYONE, **PAGE_LOGIN}),
    "notifications:counter": (lambda w: {}, {**EVERYONE, **PAGE_LOGIN}),
    "notifications:read": (lambda w: {}, POST_ONLY_PAGE),
    "notifications:webhooks": (lambda w: {"slug": w["team"]}, TEAM_PAGE),
    "notifications:webhook-delete": (lambda w: {"slug": w["team"], "pk": 1}, POST_ONLY_PAGE),
    "api-notification-list": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-notification-read": (lambda w: {}, POST_ONLY_API),
    "api-team-webhook-list": (lambda w: {"slug": w["team"]}, TEAM_API),
    "api-team-webhook-detail": (lambda w: {"slug": w["team"], "pk": 1}, POST_ONLY_API),
    "api-team-webhook-delivery-list": (lambda w: {"slug": w["team"]}, TEAM_API),
    "aws:team-roles": (lambda w: {"slug": w["team"]}, TEAM_PAGE),
    "aws:team-role-edit": (lambda w: {"slug": w["team"], "pk": w["team_role"]}, TEAM_ROLE_EDIT),
    "aws:team-role-remove": (lambda w: {"slug": w["team"], "pk": w["team_role"]}, POST_ONLY_PAGE),
    "aws:my-roles": (lambda w: {}, {**EVERYONE, **PAGE_LOGIN}),
    "aws:my-role-remove": (lambda w: {"pk": 1}, POST_ONLY_PAGE),
    "aws:pending-roles": (lambda w: {}, ADMIN_AUDITOR_PAGE),
    "aws:personal-role-approve": (lambda w: {"pk": 1}, POST_ONLY_PAGE),
    "api-team-role-list": (lambda w: {"slug": w["team"]}, TEAM_API),
    "api-team-role-detail": (lambda w: {"slug": w["team"], "pk": w["team_role"]}, TEAM_API),
    "api-my-role-list": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-usable-role-list": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-my-role-detail": (lambda w: {"pk": 1}, POST_ONLY_API),
    "api-personal-role-approve": (lambda w: {"pk": 1}, POST_ONLY_API),
    "api-token": (lambda w: {}, dict.fromkeys(PERSONAS, 405)),
    "api-token-list": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-token-detail": (lambda w: {"pk": 1}, POST_ONLY_API),
    "api-me": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-team-list": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-audit-event-list": (lambda w: {}, ADMIN_AUDITOR_API),
    "api-entitlement-list": (lambda w: {}, ADMIN_AUDITOR_API),
    "api-account-list": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-account-detail": (lambda w: {"pk": w["pk"]}, {**EVERYONE, **API_LOGIN}),
    "api-account-test-connection": (lambda w: {"pk": w["pk"]}, POST_ONLY_API),
    "api-governance": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    # Footprints: everyone signed in sees their teams' claims (admins and auditors all); admins change them.
    "aws:footprints": (lambda w: {}, {**EVERYONE, **PAGE_LOGIN}),
    "aws:footprint-release": (lambda w: {"pk": w["footprint"]}, POST_ONLY_PAGE),
    "api-footprint-list": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-footprint-detail": (lambda w: {"pk": w["footprint"]}, TEAM_API),
    # Without ?model= the admin is told to choose one (400); everyone else may not preview a switch.
    "api-governance-model-preview": (
        lambda w: {},
        {**API_LOGIN, **dict.fromkeys(PERSONAS[1:], 403), "admin": 400},
    ),
    "api-governance-model-change-list": (lambda w: {}, ADMIN_AUDITOR_API),
    "api-governance-model-change-detail": (lambda w: {"pk": w["model_change"]}, ADMIN_AUDITOR_API),
    "api-provisioning-job-list": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-grant-aws-calls": (G, SEE_OWN_API),
    "api-drift-finding-list": (lambda w: {}, ADMIN_AUDITOR_API),
    "api-catalog-registration-list": (lambda w: {}, ADMIN_AUDITOR_API),
    "api-reconcile": (lambda w: {}, POST_ONLY_API),
    "api-schema": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-docs": (lambda w: {}, {**EVERYONE, **PAGE_LOGIN}),
}

MATRIX.update(CATALOG_MATRIX)

# Third-party routes with their own access control, checked elsewhere or not ours to test here.
EXCLUDED_PREFIXES = ("admin:", "oidc_", "django_htmx")


def _walk(patterns: list, namespace: str = "") -> list[str]:
    names: list[str] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(f"{namespace}{entry.name}")
    return names


def our_url_names() -> list[str]:
    return sorted({n for n in _walk(get_resolver().url_patterns) if not n.startswith(EXCLUDED_PREFIXES)})


def test_every_url_has_a_row_in_the_matrix():
    missing = [name for name in our_url_names() if name not in MATRIX]
    assert not missing, f"add these URLs to tests/gates/test_authz_matrix.py MATRIX: {missing}"
    stale = [name for name in MATRIX if name not in our_url_names()]
    assert not stale, f"these MATRIX rows name no URL any more: {stale}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_each_persona_as_expected(persona, personas, aws):
    from django.urls import reverse

    objects = world(personas)
    user = None if persona == "anonymous" else getattr(personas, persona)
    failures = []
    for name, (kwargs, expected) in MATRIX.items():
        url = reverse(name, kwargs=kwargs(objects))
        client: Client | APIClient = APIClient() if url.startswith("/api/") else Client()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        if response.status_code != expected[persona]:
            failures.append(f"{name} ({url}): expected {expected[persona]}, got {response.status_code}")
        if user is None and settings.SESSION_COOKIE_NAME in response.cookies:
            failures.append(f"{name} ({url}): an anonymous request created a session")
    assert not failures, "\n".join(failures)
