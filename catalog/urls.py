from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("domains/<slug:slug>/", views.domain_detail, name="domain"),
    path("products/new/", views.product_create, name="product-create"),
    path("products/<slug:slug>/", views.product_detail, name="product"),
    path("products/<slug:slug>/edit/", views.product_edit, name="product-edit"),
    path("products/<slug:slug>/schema/", views.schema_edit, name="schema-edit"),
    path("products/<slug:slug>/ports/new/", views.port_create, name="port-create"),
    path("products/<slug:slug>/ports/databases/", views.port_databases, name="port-databases"),
    path("products/<slug:slug>/ports/tables/", views.port_tables, name="port-tables"),
    path("products/<slug:slug>/publish/", views.product_publish, name="product-publish"),
    path("products/<slug:slug>/deprecate/", views.product_deprecate, name="product-deprecate"),
    path("products/<slug:slug>/retire/", views.product_retire, name="product-retire"),
    path("products/<slug:slug>/governance/override/", views.governance_override, name="governance-override"),
    path("products/<slug:slug>/contract.yaml", views.contract_download, name="contract-download"),
    path("products/<slug:slug>/odps.json", views.odps_download, name="odps-download"),
    path("contracts/import/", views.contract_import, name="contract-import"),
    path("harvest/", views.harvest_start, name="harvest"),
    path("harvest/databases/", views.harvest_databases, name="harvest-databases"),
    path("harvest/tables/", views.harvest_tables, name="harvest-tables"),
    path("harvest/<int:pk>/", views.harvest_detail, name="harvest-detail"),
    path("schema-changes/<int:pk>/apply/", views.proposal_decide, {"decision": "apply"}, name="proposal-apply"),
    path("schema-changes/<int:pk>/discard/", views.proposal_decide, {"decision": "discard"}, name="proposal-discard"),
]
