"""The demo's catalog: domains with stewards, products created, described, measured and published by
their teams' leads through the catalog services — so the audit log tells the same story a real mesh would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from catalog import services as catalog
from catalog.models import DataProduct, Domain
from meshportal.aws.models import AwsAccount
from meshportal.core.errors import DomainError
from meshportal.demo import mesh
from meshportal.identity.actors import Actor
from meshportal.identity.models import Team, User

TERMS = (
    "Use for internal analytics and reporting only. Do not re-identify individuals, do not share "
    "outside the company, and cite the product and its version in derived work."
)


def _documentation(spec: dict[str, Any]) -> str:
    cols = "\n".join(f"| `{c['name']}` | {c['data_type']} | {c['description']} |" for c in spec["columns"])
    return (
        f"# {spec['name']}\n\n{spec['summary']}\n\n## How to use it\n\nQuery the Glue table "
        f"`{spec['database']}.{spec['table']}` through Athena or Spark once your access is granted. "
        f"It refreshes at least every {spec['freshness']} hours.\n\n## Columns\n\n| column | type | meaning |\n"
        f"|---|---|---|\n{cols}\n"
    )


def _sample_sql(spec: dict[str, Any]) -> str:
    # Shown to people as an example query; never executed by the portal.
    return "SELECT * FROM " + spec["database"] + "." + spec["table"] + " LIMIT 100"  # noqa: S608


def _lead(team_slug: str) -> User:
    return User.objects.filter(team_memberships__team__slug=team_slug).order_by("id").first()  # type: ignore[return-value]


def load(*, actor: Actor) -> dict[str, int]:
    counts = {"domains": 0, "products": 0}
    stewards: dict[str, list[User]] = {}
    for username, *_rest, domains in mesh.USERS:
        for slug in domains:
            stewards.setdefault(slug, []).append(User.objects.get(username=username))
    for slug, name, description in mesh.DOMAINS:
        if not Domain.objects.filter(slug=slug).exists():
            catalog.domain_create(
                actor=actor,
                name=name,
                slug=slug,
                description=description,
                stewards=stewards.get(slug, []),
            )
            counts["domains"] += 1
    producer_account = AwsAccount.objects.get(account_id=mesh.PRODUCER)
    now = timezone.now()
    created: dict[str, DataProduct] = {}
    for index, spec in enumerate(mesh.PRODUCTS):
        if DataProduct.objects.filter(slug=spec["slug"]).exists():
            continue
        lead = _lead(spec["team"])
        # A few products are overdue, so the freshness facet and badges have something to show.
        refreshed = now - timedelta(hours=spec["freshness"] * (3 if index % 7 == 3 else 0.5))
        product = catalog.product_create(
            actor=lead,
            slug=spec["slug"],
            name=spec["name"],
            domain=Domain.objects.get(slug=spec["domain"]),
            owner_team=Team.objects.get(slug=spec["team"]),
            summary=spec["summary"],
            documentation=_documentation(spec),
            classification=spec["classification"],
            criticality=spec["criticality"],
            tags=spec["tags"],
            terms_of_use=TERMS,
            freshness_slo_hours=spec["freshness"],
            availability_slo=99.5,
            sample_queries=[{"title": "Latest rows", "sql": _sample_sql(spec)}],
            last_refreshed_at=refreshed,
            columns=spec["columns"],
        )
        catalog.port_create(
            actor=lead,
            product=product,
            aws_account=producer_account,
            name="glue",
            database_name=spec["database"],
            table_name=spec["table"],
            s3_location=f"s3://mesh-{spec['domain']}-{mesh.PRODUCER}/{spec['table']}/",
            approval_policy=spec["policy"],
        )
        for days_ago, delta in ((21, -4), (14, -2), (7, -1), (0, 0)):
            catalog.product_record_quality(
                actor=lead,
                product=product,
                score=max(0, min(100, spec["quality"] + delta)),
                measured_at=now - timedelta(days=days_ago),
            )
        try:
            catalog.product_publish(actor=lead, product=product)
        except DomainError:
            # PII below "confidential": the domain's steward accepts it with a reason, as governance allows.
            steward = stewards[spec["domain"]][0]
            catalog.governance_override(
                actor=steward,
                product=product,
                reason=(
                    "Postcodes are needed for delivery analytics; access is limited to named roles and every "
                    "request needs steward approval."
                ),
            )
            catalog.product_publish(actor=lead, product=product)
        created[spec["slug"]] = product
        counts["products"] += 1
    for spec in mesh.PRODUCTS:
        if spec["slug"] in created and spec.get("upstream"):
            product = created[spec["slug"]]
            catalog.product_update(
                actor=_lead(spec["team"]),
                product=product,
                upstream=list(DataProduct.objects.filter(slug__in=spec["upstream"])),
            )
    return counts
