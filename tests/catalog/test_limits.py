"""An output port's description has the same limit in the browser and in the API (issue 15, item 9)."""

from __future__ import annotations

import pytest

from catalog.models import DESCRIPTION_MAX_LENGTH, OutputPort
from tests.factories import AwsAccountFactory

pytestmark = pytest.mark.django_db

LONG = "d" * (DESCRIPTION_MAX_LENGTH + 1)


def test_an_over_long_port_description_is_refused_by_the_form_and_by_the_api(
    personas, client_for, api_for, make_product
):
    product = make_product("web-orders")
    AwsAccountFactory(account_id="222222222222", role="producer", name="producer")
    port = {"name": "glue", "aws_account": "222222222222", "database_name": "sales", "description": LONG}
    page = client_for(personas.producer).post(
        f"/catalog/products/{product.slug}/ports/new/", {**port, "approval_policy": "auto"}
    )
    assert page.status_code == 400 and "description" in page.context["form"].errors
    api = api_for(personas.producer).post(f"/api/v1/products/{product.slug}/ports/", port, format="json")
    assert api.status_code == 400 and "description" in api.json()["errors"]
    assert not OutputPort.objects.exists()
