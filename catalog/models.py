"""The catalog: domains, data products, their schema, output ports, contracts and quality history."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from meshportal.core.outbox import OutboxJob, OutboxStatus

# Descriptions (of a domain, an output port, a column): one limit for the HTML forms and the API alike.
DESCRIPTION_MAX_LENGTH = 10000


class Classification(models.TextChoices):
    """Ordered from least to most sensitive; ``rank`` compares them."""

    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"

    @classmethod
    def rank(cls, value: str) -> int:
        order: list[str] = [cls.PUBLIC, cls.INTERNAL, cls.CONFIDENTIAL, cls.RESTRICTED]
        return order.index(value) if value in order else -1


class Domain(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    stewards = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="stewarded_domains")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DataProduct(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        DEPRECATED = "deprecated", "Deprecated"
        RETIRED = "retired", "Retired"

    class Criticality(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    slug = models.SlugField(max_length=120, unique=True, help_text="Stable address: never reused, never changed.")
    name = models.CharField(max_length=200)
    # The ODCS contract ``id`` the product was imported from: importing a contract with the same id updates
    # this product, a different id never does (two contracts with the same name do not collide).
    contract_id = models.CharField(
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="The id of the ODCS contract the product was imported from: the same id updates it.",
    )
    summary = models.CharField(max_length=300, blank=True)
    documentation = models.TextField(blank=True, help_text="Markdown; rendered with HTML sanitised.")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="products")
    owner_team = models.ForeignKey(
        "identity.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="products"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    classification = models.CharField(max_length=12, choices=Classification.choices, blank=True)
    criticality = models.CharField(max_length=10, choices=Criticality.choices, default=Criticality.MEDIUM)
    tags = models.ManyToManyField(Tag, blank=True, related_name="products")
    terms_of_use = models.TextField(blank=True)
    freshness_slo_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="Data is at most this many hours old."
    )
    availability_slo = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Availability objective, percent.",
    )
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    # last_refreshed_at + freshness_slo_hours, kept by the services: the freshness facet filters on it with a
    # plain indexed comparison on every database.
    fresh_until = models.DateTimeField(null=True, blank=True, editable=False)
    quality_score = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    sample_queries = models.JSONField(default=list, blank=True, help_text='[{"title": ..., "sql": ...}]')
    upstream = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="downstream")
    version = models.CharField(max_length=32, default="1.0.0")
    default_access_days = models.PositiveIntegerField(default=90)
    max_access_days = models.PositiveIntegerField(default=365)
    # Steward override of the PII classification rule (governance), with its written reason.
    pii_override_reason = models.TextField(blank=True)
    pii_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pii_override_at = models.DateTimeField(null=True, blank=True)
    # Counters kept by the access-request services, for sorting and the product page.
    request_count = models.PositiveIntegerField(default=0)
    consumer_count = models.PositiveIntegerField(default=0)
    # Access requests of the last 90 days plus active consumers: the "popular" sort (access_requests/popularity.py).
    popularity = models.PositiveIntegerField(default=0, editable=False)
    # The governance checklist passes and the product has a data contract and a service level (freshness or
    # availability objective): the "certified" facet. Kept by refresh_search_fields on every change.
    certified = models.BooleanField(default=False, editable=False)
    # Denormalised search text, rebuilt by the catalog services on every change.
    tag_text = models.TextField(blank=True, editable=False)
    column_text = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    # Name (A), summary and tags (B) only: small, so ranking reads little; relevance lists its matches first.
    search_head = SearchVectorField(null=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status", "domain"], name="product_status_domain_idx"),
            models.Index(fields=["-updated_at"], name="product_updated_idx"),
            models.Index(fields=["-request_count"], name="product_requests_idx"),
            models.Index(fields=["-popularity", "-updated_at"], name="product_popularity_idx"),
            models.Index(fields=["fresh_until"], name="product_fresh_until_idx"),
            models.Index(fields=["name"], name="product_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tag_names(self) -> list[str]:
        """The product's tag names, sorted, read from ``tag_text`` (no query): the services rebuild it with the tags."""
        return sorted(self.tag_text.split())


class Column(models.Model):
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="columns")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=255)
    data_type = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    classification = models.CharField(max_length=12, choices=Classification.choices, blank=True)
    is_pii = models.BooleanField(default=False, help_text="Set by the producer or by the PII scan.")
    pii_reason = models.CharField(max_length=255, blank=True, help_text="Why the PII scan flagged this column.")
    sample_values = models.JSONField(default=list, blank=True, help_text="A few harvested values, for the PII scan.")

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="uniq_product_column")]

    def __str__(self) -> str:
        return f"{self.name} ({self.data_type})"


class OutputPort(models.Model):
    """How a product is consumed: a Glue table (or database) in an AWS account, with its access policy."""

    class Kind(models.TextChoices):
        GLUE_TABLE = "glue_table", "Glue table"
        GLUE_DATABASE = "glue_database", "Glue database"

    class GrantMethod(models.TextChoices):
        NAMED_RESOURCE = "named", "Named resource (database/table/columns)"
        LF_TAGS = "lf_tags", "LF-tag expression"

    class ApprovalPolicy(models.TextChoices):
        AUTO = "auto", "Auto-approve"
        PRODUCER = "producer", "Producer approval"
        TWO_STAGE = "two_stage", "Producer, then domain steward"

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="output_ports")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.GLUE_TABLE)
    aws_account = models.ForeignKey("aws.AwsAccount", on_delete=models.PROTECT, related_name="output_ports")
    region = models.CharField(max_length=32, default="eu-west-1")
    catalog_id = models.CharField(max_length=12, help_text="Glue Data Catalog id: the owning account id.")
    database_name = models.CharField(max_length=255)
    table_name = models.CharField(max_length=255, blank=True)
    s3_location = models.CharField(max_length=1024, blank=True)
    grant_method = models.CharField(max_length=10, choices=GrantMethod.choices, default=GrantMethod.NAMED_RESOURCE)
    lf_tag_expression = models.JSONField(
        default=list, blank=True, help_text='[{"TagKey": "domain", "TagValues": ["sales"]}, ...]'
    )
    approval_policy = models.CharField(max_length=10, choices=ApprovalPolicy.choices, default=ApprovalPolicy.PRODUCER)
    auto_approve_owning_team = models.BooleanField(
        default=True, help_text="Requests from the owning team's own roles are approved by policy."
    )
    # The table as last read from Glue through the gateway (never as typed): its columns, when, and a digest of
    # its shape; ``table_changed_at`` is set when a later reading (a re-harvest) found another shape.
    table_columns = models.JSONField(default=list, blank=True, editable=False)
    table_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    table_read_at = models.DateTimeField(null=True, blank=True, editable=False)
    table_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product", "name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="uniq_port_name"),
        ]

    def __str__(self) -> str:
        target = f"{self.database_name}.{self.table_name}" if self.table_name else self.database_name
        return f"{self.name} ({target})"


class DataContract(models.Model):
    """An Open Data Contract Standard (ODCS) v3 document stored with its product; the latest is current."""

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="contracts")
    version = models.CharField(max_length=32)
    odcs_version = models.CharField(max_length=16)
    yaml_text = models.TextField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        get_latest_by = "imported_at"

    def __str__(self) -> str:
        return f"{self.product} contract {self.version}"


class QualityMeasurement(models.Model):
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="quality_history")
    measured_at = models.DateTimeField()
    score = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    dimensions = models.JSONField(default=dict, blank=True, help_text='{"completeness": 99.1, ...}')

    class Meta:
        ordering = ["-measured_at"]
        indexes = [models.Index(fields=["product", "-measured_at"], name="quality_product_time_idx")]

    def __str__(self) -> str:
        return f"{self.product} quality {self.score} at {self.measured_at:%Y-%m-%d}"


HARVEST_STATUS_LABELS: dict[str, str] = {
    OutboxStatus.PENDING: "Waiting for a worker",
    OutboxStatus.QUEUED: "Waiting for a worker",
    OutboxStatus.SUCCEEDED: "Finished",
}


class HarvestJob(OutboxJob):
    """One run of "harvest from Glue": which tables to read, its progress (polled by the page) and its outcome.

    The web writes the row; a worker claims it through the outbox engine (``meshportal/core/outbox``: claim,
    lease, fenced updates, retry with backoff, relay) and reports progress on it. ``claimed_at`` is when the
    current attempt started; ``results`` carry over from one attempt to the next, so a retry goes on where
    the last attempt stopped.
    """

    Status = OutboxStatus

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    aws_account = models.ForeignKey("aws.AwsAccount", on_delete=models.PROTECT, related_name="harvests")
    database_name = models.CharField(max_length=255)
    table_names = models.JSONField(default=list)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="harvests")
    owner_team = models.ForeignKey("identity.Team", on_delete=models.PROTECT, related_name="harvests")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    # Per table: {"table", "outcome": created|changes|unchanged|failed, "product": slug, "detail"}.
    results = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="harvest_status_idx")]

    def __str__(self) -> str:
        return f"Harvest #{self.pk} of {self.database_name}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def status_label(self) -> str:
        """The status in the words the harvest page has always used (the API gives ``status`` itself)."""
        return HARVEST_STATUS_LABELS.get(self.status, self.get_status_display())


class SchemaProposal(models.Model):
    """A schema a re-harvest read for an existing product, held until a producer reviews and applies it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPLIED = "applied", "Applied"
        DISCARDED = "discarded", "Discarded"

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="schema_proposals")
    harvest = models.ForeignKey(HarvestJob, on_delete=models.CASCADE, related_name="proposals")
    columns = models.JSONField(default=list, help_text="The harvested columns, in table order.")
    diff = models.JSONField(default=dict, help_text='{"added": [...], "removed": [...], "changed": [...]}')
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Schema proposal #{self.pk} for {self.product}"


class SearchTerm(models.Model):
    """A word of the catalog (in a product's name, summary, tags, column names or descriptions), for spelling
    suggestions: the search looks here for close spellings of a word that finds little (catalog/spelling.py).

    Words are added as products change (``refresh_search_fields``) and never removed: a word that no longer finds
    anything is never offered, because a correction must find more than the spelling as typed.
    """

    term = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.term
