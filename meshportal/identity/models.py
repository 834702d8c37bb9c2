"""Users, teams and the two platform-wide roles.

Roles in MeshPortal:
- consumer: every active user;
- producer: a member of a producer team, which owns data products (``TeamMembership``); a member of a consumer
  team (which reads data through the IAM roles it registers, ``aws.ConsumerRole``) is not a producer for it;
- data steward: per domain (``catalog.Domain.stewards``);
- platform admin: ``User.is_platform_admin`` (also the only way into Django admin);
- auditor: ``User.is_auditor``, read-only and sees everything.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    is_platform_admin = models.BooleanField(
        default=False, help_text="Manages accounts, policies and users; may use Django admin."
    )
    oidc_subject = models.CharField(
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="The identity provider's stable subject (sub) for SSO users.",
    )
    is_auditor = models.BooleanField(
        default=False, help_text="Read-only access to everything, including the audit log."
    )

    class Meta:
        ordering = ["username"]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Team(models.Model):
    class Kind(models.TextChoices):
        PRODUCER = "producer", "Producer team (owns data products)"
        CONSUMER = "consumer", "Consumer team (reads data through its IAM roles)"

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True, help_text="Where the team's notifications go, besides its members.")
    kind = models.CharField(
        max_length=10,
        choices=Kind.choices,
        default=Kind.PRODUCER,
        db_default=Kind.PRODUCER,  # rows written by code that predates the column (migrations' models) are producers
        help_text="Producer teams own data products; every team may register the IAM roles it reads data with.",
    )
    members = models.ManyToManyField(User, through="TeamMembership", related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        LEAD = "lead", "Lead"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="team_memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="uniq_team_member")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the secret is stored: the secret is shown once, when
    the token is created (meshportal/identity/tokens.py), and cannot be read back by anyone afterwards."""

    NAME_MAX_LENGTH = 100

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    # The first characters of the secret, for lookup and so its owner can tell tokens apart; not enough to use.
    prefix = models.CharField(max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
