"""Factories and personas: consumer, producer, steward, admin, auditor, outsider (STYLE.md §11)."""

from __future__ import annotations

import factory
from django.utils.text import slugify

from catalog.models import Column, DataProduct, Domain, OutputPort
from meshportal.identity.models import Team, TeamMembership, User
from provisioning.models import AwsAccount

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

    product = factory.SubFactory(DataProductFactory)
    name = "main"
    aws_account = factory.SubFactory(AwsAccountFactory)
    catalog_id = factory.LazyAttribute(lambda o: o.aws_account.account_id)
    database_name = "sales"
    table_name = factory.LazyAttribute(lambda o: o.product.slug.replace("-", "_"))
