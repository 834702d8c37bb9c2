from __future__ import annotations

from django import forms

from meshportal.core.errors import DomainError, ValidationFailed


def apply_domain_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a service's refusal on the form: on its field when it names one, else as a form error."""
    if isinstance(exc, ValidationFailed) and exc.errors:
        for field, messages in exc.errors.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
        return
    form.add_error(exc.field if exc.field in form.fields else None, exc.detail)


MAX_ID = 2**63 - 1  # the largest primary key a BigAutoField holds


def parse_id(value: str | None) -> int | None:
    """A positive database id from untrusted text, or None: ASCII digits only ("²".isdigit() is True)
    and within the range a primary key can hold, so a lookup never overflows into a 500."""
    if not value or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None
