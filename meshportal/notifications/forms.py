from __future__ import annotations

from django import forms


class WebhookForm(forms.Form):
    url = forms.URLField(
        max_length=500,
        label="Endpoint URL",
        assume_scheme="https",
        help_text="Receives a POST per event, CloudEvents JSON, signed (see below).",
    )
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.CharField(
        required=False,
        label="Event types",
        help_text="Comma-separated, e.g. com.meshportal.grant.granted; empty means all.",
    )

    def clean_event_types(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["event_types"].split(",") if t.strip()]
