"""Catalog forms: parse browser input into the arguments a service takes. No business rules here."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from catalog.contracts import MAX_YAML_BYTES
from catalog.models import DESCRIPTION_MAX_LENGTH, Classification, DataProduct, Domain, OutputPort
from meshportal.aws.models import AwsAccount
from meshportal.identity import roles
from meshportal.identity.models import Team


def _team_queryset(user: Any) -> Any:
    if roles.is_platform_admin(user):
        return Team.objects.order_by("name")
    return Team.objects.filter(pk__in=roles.producer_team_ids(user)).order_by("name")


class ProductForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.CharField(
        max_length=120,
        help_text="The product's stable address: lower-case letters, digits and hyphens. It never changes.",
    )
    summary = forms.CharField(max_length=300, required=False, help_text="One line: what the data is.")
    domain = forms.ModelChoiceField(queryset=Domain.objects.order_by("name"), to_field_name="slug")
    owner_team = forms.ModelChoiceField(queryset=Team.objects.none(), to_field_name="slug", label="Owner team")
    classification = forms.ChoiceField(
        choices=[("", "— not yet classified —"), *Classification.choices], required=False
    )
    criticality = forms.ChoiceField(choices=DataProduct.Criticality.choices, initial="medium")
    tags = forms.CharField(required=False, help_text="Comma-separated, e.g. orders, revenue.")
    documentation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12}),
        required=False,
        strip=False,
        help_text="Markdown. HTML is sanitised; at most 200 KB.",
    )
    terms_of_use = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Terms of use")
    freshness_slo_hours = forms.IntegerField(required=False, min_value=1, label="Freshness objective (hours)")
    availability_slo = forms.DecimalField(
        required=False, min_value=0, max_value=100, decimal_places=2, label="Availability objective (%)"
    )
    version = forms.CharField(max_length=32, initial="1.0.0")
    sample_queries = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "class": "mono"}),
        required=False,
        strip=False,
        help_text="One query per block: a title on the first line, the SQL below it; separate blocks with a "
        "line holding only ---.",
    )

    def __init__(self, *args: Any, user: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner_team"]).queryset = _team_queryset(user)
        if editing:
            del self.fields["slug"]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["tags"] = [t.strip() for t in (data.get("tags") or "").split(",") if t.strip()]
        data["sample_queries"] = parse_sample_queries(data.get("sample_queries") or "")
        return data

    @staticmethod
    def initial_for(product: DataProduct) -> dict[str, Any]:
        return {
            "name": product.name,
            "summary": product.summary,
            "domain": product.domain.slug,
            "owner_team": product.owner_team.slug if product.owner_team else None,
            "classification": product.classification,
            "criticality": product.criticality,
            "tags": ", ".join(t.name for t in product.tags.all()),
            "documentation": product.documentation,
            "terms_of_use": product.terms_of_use,
            "freshness_slo_hours": product.freshness_slo_hours,
            "availability_slo": product.availability_slo,
            "version": product.version,
            "sample_queries": format_sample_queries(product.sample_queries),
        }


QUERY_SEPARATOR = "---"


def parse_sample_queries(text: str) -> list[dict[str, str]]:
    """Blocks separated by a line holding only ``---``; each block is a title line and the SQL below it.
    A block of one line is SQL without a title. (The service checks sizes and counts.)"""
    queries: list[dict[str, str]] = []
    block: list[str] = []
    for line in [*text.replace("\r\n", "\n").split("\n"), QUERY_SEPARATOR]:
        if line.strip() != QUERY_SEPARATOR:
            block.append(line)
            continue
        content = "\n".join(block).strip()
        block = []
        if not content:
            continue
        title, _, sql = content.partition("\n")
        queries.append({"title": title.strip(), "sql": sql.strip()} if sql.strip() else {"title": "", "sql": title})
    return queries


def format_sample_queries(queries: list[dict[str, str]]) -> str:
    blocks = [f"{q.get('title', '')}\n{q.get('sql', '')}".strip() for q in queries or []]
    return f"\n{QUERY_SEPARATOR}\n".join(blocks)


class OutputPortForm(forms.Form):
    """A Glue table (or database) in a registered account through which the product is consumed."""

    name = forms.CharField(max_length=120, help_text="How consumers refer to this port, e.g. glue.")
    aws_account = forms.ModelChoiceField(
        queryset=AwsAccount.objects.none(), to_field_name="account_id", label="AWS account"
    )
    # Chosen from the account's Glue catalog, narrowed to the team's footprint (the page fills the choices);
    # the service checks ownership and existence again whatever was sent.
    database_name = forms.CharField(max_length=255, label="Glue database")
    table_name = forms.CharField(
        max_length=255, required=False, label="Glue table", help_text="Empty for the whole database."
    )
    s3_location = forms.CharField(
        max_length=1024, required=False, label="S3 location", help_text="Read from Glue for a table port."
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=DESCRIPTION_MAX_LENGTH
    )
    approval_policy = forms.ChoiceField(
        choices=OutputPort.ApprovalPolicy.choices,
        initial="producer",
        help_text="Sensitive data is always approved in two stages.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["aws_account"]).queryset = port_accounts()


def port_accounts() -> QuerySet[AwsAccount]:
    """The accounts an output port can be in: active producer accounts (never a consumer's or the central one)."""
    return AwsAccount.objects.filter(is_active=True, role=AwsAccount.Role.PRODUCER).order_by("name")


class ColumnForm(forms.Form):
    name = forms.CharField(widget=forms.HiddenInput)
    classification = forms.ChoiceField(choices=[("", "—"), *Classification.choices], required=False)
    description = forms.CharField(required=False, max_length=DESCRIPTION_MAX_LENGTH)
    is_pii = forms.BooleanField(required=False, label="PII")


ColumnFormSet = forms.formset_factory(ColumnForm, extra=0, max_num=2000, validate_max=True)


class OverrideForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text="Why the PII rule does not apply to this product (kept in the audit log).",
    )


class TransitionForm(forms.Form):
    reason = forms.CharField(required=False, max_length=2000)


class ContractImportForm(forms.Form):
    yaml = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false"}),
        required=False,
        strip=False,
        label="Contract (YAML)",
    )
    file = forms.FileField(required=False, label="…or upload a file")
    domain = forms.ModelChoiceField(
        queryset=Domain.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        help_text="Wins over the contract's domain (which then need not exist here).",
    )
    owner_team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        to_field_name="slug",
        required=False,
        label="Owner team",
        help_text="Wins over the contract's team (which then need not exist here).",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner_team"]).queryset = _team_queryset(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload:
            if upload.size > MAX_YAML_BYTES:
                raise forms.ValidationError(f"The file is larger than {MAX_YAML_BYTES // 1024} KB.")
            try:
                data["yaml"] = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError("The file is not UTF-8 text.") from exc
        if not (data.get("yaml") or "").strip():
            raise forms.ValidationError("Paste a contract or upload a file.")
        return data


def harvest_accounts() -> QuerySet[AwsAccount]:
    """The registry accounts whose Glue catalog a producer may harvest from."""
    return AwsAccount.objects.filter(
        is_active=True, role__in=[AwsAccount.Role.PRODUCER, AwsAccount.Role.CENTRAL_GOVERNANCE]
    ).order_by("name")


class HarvestForm(forms.Form):
    aws_account = forms.ModelChoiceField(
        queryset=harvest_accounts(), label="Producer account", to_field_name="account_id"
    )
    database_name = forms.CharField(max_length=255, label="Glue database")
    table_names = forms.MultipleChoiceField(choices=[], label="Tables")
    domain = forms.ModelChoiceField(queryset=Domain.objects.order_by("name"), to_field_name="slug")
    owner_team = forms.ModelChoiceField(queryset=Team.objects.none(), to_field_name="slug", label="Owner team")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner_team"]).queryset = _team_queryset(user)
        # The table list comes from Glue in the browser; the service checks them when the worker reads them.
        posted = self.data.getlist("table_names") if hasattr(self.data, "getlist") else []
        cast(forms.MultipleChoiceField, self.fields["table_names"]).choices = [(t, t) for t in posted]
