"""Catalog REST API: parse, call a selector or service, format. The same services back the HTML views."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, cast

from django.http import HttpResponse
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors, services
from catalog.api.serializers import (
    ChecklistSerializer,
    ColumnSerializer,
    ColumnUpdateSerializer,
    ContractImportResultSerializer,
    ContractImportSerializer,
    DomainCreateSerializer,
    DomainSerializer,
    DomainUpdateSerializer,
    FacetsSerializer,
    HarvestJobSerializer,
    HarvestStartSerializer,
    OutputPortCreateSerializer,
    OutputPortSerializer,
    OverrideSerializer,
    ProductCreateSerializer,
    ProductDetailSerializer,
    ProductListSerializer,
    ProductUpdateSerializer,
    SchemaProposalSerializer,
    TransitionSerializer,
)
from catalog.contracts import contract_yaml, product_to_contract, product_to_odps
from catalog.filtersets import ProductFilter
from catalog.governance import governance_checklist
from catalog.matches import annotate_results, highlight_query
from catalog.models import DataProduct, Domain, HarvestJob
from catalog.search import COUNT_CAP, CappedPaginator
from meshportal.core.api import StandardPagination, acting_user

# --- domains ----------------------------------------------------------------------------------------


class DomainListView(generics.ListAPIView):
    """Domains with their stewards and how many products you can see in each. Platform admins create them."""

    serializer_class = DomainSerializer
    filterset_class = None
    filter_backends: list = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return Domain.objects.none()
        return selectors.domain_list(user=self.request.user)

    @extend_schema(request=DomainCreateSerializer, responses={201: DomainSerializer})
    def post(self, request: Request) -> Response:
        data = DomainCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        domain = services.domain_create(actor=acting_user(request), **data.validated_data)
        domain = selectors.domain_get_for_user(user=request.user, slug=domain.slug)
        return Response(DomainSerializer(domain).data, status=status.HTTP_201_CREATED)


class DomainDetailView(APIView):
    @extend_schema(responses=DomainSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(DomainSerializer(selectors.domain_get_for_user(user=request.user, slug=slug)).data)

    @extend_schema(request=DomainUpdateSerializer, responses=DomainSerializer)
    def patch(self, request: Request, slug: str) -> Response:
        domain = selectors.domain_get_for_user(user=request.user, slug=slug)
        data = DomainUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        domain = services.domain_update(actor=acting_user(request), domain=domain, **data.validated_data)
        return Response(DomainSerializer(selectors.domain_get_for_user(user=request.user, slug=domain.slug)).data)


# --- products ---------------------------------------------------------------------------------------


class ProductPagination(StandardPagination):
    """Pages of 20; ``count`` stops at 1,000 (then ``count_capped`` is true: "1,000+" matches)."""

    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):  # type: ignore[no-untyped-def]
        response = super().get_paginated_response(data)
        assert self.page is not None  # paginate_queryset, which sets it, always runs first
        response.data["count_capped"] = cast(CappedPaginator, self.page.paginator).capped
        return response

    def get_paginated_response_schema(self, schema):  # type: ignore[no-untyped-def]
        out = super().get_paginated_response_schema(schema)
        out["properties"]["count"]["description"] = f"Matches, counted up to {COUNT_CAP}."
        out["properties"]["count_capped"] = {
            "type": "boolean",
            "example": False,
            "description": f"True when there are more than {COUNT_CAP} matches (count is then {COUNT_CAP}; "
            "pages past it are not served).",
        }
        out["properties"]["spelling"] = {
            "type": "object",
            "nullable": True,
            "description": "Set when the search found little as typed and searched close spellings of its words "
            "too: the query as typed (original), the query whose results follow its exact matches (corrected), "
            "other close spellings (suggestions). Search the spelling as typed with as_typed=true.",
            "properties": {
                "original": {"type": "string"},
                "corrected": {"type": "string"},
                "suggestions": {"type": "array", "items": {"type": "string"}},
            },
        }
        out["required"] = [*out.get("required", []), "count_capped", "spelling"]
        return out


def _detail(request: Request, slug: str) -> Response:
    product = selectors.product_detail_for_user(user=request.user, slug=slug)
    return Response(ProductDetailSerializer(product, context={"request": request}).data)


class ProductListView(generics.ListAPIView):
    """Data products you can see: search (``q``), facet filters and ``sort``, as on the search page."""

    serializer_class = ProductListSerializer
    filterset_class = ProductFilter
    pagination_class = ProductPagination

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return DataProduct.objects.none()
        return selectors.product_list(user=self.request.user)

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        # The FilterSet itself, not through the filter backend: its spelling goes into the response.
        self.search = ProductFilter(self.request.query_params, queryset=queryset, request=self.request)
        if not self.search.is_valid():
            raise translate_validation(self.search.errors)
        return self.search.qs

    def paginate_queryset(self, queryset):  # type: ignore[no-untyped-def]
        page = super().paginate_queryset(queryset)
        if page is not None:  # why each product matched, and the reader's access: one query each per page
            annotate_results(user=self.request.user, products=page, q=highlight_query(self.search))
        return page

    def get_paginated_response(self, data):  # type: ignore[no-untyped-def]
        response = super().get_paginated_response(data)
        spelling = self.search.spelling
        response.data["spelling"] = vars(spelling) if spelling is not None else None
        return response

    @extend_schema(request=ProductCreateSerializer, responses={201: ProductDetailSerializer})
    def post(self, request: Request) -> Response:
        data = ProductCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        product = services.product_create(actor=acting_user(request), **data.validated_data)
        response = _detail(request, product.slug)
        response.status_code = status.HTTP_201_CREATED
        return response


class ProductFacetsView(generics.GenericAPIView):
    filterset_class = ProductFilter
    pagination_class = None

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return DataProduct.objects.none()
        return selectors.product_list(user=self.request.user)

    @extend_schema(responses=FacetsSerializer, summary="Facet counts for a search")
    def get(self, request: Request) -> Response:
        """Counts per facet value for the same query string as the product list."""
        self.filter_queryset(self.get_queryset())  # validates the query string: 400 on unknown values
        facets = selectors.product_facets(user=request.user, params=request.query_params)
        return Response({name: [vars(v) for v in values] for name, values in facets.items()})


class ProductDetailView(APIView):
    @extend_schema(responses=ProductDetailSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return _detail(request, slug)

    @extend_schema(request=ProductUpdateSerializer, responses=ProductDetailSerializer)
    def patch(self, request: Request, slug: str) -> Response:
        product = selectors.product_get_for_user(user=request.user, slug=slug)
        data = ProductUpdateSerializer(data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        services.product_update(actor=acting_user(request), product=product, **data.validated_data)
        return _detail(request, slug)


class _TransitionView(APIView):
    action_name = ""

    @extend_schema(request=TransitionSerializer, responses=ProductDetailSerializer)
    def post(self, request: Request, slug: str) -> Response:
        product = selectors.product_get_for_user(user=request.user, slug=slug)
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if self.action_name == "publish":
            services.product_publish(actor=acting_user(request), product=product)
        elif self.action_name == "deprecate":
            services.product_deprecate(actor=acting_user(request), product=product, **data.validated_data)
        else:
            services.product_retire(actor=acting_user(request), product=product, **data.validated_data)
        return _detail(request, slug)


class ProductPublishView(_TransitionView):
    """draft → published, when the governance checklist passes (else 400 with the failing checks)."""

    action_name = "publish"


class ProductDeprecateView(_TransitionView):
    """published → deprecated."""

    action_name = "deprecate"


class ProductRetireView(_TransitionView):
    """deprecated → retired (read-only, out of search)."""

    action_name = "retire"


class ProductGovernanceView(APIView):
    @extend_schema(responses=ChecklistSerializer)
    def get(self, request: Request, slug: str) -> Response:
        """The publish checklist: owner team, description, classification, columns classified, PII rule."""
        product = selectors.product_get_for_user(user=request.user, slug=slug)
        return Response(governance_checklist(product).as_dict())


class GovernanceOverrideView(APIView):
    @extend_schema(request=OverrideSerializer, responses=ChecklistSerializer)
    def post(self, request: Request, slug: str) -> Response:
        """A steward of the product's domain accepts PII below "confidential", with a written reason."""
        product = selectors.product_get_for_user(user=request.user, slug=slug)
        data = OverrideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = services.governance_override(actor=acting_user(request), product=product, **data.validated_data)
        return Response(governance_checklist(product).as_dict())


class _YamlMediaType(BaseRenderer):
    """Lets content negotiation accept the contract export's media types; the view writes the YAML itself."""

    format = "yaml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        raise NotImplementedError("ProductContractView answers YAML with an HttpResponse of its own.")


class _ApplicationYaml(_YamlMediaType):
    media_type = "application/yaml"  # RFC 9512


class _TextYaml(_YamlMediaType):
    media_type = "text/yaml"


_CONTRACT_EXPORT = OpenApiResponse(
    response=OpenApiTypes.STR,
    description=(
        "The product as an Open Data Contract Standard (ODCS) v3 document, YAML text in UTF-8 "
        "(https://bitol-io.github.io/open-data-contract-standard/). `application/yaml` (RFC 9512) unless the "
        'request accepts only `text/yaml`; `Content-Disposition: inline; filename="<slug>.odcs.yaml"`. '
        "Errors stay `application/json`."
    ),
)


class ProductContractView(APIView):
    renderer_classes = [JSONRenderer, _ApplicationYaml, _TextYaml]

    @extend_schema(responses={(200, "application/yaml"): _CONTRACT_EXPORT, (200, "text/yaml"): _CONTRACT_EXPORT})
    def get(self, request: Request, slug: str) -> HttpResponse:
        """Export the product as an Open Data Contract Standard (ODCS) v3 YAML document."""
        product = selectors.product_detail_for_user(user=request.user, slug=slug)
        media_type = "text/yaml" if request.accepted_media_type == "text/yaml" else "application/yaml"
        # RFC 9512: YAML is UTF-8 and application/yaml takes no charset parameter.
        response = HttpResponse(contract_yaml(product_to_contract(product)), content_type=media_type)
        response["Content-Disposition"] = f'inline; filename="{product.slug}.odcs.yaml"'
        return response

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are JSON whatever the request accepted, as the schema says for every endpoint.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    @extend_schema(request=ContractImportSerializer, responses=ContractImportResultSerializer)
    def put(self, request: Request, slug: str) -> Response:
        """Import an ODCS v3 contract into this product (its fields and schema). Invalid contracts change nothing."""
        product = selectors.product_get_for_user(user=request.user, slug=slug)
        return _import(request, product=product)


def _import(request: Request, product: DataProduct | None) -> Response:
    data = ContractImportSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    result = services.contract_import(
        actor=acting_user(request),
        yaml_text=data.validated_data["yaml"],
        product=product,
        domain=data.validated_data.get("domain"),
        owner_team=data.validated_data.get("owner_team"),
    )
    detail = selectors.product_detail_for_user(user=request.user, slug=result.product.slug)
    body = {
        "created": result.created,
        "contract_id": result.product.contract_id,
        "schema_diff": result.schema_diff,
        "tables": [asdict(t) for t in result.tables],
        "product": ProductDetailSerializer(detail, context={"request": request}).data,
    }
    return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class ContractImportView(APIView):
    @extend_schema(
        request=ContractImportSerializer,
        responses={200: ContractImportResultSerializer, 201: ContractImportResultSerializer},
    )
    def post(self, request: Request) -> Response:
        """Create (201) or update (200) a data product from an ODCS v3 contract: the same contract ``id`` updates the
        product it made before. Several tables make one product with one output port per table."""
        return _import(request, product=None)


class ProductOdpsView(APIView):
    @extend_schema(
        responses={
            200: OpenApiResponse(response=OpenApiTypes.OBJECT, description="An ODPS v1.0.0 data product descriptor.")
        }
    )
    def get(self, request: Request, slug: str) -> Response:
        """Export the product as an Open Data Product Standard (ODPS) v1.0 descriptor (JSON)."""
        product = selectors.product_detail_for_user(user=request.user, slug=slug)
        return Response(product_to_odps(product))


class ProductColumnsView(APIView):
    @extend_schema(responses=ColumnSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        product = selectors.product_detail_for_user(user=request.user, slug=slug)
        return Response(ColumnSerializer(product.columns.all(), many=True).data)

    @extend_schema(request=ColumnUpdateSerializer(many=True), responses=ColumnSerializer(many=True))
    def patch(self, request: Request, slug: str) -> Response:
        """Change descriptions, classifications and PII flags of columns, by name."""
        product = selectors.product_get_for_user(user=request.user, slug=slug)
        data = ColumnUpdateSerializer(data=request.data, many=True)
        data.is_valid(raise_exception=True)
        columns = services.column_update_many(actor=acting_user(request), product=product, changes=data.validated_data)  # type: ignore[arg-type]
        return Response(ColumnSerializer(columns, many=True).data)


class ProductPortsView(APIView):
    @extend_schema(responses=OutputPortSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        product = selectors.product_detail_for_user(user=request.user, slug=slug)
        return Response(OutputPortSerializer(product.output_ports.all(), many=True).data)

    @extend_schema(request=OutputPortCreateSerializer, responses={201: OutputPortSerializer})
    def post(self, request: Request, slug: str) -> Response:
        product = selectors.product_get_for_user(user=request.user, slug=slug)
        data = OutputPortCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        port = services.port_create(actor=acting_user(request), product=product, **data.validated_data)
        return Response(OutputPortSerializer(port).data, status=status.HTTP_201_CREATED)


# --- harvests -------------------------------------------------------------------------------------------


class HarvestListView(generics.ListAPIView):
    """Your harvests (and your teams'). POST starts one; poll its detail for progress."""

    serializer_class = HarvestJobSerializer
    filter_backends: list = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return HarvestJob.objects.none()
        return selectors.harvest_list(user=self.request.user).order_by("-id")

    @extend_schema(request=HarvestStartSerializer, responses={202: HarvestJobSerializer})
    def post(self, request: Request) -> Response:
        data = HarvestStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.harvest_start(actor=acting_user(request), **data.validated_data)
        return Response(HarvestJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class HarvestDetailView(APIView):
    @extend_schema(responses=HarvestJobSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(HarvestJobSerializer(selectors.harvest_get_for_user(user=request.user, pk=pk)).data)


class SchemaProposalApplyView(APIView):
    @extend_schema(request=None, responses=SchemaProposalSerializer)
    def post(self, request: Request, pk: int) -> Response:
        """Apply a re-harvested schema (see its ``diff``) to its product."""
        proposal = selectors.proposal_get_for_user(user=request.user, pk=pk)
        services.schema_apply_harvest(actor=acting_user(request), proposal=proposal)
        proposal.refresh_from_db()
        return Response(SchemaProposalSerializer(proposal).data)


class SchemaProposalDiscardView(APIView):
    @extend_schema(request=None, responses=SchemaProposalSerializer)
    def post(self, request: Request, pk: int) -> Response:
        proposal = selectors.proposal_get_for_user(user=request.user, pk=pk)
        proposal = services.schema_discard_harvest(actor=acting_user(request), proposal=proposal)
        return Response(SchemaProposalSerializer(proposal).data)
