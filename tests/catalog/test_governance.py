from __future__ import annotations

import pytest

from catalog import services
from catalog.governance import governance_checklist, scan_column
from meshportal.audit.events import EventType
from meshportal.audit.models import AuditEvent
from meshportal.core.errors import NotAllowed, ValidationFailed


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("email", "e-mail address"),
        ("customer_email", "e-mail address"),
        ("contactEmailAddress", "e-mail address"),
        ("phone_number", "phone number"),
        ("mobile", "phone number"),
        ("first_name", "person name"),
        ("recipient_name", "person name"),
        ("surname", "person name"),
        ("street_address", "postal address"),
        ("postcode", "postal address"),
        ("zip_code", "postal address"),
        ("iban", "bank account (IBAN)"),
        ("card_number", "payment card number"),
        ("ssn", "national identifier"),
        ("passport_number", "national identifier"),
        ("nino", "national identifier"),
        ("date_of_birth", "date of birth"),
        ("ip_address", "IP address"),
    ],
)
def test_pii_scan_flags_column_names(name, kind):
    finding = scan_column(name)
    assert finding is not None and finding.kind == kind


@pytest.mark.parametrize(
    "name",
    [
        "order_id",
        "amount_eur",
        "campaign_name",
        "product_name",
        "zipper_color",
        "shipping_method",
        "pages",
        "emailed_at_count",
    ],
)
def test_pii_scan_leaves_ordinary_columns_alone(name):
    assert scan_column(name) is None


@pytest.mark.parametrize(
    ("samples", "kind"),
    [
        (["ann@example.com", "bob@example.org", "carl@example.net"], "e-mail address"),
        (["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"], "bank account (IBAN)"),
        (["4111 1111 1111 1111", "5500005555555559"], "payment card number"),
        (["078-05-1120", "219-09-9999"], "national identifier"),
        (["AB123456C", "CE123456D"], "national identifier"),
        (["SW1A 1AA", "EC1A 1BB", "M1 1AE"], "postal address"),
        (["221B Baker Street", "10 Downing St"], "postal address"),
        (["+44 20 7946 0958", "+1 (555) 010-9999", "020 7946 0000"], "phone number"),
        (["10.0.0.1", "192.168.1.20"], "IP address"),
        (["Ana García", "Dr. Jan de Vries", "de Vries, Pieter", "Mary-Jane Watson", "n/a"], "person name"),
        (["wei zhang", "Mohamed Ali", "Sophie Martin"], "person name"),
    ],
)
def test_pii_scan_flags_sample_values(samples, kind):
    finding = scan_column("value", samples)
    assert finding is not None and finding.kind == kind


@pytest.mark.parametrize(
    "samples",
    [
        ["Apple Watch", "Sales Region North", "Oxford Street Store"],  # a name's shape, no given name
        ["Anna", "Peter", "Emma"],  # one word: could be anything (a code name, a product)
        ["Order 2024", "Peter 7", "Maria 12"],  # digits are not part of names
    ],
)
def test_person_name_rule_needs_the_shape_and_a_given_name(samples):
    assert scan_column("value", samples) is None


def test_pii_scan_needs_a_majority_of_samples_and_valid_checksums():
    assert scan_column("notes", ["hello", "ann@example.com", "world"]) is None
    assert scan_column("ref", ["4111111111111112", "1234567890123"]) is None  # Luhn fails
    assert scan_column("ref", ["GB00WEST12345698765432"]) is None  # IBAN checksum fails


@pytest.mark.django_db
def test_harvested_pii_columns_are_flagged_with_a_reason(make_product):
    product = make_product(
        "customers",
        columns=[
            {"name": "customer_email"},
            {"name": "notes", "sample_values": ["a@b.com", "c@d.com"]},
            {"name": "id"},
        ],
    )
    flags = {c.name: (c.is_pii, c.pii_reason) for c in product.columns.all()}
    assert flags["customer_email"][0] and "e-mail" in flags["customer_email"][1]
    assert flags["notes"][0] and "sample values" in flags["notes"][1]
    assert flags["id"] == (False, "")


@pytest.mark.django_db
def test_checklist_lists_every_failure(make_product):
    product = make_product("p", classification="", summary="", columns=[])
    checklist = governance_checklist(product)
    failed = {c.code for c in checklist.failures}
    assert failed == {"description", "classification", "schema"}
    assert not checklist.passed


@pytest.mark.django_db
def test_pii_requires_confidential_or_higher(personas, make_product):
    product = make_product(
        "customers",
        classification="internal",
        columns=[{"name": "email", "classification": "internal"}, {"name": "id", "classification": "internal"}],
    )
    checklist = governance_checklist(product)
    pii = next(c for c in checklist.checks if c.code == "pii")
    assert not pii.passed and pii.columns == ["email"]
    with pytest.raises(ValidationFailed) as exc:
        services.product_publish(actor=personas.producer, product=product)
    assert "pii" in exc.value.errors
    services.product_update(actor=personas.producer, product=product, classification="confidential")
    services.column_update_many(
        actor=personas.producer, product=product, changes=[{"name": "email", "classification": "restricted"}]
    )
    assert services.product_publish(actor=personas.producer, product=product).status == "published"


@pytest.mark.django_db
def test_steward_override_with_reason_lets_pii_publish(personas, make_product):
    product = make_product(
        "hashed", classification="internal", columns=[{"name": "email", "classification": "internal"}]
    )
    with pytest.raises(NotAllowed):
        services.governance_override(actor=personas.producer, product=product, reason="it is hashed with a salt")
    with pytest.raises(NotAllowed):
        services.governance_override(actor=personas.admin, product=product, reason="it is hashed with a salt")
    with pytest.raises(ValidationFailed):
        services.governance_override(actor=personas.steward, product=product, reason="ok")
    services.governance_override(
        actor=personas.steward, product=product, reason="Values are salted SHA-256 hashes, not addresses."
    )
    product.refresh_from_db()
    pii = next(c for c in governance_checklist(product).checks if c.code == "pii")
    assert pii.passed and pii.overridden and "salted" in pii.detail
    assert AuditEvent.objects.filter(event_type=EventType.GOVERNANCE_OVERRIDE, product_id=product.pk).exists()
    assert services.product_publish(actor=personas.producer, product=product).status == "published"
