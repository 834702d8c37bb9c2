"""The AWS account registry and the governance model: which accounts the mesh spans, what each one is for,
the role the portal assumes there, and which account's Lake Formation makes grants (platform layer: the
catalog and provisioning both read it)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

account_id_validator = RegexValidator(r"^\d{12}$", "An AWS account id is exactly 12 digits.")
role_arn_validator = RegexValidator(
    r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$",
    "Expected an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>.",
)


# https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (ExternalId: 2-1224 characters)
external_id_validator = RegexValidator(
    r"^[\w+=,.@:/-]{2,1224}$", "An external id is 2 to 1,224 letters, digits or +=,.@:/_- characters."
)


class AwsAccount(models.Model):
    class Role(models.TextChoices):
        PRODUCER = "producer", "Producer"
        CONSUMER = "consumer", "Consumer"
        CENTRAL_GOVERNANCE = "central", "Central governance"

    account_id = models.CharField(max_length=12, unique=True, validators=[account_id_validator])
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=10, choices=Role.choices)
    line_of_business = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=32, default="eu-west-1")
    role_arn = models.CharField(
        max_length=2048,
        blank=True,
        validators=[role_arn_validator],
        help_text="The role the portal assumes there; empty means the default role name.",
    )
    external_id = models.CharField(
        max_length=1224,
        blank=True,
        validators=[external_id_validator],
        help_text="The sts:ExternalId the portal's role there requires (deploy/aws/meshportal-role.yaml); empty: none.",
    )
    organization_id = models.CharField(
        max_length=64, blank=True, help_text="AWS Organization id; no RAM invitation inside one organization."
    )
    is_active = models.BooleanField(default=True)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        db_table = "provisioning_awsaccount"

    def __str__(self) -> str:
        return f"{self.name} ({self.account_id})"


class GovernanceSettings(models.Model):
    """Which account's Lake Formation makes each grant (AWS data-mesh reference architecture)."""

    class Model(models.TextChoices):
        CENTRAL = "central", "One central governance account"
        LINE_OF_BUSINESS = "lob", "One central account per line of business"
        FEDERATED = "federated", "Fully federated: each producer account grants"

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    model = models.CharField(max_length=10, choices=Model.choices, default=Model.FEDERATED)
    repair_missing_grants = models.BooleanField(default=True, help_text="The reconciler re-applies missing grants.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "provisioning_governancesettings"

    def __str__(self) -> str:
        return f"Governance: {self.get_model_display()}"


class GlueFootprint(models.Model):
    """Which team owns which Glue databases in which producer account: the registry output ports are checked
    against (a port may only reference a database of its product's owning team). Kept by platform admins.

    ``database_pattern`` is a database name or an ``fnmatch`` pattern (``sales_*``); an exact name wins over a
    pattern, and a longer pattern over a shorter one, so a team may own one database inside another's pattern."""

    team = models.ForeignKey("identity.Team", on_delete=models.PROTECT, related_name="glue_footprints")
    aws_account = models.ForeignKey(AwsAccount, on_delete=models.PROTECT, related_name="glue_footprints")
    database_pattern = models.CharField(
        max_length=255, help_text="A Glue database name, or a pattern such as sales_* (fnmatch: * ? [seq])."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["aws_account__name", "database_pattern"]
        constraints = [
            models.UniqueConstraint(fields=["aws_account", "database_pattern"], name="uniq_footprint_database"),
        ]

    def __str__(self) -> str:
        return f"{self.database_pattern} in {self.aws_account.account_id}"

    @property
    def is_pattern(self) -> bool:
        return any(ch in self.database_pattern for ch in "*?[")
