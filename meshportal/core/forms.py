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
