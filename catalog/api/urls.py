from django.urls import path

from catalog.api import views

urlpatterns = [
    path("domains/", views.DomainListView.as_view(), name="api-domain-list"),
    path("domains/<slug:slug>/", views.DomainDetailView.as_view(), name="api-domain-detail"),
    path("products/", views.ProductListView.as_view(), name="api-product-list"),
    path("products/facets/", views.ProductFacetsView.as_view(), name="api-product-facets"),
    path("products/<slug:slug>/", views.ProductDetailView.as_view(), name="api-product-detail"),
    path("products/<slug:slug>/publish/", views.ProductPublishView.as_view(), name="api-product-publish"),
    path("products/<slug:slug>/deprecate/", views.ProductDeprecateView.as_view(), name="api-product-deprecate"),
    path("products/<slug:slug>/retire/", views.ProductRetireView.as_view(), name="api-product-retire"),
    path("products/<slug:slug>/governance/", views.ProductGovernanceView.as_view(), name="api-product-governance"),
    path(
        "products/<slug:slug>/governance/override/",
        views.GovernanceOverrideView.as_view(),
        name="api-product-governance-override",
    ),
    path("products/<slug:slug>/contract/", views.ProductContractView.as_view(), name="api-product-contract"),
    path("products/<slug:slug>/odps/", views.ProductOdpsView.as_view(), name="api-product-odps"),
    path("products/<slug:slug>/columns/", views.ProductColumnsView.as_view(), name="api-product-columns"),
    path("products/<slug:slug>/ports/", views.ProductPortsView.as_view(), name="api-product-ports"),
    path("contracts/", views.ContractImportView.as_view(), name="api-contract-import"),
    path("harvests/", views.HarvestListView.as_view(), name="api-harvest-list"),
    path("harvests/<int:pk>/", views.HarvestDetailView.as_view(), name="api-harvest-detail"),
    path("schema-proposals/<int:pk>/apply/", views.SchemaProposalApplyView.as_view(), name="api-proposal-apply"),
    path("schema-proposals/<int:pk>/discard/", views.SchemaProposalDiscardView.as_view(), name="api-proposal-discard"),
]
