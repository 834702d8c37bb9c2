"""Factories and personas: consumer, producer, steward, admin, auditor, outsider (STYLE.md §11)."""

from __future__ import annotations

import factory
from django.utils.text import slugify

from catalog.models import Column, DataProduct, Domain, OutputPort
from meshportal.aws.models import AwsAccount, ConsumerRole, GlueFootprint
from meshportal.identity import roles
from meshportal.identity.models import Team, TeamMembership, User

PASSWORD = "mesh-portal-test-pw"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Domain {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = factory.Faker("sentence")


class AwsAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AwsAccount
        django_get_or_create = ("account_id",)

    account_id = factory.Sequence(lambda n: f"{111111111111 + n:012d}")
    name = factory.Sequence(lambda n: f"account-{n}")
    role = AwsAccount.Role.PRODUCER


class DataProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataProduct

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    summary = factory.Faker("sentence")
    documentation = "# About\n\nA product used in tests."
    domain = factory.SubFactory(DomainFactory)
    owner_team = factory.SubFactory(TeamFactory)
    status = DataProduct.Status.PUBLISHED
    classification = "internal"


class ColumnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Column

    product = factory.SubFactory(DataProductFactory)
    name = factory.Sequence(lambda n: f"col_{n}")
    data_type = "string"
    classification = "internal"
    position = factory.Sequence(lambda n: n)


class OutputPortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutputPort
        skip_postgeneration_save = True

    product = factory.SubFactory(DataProductFactory)
    name = "main"
    aws_account = factory.SubFactory(AwsAccountFactory)
    catalog_id = factory.LazyAttribute(lambda o: o.aws_account.account_id)
    database_name = "sales"
    table_name = factory.LazyAttribute(lambda o: o.product.slug.replace("-", "_"))

    @factory.post_generation
    def _footprint(obj, create, extracted, **kwargs):  # noqa: N805
        """The owning team owns the port's database (the rule ``port_create`` enforces), unless it is claimed."""
        if create and obj.product.owner_team_id:
            GlueFootprint.objects.get_or_create(
                aws_account=obj.aws_account,
                database_pattern=obj.database_name,
                defaults={"team_id": obj.product.owner_team_id},
            )


class GlueFootprintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GlueFootprint
        django_get_or_create = ("aws_account", "database_pattern")

    team = factory.SubFactory(TeamFactory)
    aws_account = factory.SubFactory(AwsAccountFactory)
    database_pattern = "sales"


def seed_glue_table(account: AwsAccount, database: str, table: str = "", columns: list[dict] | None = None) -> None:
    """Create the database (and the table, or update it) in the emulator's Glue catalog of ``account``: ports
    point at tables that exist. ``columns`` are Glue columns ({"Name", "Type"})."""
    import contextlib

    from meshportal.aws.gateway import account_client

    glue = account_client("glue", account.account_id, region=account.region)
    with contextlib.suppress(glue.exceptions.AlreadyExistsException):
        glue.create_database(DatabaseInput={"Name": database})
    if not table:
        return
    table_input = {
        "Name": table,
        "Description": f"The {table} table.",
        "StorageDescriptor": {
            "Columns": columns or [{"Name": "id", "Type": "string"}],
            "Location": f"s3://lake/{database}/{table}/",
        },
        "TableType": "EXTERNAL_TABLE",
    }
    try:
        glue.create_table(DatabaseName=database, TableInput=table_input)
    except glue.exceptions.AlreadyExistsException:
        glue.update_table(DatabaseName=database, TableInput=table_input)


def owned_glue_table(
    *, account: AwsAccount, team: Team, database: str, table: str = "", columns: list[dict] | None = None
) -> GlueFootprint:
    """A database the team owns (footprint) and its table in the emulator: what a valid output port needs."""
    seed_glue_table(account, database, table, columns)
    return GlueFootprintFactory(aws_account=account, team=team, database_pattern=database)


# --- catalog (issue #4) -----------------------------------------------------------------------------------

from catalog.models import HarvestJob, QualityMeasurement, Tag  # noqa: E402


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag-{n}")


class QualityMeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QualityMeasurement

    product = factory.SubFactory(DataProductFactory)
    measured_at = factory.Faker("date_time_this_year", tzinfo=__import__("datetime").UTC)
    score = 95


class HarvestJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HarvestJob

    aws_account = factory.SubFactory(AwsAccountFactory)
    database_name = "sales"
    table_names = factory.LazyFunction(lambda: ["orders"])
    domain = factory.SubFactory(DomainFactory)
    owner_team = factory.SubFactory(TeamFactory)
    total = 1


# --- access requests -----------------------------------------------------------------------------
# (imports here, not at the top: this section is appended by the access-requests work)
from datetime import date, timedelta  # noqa: E402

from django.utils import timezone  # noqa: E402


class AccessRequestFactory(factory.django.DjangoModelFactory):
    """A pending request row as the services would have left it (no policy run): move it on with services."""

    class Meta:
        model = "access_requests.AccessRequest"

    requester = factory.SubFactory(UserFactory)
    port = factory.SubFactory(OutputPortFactory)
    product = factory.LazyAttribute(lambda o: o.port.product)
    consumer_account = factory.SubFactory(AwsAccountFactory, role=AwsAccount.Role.CONSUMER)
    principal_arn = factory.LazyAttributeSequence(
        lambda o, n: f"arn:aws:iam::{o.consumer_account.account_id}:role/Analyst{n}"
    )
    permissions = factory.LazyFunction(lambda: ["SELECT", "DESCRIBE"])
    columns = factory.LazyFunction(list)
    purpose = "Weekly revenue dashboard"
    requested_until = factory.LazyFunction(lambda: date.today() + timedelta(days=30))
    terms_accepted_at = factory.LazyFunction(timezone.now)
    status = "pending"
    required_stages = factory.LazyFunction(lambda: ["producer"])


def hold_role(user: User, arn: str, *, team_slug: str = "consumers") -> ConsumerRole:
    """Test set-up: ``user`` becomes a member of a consumer team whose registered role is ``arn`` (the account
    must be registered). The registry's own rules are tested through its services (tests/aws/)."""
    account = AwsAccount.objects.get(account_id=arn.split(":")[4])
    team = TeamFactory(slug=team_slug, name=team_slug.replace("-", " ").title(), kind=Team.Kind.CONSUMER)
    role, _ = ConsumerRole.objects.get_or_create(
        arn=arn,
        defaults={
            "team": team,
            "name": arn.rsplit("/", 1)[1],
            "account": account,
            "environment": ConsumerRole.Environment.PROD,
            "kind": ConsumerRole.Kind.ETL,
        },
    )
    if role.team is not None:
        TeamMembership.objects.get_or_create(team=role.team, user=user)
    roles.clear_cache(user)
    return role
