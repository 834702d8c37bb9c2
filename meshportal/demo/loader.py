from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction

from meshportal.aws import consumer_roles, footprints
from meshportal.aws import services as aws
from meshportal.aws.models import AwsAccount, ConsumerRole, GlueFootprint
from meshportal.demo import catalog_loader, mesh
from meshportal.identity import services as identity
from meshportal.identity.actors import DEMO_LOADER
from meshportal.identity.models import Team, TeamMembership, User

# The loader builds the mesh as a platform admin would, and may do exactly that (identity.actors).
LOADER = DEMO_LOADER


@transaction.atomic
def load() -> dict[str, int]:
    counts = {"users": 0, "teams": 0, "accounts": 0, "roles": 0, "domains": 0, "products": 0}
    # Hashed once for all demo users (they share the published password): with the production hasher's
    # work factor each hash costs about a second, which the demo and the newcomer check would pay per user.
    password_hash = ""
    for slug, name, email in mesh.TEAMS:
        if not Team.objects.filter(slug=slug).exists():
            identity.team_create(actor=LOADER, name=name, slug=slug, email=email)
            counts["teams"] += 1
    for username, first, last, flags, teams, _domains in mesh.USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = identity.user_create(
                actor=LOADER,
                username=username,
                email=f"{username}@example.com",
                first_name=first,
                last_name=last,
                **flags,
            )
            password_hash = password_hash or make_password(mesh.DEMO_PASSWORD)
            user.password = password_hash
            user.save(update_fields=["password"])
            counts["users"] += 1
        for team_slug in teams:
            team = Team.objects.get(slug=team_slug)
            if not TeamMembership.objects.filter(team=team, user=user).exists():
                identity.team_add_member(actor=LOADER, team=team, user=user, role="lead")
    for account in mesh.ACCOUNTS:
        if not AwsAccount.objects.filter(account_id=account["account_id"]).exists():
            org = mesh.ORG_ID if account["account_id"] in (mesh.CENTRAL, mesh.PRODUCER) else ""
            aws.account_register(actor=LOADER, organization_id=org, **account)
            counts["accounts"] += 1
    # Each team owns the Glue databases behind its products (the footprint registry ports are checked against).
    producer = AwsAccount.objects.get(account_id=mesh.PRODUCER)
    for team_slug, database in sorted({(p["team"], p["database"]) for p in mesh.PRODUCTS}):
        if not GlueFootprint.objects.filter(aws_account=producer, database_pattern=database).exists():
            footprints.footprint_claim(
                actor=LOADER, team=Team.objects.get(slug=team_slug), aws_account=producer, database_pattern=database
            )
    for slug, name, email, members in mesh.CONSUMER_TEAMS:
        consumer_team = Team.objects.filter(slug=slug).first()
        if consumer_team is None:
            consumer_team = identity.team_create(
                actor=LOADER, name=name, slug=slug, email=email, kind=Team.Kind.CONSUMER
            )
            counts["teams"] += 1
        for username, role in members.items():
            user = User.objects.get(username=username)
            if not TeamMembership.objects.filter(team=consumer_team, user=user).exists():
                identity.team_add_member(actor=LOADER, team=consumer_team, user=user, role=role)
    for team_slug, name, role_name, path, environment, kind in mesh.CONSUMER_ROLES:
        arn = mesh.consumer_role_arn(role_name, path)
        if not ConsumerRole.objects.filter(arn=arn).exists():
            # The loader's own seed creates these roles in the emulator's IAM (mesh.glue_seed), which is not
            # running yet: it holds the permission to register declared roles (identity.actors).
            consumer_roles.consumer_role_register(
                actor=LOADER,
                team=Team.objects.get(slug=team_slug),
                name=name,
                arn=arn,
                environment=environment,
                kind=kind,
            )
            counts["roles"] += 1
    counts.update(catalog_loader.load(actor=LOADER))
    return counts
