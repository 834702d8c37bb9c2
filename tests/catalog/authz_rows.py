"""Who gets what on every catalog URL: the catalog's rows of the authorization matrix
(tests/gates/test_authz_matrix.py merges them). URL arguments come from the gate's ``world``."""

from __future__ import annotations

from typing import Any

PERSONAS = ("anonymous", "consumer", "producer", "steward", "admin", "auditor", "outsider")
EVERYONE = {p: 200 for p in PERSONAS if p != "anonymous"}
PAGE_LOGIN = {"anonymous": 302}
API_LOGIN = {"anonymous": 401}
POST_ONLY_PAGE = {**PAGE_LOGIN, **dict.fromkeys(PERSONAS[1:], 405)}
POST_ONLY_API = {**API_LOGIN, **dict.fromkeys(PERSONAS[1:], 405)}
PRODUCER_ADMIN_PAGE = {**PAGE_LOGIN, **dict.fromkeys(PERSONAS[1:], 403), "producer": 200, "admin": 200}
# A harvest job: the requester's team, admins and auditors; 404 for everyone else.
HARVEST_PAGE = {**PAGE_LOGIN, **dict.fromkeys(PERSONAS[1:], 404), "producer": 200, "admin": 200, "auditor": 200}
HARVEST_API = {**HARVEST_PAGE, **API_LOGIN}

CATALOG_MATRIX: dict[str, tuple[Any, dict[str, int]]] = {
    "catalog:home": (lambda w: {}, {**EVERYONE, **PAGE_LOGIN}),
    "catalog:search": (lambda w: {}, {**EVERYONE, **PAGE_LOGIN}),
    "catalog:domain": (lambda w: {"slug": w["domain"]}, {**EVERYONE, **PAGE_LOGIN}),
    "catalog:product": (lambda w: {"slug": w["product"]}, {**EVERYONE, **PAGE_LOGIN}),
    "catalog:product-create": (lambda w: {}, PRODUCER_ADMIN_PAGE),
    "catalog:product-edit": (lambda w: {"slug": w["product"]}, PRODUCER_ADMIN_PAGE),
    "catalog:schema-edit": (lambda w: {"slug": w["product"]}, PRODUCER_ADMIN_PAGE),
    "catalog:port-create": (lambda w: {"slug": w["product"]}, PRODUCER_ADMIN_PAGE),
    "catalog:port-databases": (lambda w: {"slug": w["product"]}, PRODUCER_ADMIN_PAGE),
    "catalog:port-tables": (lambda w: {"slug": w["product"]}, PRODUCER_ADMIN_PAGE),
    "catalog:product-publish": (lambda w: {"slug": w["product"]}, POST_ONLY_PAGE),
    "catalog:product-deprecate": (lambda w: {"slug": w["product"]}, POST_ONLY_PAGE),
    "catalog:product-retire": (lambda w: {"slug": w["product"]}, POST_ONLY_PAGE),
    "catalog:governance-override": (lambda w: {"slug": w["product"]}, POST_ONLY_PAGE),
    "catalog:contract-download": (lambda w: {"slug": w["product"]}, {**EVERYONE, **PAGE_LOGIN}),
    "catalog:odps-download": (lambda w: {"slug": w["product"]}, {**EVERYONE, **PAGE_LOGIN}),
    "catalog:contract-import": (lambda w: {}, {**EVERYONE, **PAGE_LOGIN}),
    "catalog:harvest": (lambda w: {}, PRODUCER_ADMIN_PAGE),
    "catalog:harvest-databases": (lambda w: {}, PRODUCER_ADMIN_PAGE),
    "catalog:harvest-tables": (lambda w: {}, PRODUCER_ADMIN_PAGE),
    "catalog:harvest-detail": (lambda w: {"pk": w["harvest"]}, HARVEST_PAGE),
    "catalog:proposal-apply": (lambda w: {"pk": w["proposal"]}, POST_ONLY_PAGE),
    "catalog:proposal-discard": (lambda w: {"pk": w["proposal"]}, POST_ONLY_PAGE),
    "api-domain-list": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-domain-detail": (lambda w: {"slug": w["domain"]}, {**EVERYONE, **API_LOGIN}),
    "api-product-list": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-product-facets": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-product-detail": (lambda w: {"slug": w["product"]}, {**EVERYONE, **API_LOGIN}),
    "api-product-publish": (lambda w: {"slug": w["product"]}, POST_ONLY_API),
    "api-product-deprecate": (lambda w: {"slug": w["product"]}, POST_ONLY_API),
    "api-product-retire": (lambda w: {"slug": w["product"]}, POST_ONLY_API),
    "api-product-governance": (lambda w: {"slug": w["product"]}, {**EVERYONE, **API_LOGIN}),
    "api-product-governance-override": (lambda w: {"slug": w["product"]}, POST_ONLY_API),
    "api-product-contract": (lambda w: {"slug": w["product"]}, {**EVERYONE, **API_LOGIN}),
    "api-product-odps": (lambda w: {"slug": w["product"]}, {**EVERYONE, **API_LOGIN}),
    "api-product-columns": (lambda w: {"slug": w["product"]}, {**EVERYONE, **API_LOGIN}),
    "api-product-ports": (lambda w: {"slug": w["product"]}, {**EVERYONE, **API_LOGIN}),
    "api-contract-import": (lambda w: {}, POST_ONLY_API),
    "api-harvest-list": (lambda w: {}, {**EVERYONE, **API_LOGIN}),
    "api-harvest-detail": (lambda w: {"pk": w["harvest"]}, HARVEST_API),
    "api-proposal-apply": (lambda w: {"pk": w["proposal"]}, POST_ONLY_API),
    "api-proposal-discard": (lambda w: {"pk": w["proposal"]}, POST_ONLY_API),
}
