"""Catalog API serializers: they parse and format; services decide."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog import permissions
from catalog.contracts import MAX_YAML_BYTES
from catalog.markdown import render_markdown
from catalog.models import (
    DESCRIPTION_MAX_LENGTH,
    Classification,
    Column,
    DataProduct,
    Domain,
    HarvestJob,
    OutputPort,
    SchemaProposal,
)
from catalog.selectors import product_freshness, product_list
from catalog.services.common import MAX_DOCUMENTATION_BYTES
from catalog.services.contracts import PortOutcome
from meshportal.aws.models import AwsAccount
from meshportal.core.api import ModelSerializer
from meshportal.identity.models import Team, User

# --- domains ----------------------------------------------------------------------------------------


class DomainSerializer(serializers.ModelSerializer):
    stewards: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="username"
    )
    product_count = serializers.IntegerField(
        read_only=True, required=False, help_text="Products in this domain that you can see (not retired)."
    )

    class Meta:
        model = Domain
        fields = ["slug", "name", "description", "stewards", "product_count", "created_at", "updated_at"]
        read_only_fields = fields


class DomainCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=80, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    stewards = serializers.SlugRelatedField(
        many=True, required=False, slug_field="username", queryset=User.objects.filter(is_active=True)
    )


class DomainUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    stewards = serializers.SlugRelatedField(
        many=True, required=False, slug_field="username", queryset=User.objects.filter(is_active=True)
    )


# --- products ---------------------------------------------------------------------------------------


class ColumnSerializer(ModelSerializer):
    class Meta:
        model = Column
        fields = ["position", "name", "data_type", "description", "classification", "is_pii", "pii_reason"]
        read_only_fields = fields


class ColumnInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    data_type = serializers.CharField(max_length=255, required=False, default="string")
    description = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    classification = serializers.ChoiceField(choices=Classification.choices, required=False, allow_blank=True)
    is_pii = serializers.BooleanField(required=False, default=False)


class ColumnUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255, help_text="The column to change (names come from the source).")
    description = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    classification = serializers.ChoiceField(choices=Classification.choices, required=False, allow_blank=True)
    is_pii = serializers.BooleanField(required=False)


class OutputPortSerializer(serializers.ModelSerializer):
    aws_account: serializers.SlugRelatedField[AwsAccount] = serializers.SlugRelatedField(
        slug_field="account_id", read_only=True
    )

    class Meta:
        model = OutputPort
        fields = [
            "id",
            "name",
            "description",
            "kind",
            "aws_account",
            "region",
            "catalog_id",
            "database_name",
            "table_name",
            "s3_location",
            "grant_method",
            "approval_policy",
            "auto_approve_owning_team",
            "table_columns",
            "table_fingerprint",
            "table_read_at",
            "table_changed_at",
        ]
        read_only_fields = fields


class OutputPortCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    aws_account = serializers.SlugRelatedField(
        slug_field="account_id",
        queryset=AwsAccount.objects.filter(is_active=True),
        help_text="The 12-digit id of a registered account.",
    )
    database_name = serializers.CharField(max_length=255)
    table_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    region = serializers.CharField(max_length=32, required=False, allow_blank=True)
    s3_location = serializers.CharField(max_length=1024, required=False, allow_blank=True)
    approval_policy = serializers.ChoiceField(choices=OutputPort.ApprovalPolicy.choices, required=False)


class SampleQuerySerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    sql = serializers.CharField(max_length=20000)


class MatchSerializer(serializers.Serializer):
    field = serializers.CharField()
    fragment = serializers.CharField()
    column = serializers.CharField()


class ProductListSerializer(ModelSerializer):
    domain: serializers.SlugRelatedField[Domain] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    domain_name = serializers.CharField(source="domain.name", read_only=True)
    owner_team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    tags = serializers.ListField(
        child=serializers.CharField(), source="tag_names", read_only=True, help_text="Tag names, sorted."
    )
    freshness = serializers.SerializerMethodField(help_text='"fresh", "stale", or "" without a freshness objective.')
    match = serializers.SerializerMethodField(
        help_text="In search results: why the product matched. field: summary, column, documentation, tags or name; "
        "fragment: HTML, escaped, the searched words in <mark>; column: the column that matched. Null without a "
        "search."
    )
    access = serializers.SerializerMethodField(
        help_text='In search results: "granted" (you hold an active grant), "pending" (a request of yours is '
        'waiting) or "".'
    )

    class Meta:
        model = DataProduct
        fields = [
            "slug",
            "name",
            "summary",
            "domain",
            "domain_name",
            "owner_team",
            "status",
            "classification",
            "criticality",
            "tags",
            "freshness",
            "last_refreshed_at",
            "quality_score",
            "request_count",
            "consumer_count",
            "version",
            "updated_at",
            "match",
            "access",
        ]
        read_only_fields = fields

    def get_freshness(self, product: DataProduct) -> str:
        return product_freshness(product)

    @extend_schema_field(MatchSerializer(allow_null=True))
    def get_match(self, product: DataProduct) -> dict[str, str] | None:
        match = getattr(product, "match", None)
        return None if match is None else {"field": match.field, "fragment": match.fragment, "column": match.column}

    def get_access(self, product: DataProduct) -> str:
        return getattr(product, "access", "")


class ProductDetailSerializer(ProductListSerializer):
    documentation_html = serializers.SerializerMethodField(help_text="The documentation rendered and sanitised.")
    upstream: serializers.SlugRelatedField[DataProduct] = serializers.SlugRelatedField(
        many=True, slug_field="slug", read_only=True
    )
    downstream: serializers.SlugRelatedField[DataProduct] = serializers.SlugRelatedField(
        many=True, slug_field="slug", read_only=True
    )
    columns = ColumnSerializer(many=True, read_only=True)
    output_ports = OutputPortSerializer(many=True, read_only=True)
    sample_queries = SampleQuerySerializer(many=True, read_only=True)
    can_edit = serializers.SerializerMethodField()

    class Meta(ProductListSerializer.Meta):
        fields = [
            *ProductListSerializer.Meta.fields,
            "contract_id",
            "documentation",
            "documentation_html",
            "terms_of_use",
            "freshness_slo_hours",
            "availability_slo",
            "sample_queries",
            "upstream",
            "downstream",
            "columns",
            "output_ports",
            "default_access_days",
            "max_access_days",
            "pii_override_reason",
            "published_at",
            "created_at",
            "can_edit",
        ]
        read_only_fields = fields

    def get_documentation_html(self, product: DataProduct) -> str:
        return render_markdown(product.documentation)

    def get_can_edit(self, product: DataProduct) -> bool:
        request = self.context.get("request")
        return bool(request and permissions.can_edit(request.user, product))


@extend_schema_field(OpenApiTypes.STR)
class _UpstreamField(serializers.SlugRelatedField):
    """Upstream products by slug, among the products the requesting user can see."""

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        return product_list(user=request.user if request else None)


class ProductWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True)
    documentation = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text=f"Markdown, at most {MAX_DOCUMENTATION_BYTES // 1024} KB.",
    )
    domain = serializers.SlugRelatedField(slug_field="slug", queryset=Domain.objects.all())
    owner_team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), allow_null=True, required=False
    )
    classification = serializers.ChoiceField(choices=Classification.choices, required=False, allow_blank=True)
    criticality = serializers.ChoiceField(choices=DataProduct.Criticality.choices, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=20)
    terms_of_use = serializers.CharField(required=False, allow_blank=True)
    freshness_slo_hours = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=24 * 366)
    availability_slo = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, min_value=0, max_value=100
    )
    last_refreshed_at = serializers.DateTimeField(required=False, allow_null=True)
    sample_queries = SampleQuerySerializer(many=True, required=False)
    upstream = _UpstreamField(many=True, slug_field="slug", required=False)
    version = serializers.CharField(max_length=32, required=False)


class ProductCreateSerializer(ProductWriteSerializer):
    slug = serializers.CharField(max_length=120, help_text="Stable address: lower-case letters, digits, hyphens.")
    columns = ColumnInputSerializer(many=True, required=False)


class ProductUpdateSerializer(ProductWriteSerializer):
    name = serializers.CharField(max_length=200, required=False)
    domain = serializers.SlugRelatedField(slug_field="slug", queryset=Domain.objects.all(), required=False)
    default_access_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)
    max_access_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)


class TransitionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # DRF field named like Field.label, which the stubs type as str
    passed = serializers.BooleanField()
    detail = serializers.CharField()
    overridden = serializers.BooleanField()
    columns = serializers.ListField(child=serializers.CharField())


class ChecklistSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    checks = CheckSerializer(many=True)


class OverrideSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text="Why the PII rule does not apply here.")


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # DRF field named like Field.label, which the stubs type as str
    count = serializers.IntegerField()
    selected = serializers.BooleanField()


class FacetsSerializer(serializers.Serializer):
    domain = FacetValueSerializer(many=True, required=False)
    owner_team = FacetValueSerializer(many=True, required=False)
    classification = FacetValueSerializer(many=True, required=False)
    criticality = FacetValueSerializer(many=True, required=False)
    status = FacetValueSerializer(many=True, required=False)
    tag = FacetValueSerializer(many=True, required=False)
    freshness = FacetValueSerializer(many=True, required=False)
    certified = FacetValueSerializer(many=True, required=False)


# --- contracts ----------------------------------------------------------------------------------------


class ContractImportSerializer(serializers.Serializer):
    yaml = serializers.CharField(
        trim_whitespace=False,
        max_length=MAX_YAML_BYTES,
        help_text="An Open Data Contract Standard v3 document, as YAML text.",
    )
    domain = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Domain.objects.all(),
        required=False,
        help_text="The domain (slug) the product belongs to; wins over the contract's `domain`, which then need "
        "not exist in MeshPortal.",
    )
    owner_team = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Team.objects.all(),
        required=False,
        help_text="The owner team (slug); wins over the contract's `team`, which then need not exist in MeshPortal.",
    )


class SchemaDiffSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
    changed = serializers.ListField(child=serializers.DictField())


class ContractTableSerializer(serializers.Serializer):
    table = serializers.CharField(help_text="The `name` of the contract's `schema` object.")
    port = serializers.CharField(help_text="The output port made for it (empty when none).")
    outcome = serializers.ChoiceField(choices=[o.value for o in PortOutcome])
    detail = serializers.CharField(help_text="Why the table has no output port.")


class ContractImportResultSerializer(serializers.Serializer):
    created = serializers.BooleanField()
    contract_id = serializers.CharField(help_text="The contract's `id`: importing the same id again updates.")
    schema_diff = SchemaDiffSerializer()
    tables = ContractTableSerializer(many=True)
    product = ProductDetailSerializer()


# --- harvests -------------------------------------------------------------------------------------------


class HarvestStartSerializer(serializers.Serializer):
    aws_account = serializers.SlugRelatedField(
        slug_field="account_id",
        queryset=AwsAccount.objects.all(),
        help_text="A registered producer account (12-digit id).",
    )
    database_name = serializers.CharField(max_length=255)
    table_names = serializers.ListField(child=serializers.CharField(max_length=255), min_length=1, max_length=500)
    domain = serializers.SlugRelatedField(slug_field="slug", queryset=Domain.objects.all())
    owner_team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all())


class SchemaProposalSerializer(serializers.ModelSerializer):
    product: serializers.SlugRelatedField[DataProduct] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    diff = SchemaDiffSerializer(read_only=True)

    class Meta:
        model = SchemaProposal
        fields = ["id", "product", "status", "diff", "created_at", "decided_at"]
        read_only_fields = fields


class HarvestResultSerializer(serializers.Serializer):
    table = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["created", "changes", "unchanged", "failed"])
    product = serializers.CharField(required=False)
    proposal = serializers.IntegerField(required=False)
    code = serializers.CharField(required=False, help_text="Why the table failed, as a stable code.")
    detail = serializers.CharField()


class HarvestJobSerializer(serializers.ModelSerializer):
    aws_account: serializers.SlugRelatedField[AwsAccount] = serializers.SlugRelatedField(
        slug_field="account_id", read_only=True
    )
    domain: serializers.SlugRelatedField[Domain] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner_team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requested_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    percent = serializers.IntegerField(read_only=True)
    started_at = serializers.DateTimeField(
        source="claimed_at", read_only=True, allow_null=True, help_text="When the current attempt started."
    )
    results = HarvestResultSerializer(many=True, read_only=True)
    table_names = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = HarvestJob
        fields = [
            "id",
            "status",
            "aws_account",
            "database_name",
            "table_names",
            "domain",
            "owner_team",
            "requested_by",
            "total",
            "done",
            "percent",
            "message",
            "results",
            "attempts",
            "next_attempt_at",
            "last_error_code",
            "last_error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
