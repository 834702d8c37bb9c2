"""Catalog pages (HTML + htmx). Thin: parse, call a selector or service, render (STYLE.md §3, §9)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from catalog import permissions, selectors, services
from catalog.contracts import contract_yaml, product_to_contract, product_to_odps
from catalog.filtersets import SORTS
from catalog.forms import (
    ColumnFormSet,
    ContractImportForm,
    HarvestForm,
    OutputPortForm,
    OverrideForm,
    ProductForm,
    TransitionForm,
    harvest_accounts,
    port_accounts,
)
from catalog.glue import glue_database_names, glue_tables
from catalog.governance import governance_checklist
from catalog.matches import annotate_results, highlight_query
from catalog.models import DataProduct, OutputPort
from catalog.search import CappedPaginator
from catalog.services.ports import LIVE_STATUSES
from meshportal.aws.footprints import footprint_databases_for_team, footprint_databases_for_teams
from meshportal.aws.gateway import AwsError
from meshportal.aws.models import AwsAccount
from meshportal.core.errors import DomainError, NotAllowed
from meshportal.core.forms import apply_domain_error
from meshportal.core.http import AuthenticatedHttpRequest, HtmxHttpRequest
from meshportal.identity import roles

PAGE_SIZE = 20
FACET_LABELS = selectors.FACET_LABELS
DOMAIN_SORTS = ("updated", "requested", "name")


def _redirect(request: HtmxHttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _forbidden(exc: NotAllowed) -> PermissionDenied:
    return PermissionDenied(exc.detail)


# --- discovery ------------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The mesh by domain: each domain, its stewards, how many products, its popular and recently published
    ones (the recently updated ones while nothing is published or requested yet)."""
    domains = list(selectors.domain_list(user=request.user))
    recent = selectors.recent_products_by_domain(user=request.user)
    popular = selectors.popular_products_by_domain(user=request.user)
    published = selectors.published_products_by_domain(user=request.user)
    return render(
        request,
        "catalog/home.html",
        {
            "domains": [(d, recent.get(d.pk, []), popular.get(d.pk, []), published.get(d.pk, [])) for d in domains],
            "can_publish": roles.is_producer(request.user) or roles.is_platform_admin(request.user),
        },
    )


@login_required
@require_GET
def domain_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """One domain: its stewards, what it publishes (by team, classification, freshness) and its products."""
    domain = selectors.domain_get_for_user(user=request.user, slug=slug)
    params = QueryDict(mutable=True)
    params["domain"] = domain.slug
    sort = request.GET.get("sort", "")
    params["sort"] = sort if sort in DOMAIN_SORTS else "updated"
    filterset = selectors.product_search(user=request.user, params=params)
    if not filterset.is_valid():  # the domain and sort come from this view: a bug, not a user's mistake
        raise ValueError(filterset.errors)
    page = CappedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/domain.html",
        {
            "domain": domain,
            "page": page,
            "sort": params["sort"],
            "sorts": {k: SORTS[k] for k in DOMAIN_SORTS},
            "facets": selectors.product_facets(user=request.user, params=params),
            "search_url": f"{reverse('catalog:search')}?{params.urlencode()}",
        },
    )


@login_required
@require_GET
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search and facets; the whole state is in the URL, so every search can be shared."""
    filterset = selectors.product_search(user=request.user, params=request.GET)
    page = None
    facets: dict[str, Any] = {}
    status = 200
    chips: list[selectors.FilterChip] = []
    unfiltered_count: int | None = None
    if filterset.is_valid():
        page = CappedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        annotate_results(user=request.user, products=page.object_list, q=highlight_query(filterset))
        facets = selectors.product_facets(user=request.user, params=request.GET)
        chips = selectors.product_filter_chips(params=request.GET, facets=facets)
        if not page.paginator.count and chips and filterset.form.cleaned_data.get("q"):
            # Zero results under filters: does the search alone find something?
            unfiltered_count = selectors.product_search_count(user=request.user, q=filterset.form.cleaned_data["q"])
    else:
        status = 400
    q = request.GET.get("q", "")
    context = {
        "filter": filterset,
        "page": page,
        "facets": facets,
        "sorts": SORTS,
        "q": q,
        "sort": request.GET.get("sort", ""),
        "spelling": filterset.spelling,
        "chips": chips,
        "unfiltered_count": unfiltered_count,
        "facet_labels": FACET_LABELS,
    }
    template = "catalog/search.html#results" if request.htmx else "catalog/search.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
def product_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    product = selectors.product_detail_for_user(user=request.user, slug=slug)
    columns = list(product.columns.all())
    schema = [(c.name, c.data_type) for c in columns]
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "columns": columns,
            "changed_ports": {p.pk for p in product.output_ports.all() if services.port_table_changed(p, schema)},
            "checklist": governance_checklist(product, columns),
            "can_edit": permissions.can_edit(request.user, product),
            "can_override": permissions.can_override_governance(request.user, product),
            "contract": product.latest_contracts[0] if product.latest_contracts else None,
            "override_form": OverrideForm(),
            "freshness": selectors.product_freshness(product),
        },
    )


# --- publishing ---------------------------------------------------------------------------------------


def _submit(
    request: AuthenticatedHttpRequest, form: Any, save: Callable[[], Any], success: Callable[[Any], tuple[str, str]]
) -> HttpResponse | None:
    """The one POST flow of the catalog's forms: a valid form goes to the service; a refusal becomes a form
    error; success redirects with a message. None means "render the form again" (with its errors)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save()
    except DomainError as exc:
        apply_domain_error(form, exc)
        return None
    message, url = success(result)
    messages.success(request, message)
    return _redirect(request, url)


def _form_page(request: AuthenticatedHttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, context, status=400 if request.method == "POST" else 200)


def _editable_product(request: AuthenticatedHttpRequest, slug: str, what: str) -> DataProduct:
    product = selectors.product_get_for_user(user=request.user, slug=slug)
    if not permissions.can_edit(request.user, product):
        raise PermissionDenied(f"Only the owning team and platform admins {what}.")
    return product


def _product_url(product: DataProduct) -> str:
    return reverse("catalog:product", args=[product.slug])


@login_required
def product_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not (roles.is_producer(request.user) or roles.is_platform_admin(request.user)):
        raise PermissionDenied("Only members of a team can publish data products.")
    form = ProductForm(request.POST or None, user=request.user)
    done = _submit(
        request,
        form,
        lambda: services.product_create(actor=request.user, **form.service_kwargs()),
        lambda product: (f"Created the draft {product.name}. Add its schema, then publish it.", _product_url(product)),
    )
    return done or _form_page(request, "catalog/product_form.html", {"form": form, "product": None})


@login_required
def product_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    product = _editable_product(request, slug, "edit this product")
    form = ProductForm(request.POST or None, user=request.user, editing=True, initial=ProductForm.initial_for(product))
    done = _submit(
        request,
        form,
        lambda: services.product_update(actor=request.user, product=product, **form.service_kwargs()),
        lambda _: ("Saved.", _product_url(product)),
    )
    return done or _form_page(request, "catalog/product_form.html", {"form": form, "product": product})


@login_required
def port_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Declare an output port: a table of the owning team's Glue databases, picked account → database → table."""
    product = _editable_product(request, slug, "add output ports")
    form = OutputPortForm(request.POST or None)
    done = _submit(
        request,
        form,
        lambda: services.port_create(actor=request.user, product=product, **form.cleaned_data),
        lambda port: (f"Added the output port {port.name}.", _product_url(product)),
    )
    if done:
        return done
    # Re-rendered after a refusal: the choices of what was sent, so the selects keep their values.
    params = request.POST if request.method == "POST" else request.GET
    context = {"form": form, "product": product, **_port_choices(product, params)}
    return _form_page(request, "catalog/port_form.html", context)


def _port_choices(product: DataProduct, params: Any) -> dict[str, Any]:
    """The databases of the owning team in the chosen account and the tables of the chosen database, read from
    Glue through the gateway and narrowed to the team's footprint."""
    account = port_accounts().filter(account_id=params.get("aws_account", "")).first()
    database = params.get("database_name", "")
    context: dict[str, Any] = {
        "account": account,
        "databases": [],
        "tables": [],
        "database": database,
        "chosen_table": params.get("table_name", ""),
        "error": "",
    }
    if account is None or product.owner_team_id is None:
        return context
    try:
        owned = footprint_databases_for_team(
            team_id=product.owner_team_id, aws_account=account, databases=glue_database_names(account)
        )
        context["databases"] = owned
        if database and database in owned:
            published = set(
                OutputPort.objects.filter(
                    aws_account=account, database_name=database, product__status__in=LIVE_STATUSES
                )
                .exclude(product=product)
                .values_list("table_name", flat=True)
            )
            context["tables"] = [(t.name, len(t.columns), t.name in published) for t in glue_tables(account, database)]
    except AwsError as exc:
        context["error"] = f"Could not read the Glue catalog of {account}: {exc.code}: {exc.message}"
    return context


@login_required
@require_GET
def port_databases(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """htmx: the owning team's Glue databases in the chosen producer account."""
    product = _editable_product(request, slug, "add output ports")
    return render(
        request, "catalog/port_form.html#databases", {"product": product, **_port_choices(product, request.GET)}
    )


@login_required
@require_GET
def port_tables(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """htmx: the tables of the chosen database (those another product already publishes are shown, disabled)."""
    product = _editable_product(request, slug, "add output ports")
    return render(request, "catalog/port_form.html#tables", {"product": product, **_port_choices(product, request.GET)})


@login_required
def schema_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Classify columns, describe them and confirm or clear PII flags (names and types come from the source)."""
    product = selectors.product_detail_for_user(user=request.user, slug=slug)
    if not permissions.can_edit(request.user, product):
        raise PermissionDenied("Only the owning team and platform admins edit this product.")
    columns = list(product.columns.all())
    initial = [
        {"name": c.name, "classification": c.classification, "description": c.description, "is_pii": c.is_pii}
        for c in columns
    ]
    formset = ColumnFormSet(request.POST or None, initial=initial)
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        try:
            services.column_update_many(
                actor=request.user, product=product, changes=[f.cleaned_data for f in formset.forms if f.cleaned_data]
            )
        except DomainError as exc:
            errors.append(exc.detail)
        else:
            messages.success(request, "Schema saved.")
            return _redirect(request, reverse("catalog:product", args=[product.slug]) + "#governance")
    rows = list(zip(formset.forms, columns, strict=False)) if len(formset.forms) == len(columns) else []
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "catalog/schema_form.html",
        {"product": product, "formset": formset, "rows": rows, "errors": errors},
        status=status,
    )


def _transition(request: AuthenticatedHttpRequest, slug: str, action: str) -> HttpResponse:
    product = selectors.product_get_for_user(user=request.user, slug=slug)
    form = TransitionForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    try:
        if action == "publish":
            services.product_publish(actor=request.user, product=product)
        elif action == "deprecate":
            services.product_deprecate(actor=request.user, product=product, reason=reason)
        else:
            services.product_retire(actor=request.user, product=product, reason=reason)
    except NotAllowed as exc:
        raise _forbidden(exc) from exc
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"{product.name} is now {action.removesuffix('e')}ed.")
    return _redirect(request, reverse("catalog:product", args=[slug]))


@login_required
@require_POST
def product_publish(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    return _transition(request, slug, "publish")


@login_required
@require_POST
def product_deprecate(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    return _transition(request, slug, "deprecate")


@login_required
@require_POST
def product_retire(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    return _transition(request, slug, "retire")


@login_required
@require_POST
def governance_override(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    product = selectors.product_get_for_user(user=request.user, slug=slug)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.governance_override(actor=request.user, product=product, reason=form.cleaned_data["reason"])
        except NotAllowed as exc:
            raise _forbidden(exc) from exc
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, "Override recorded.")
    else:
        messages.error(request, "Give a reason for the override.")
    return _redirect(request, reverse("catalog:product", args=[slug]) + "#governance")


# --- contracts ----------------------------------------------------------------------------------------


@login_required
@require_GET
def contract_download(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    product = selectors.product_detail_for_user(user=request.user, slug=slug)
    response = HttpResponse(contract_yaml(product_to_contract(product)), content_type="application/yaml")
    response["Content-Disposition"] = f'attachment; filename="{product.slug}.odcs.yaml"'
    return response


@login_required
@require_GET
def odps_download(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    product = selectors.product_detail_for_user(user=request.user, slug=slug)
    response = HttpResponse(json.dumps(product_to_odps(product), indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{product.slug}.odps.json"'
    return response


@login_required
def contract_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Paste or upload an ODCS v3 contract to create a product, or update ``?product=<slug>``."""
    product = None
    if slug := request.GET.get("product"):
        product = selectors.product_get_for_user(user=request.user, slug=slug)
    form = ContractImportForm(request.POST or None, request.FILES or None, user=request.user)
    problems: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        try:
            result = services.contract_import(
                actor=request.user,
                yaml_text=form.cleaned_data["yaml"],
                product=product,
                domain=form.cleaned_data.get("domain"),
                owner_team=form.cleaned_data.get("owner_team"),
            )
        except NotAllowed as exc:
            raise _forbidden(exc) from exc
        except DomainError as exc:
            form.add_error(None, exc.detail)
            problems = getattr(exc, "errors", {}) or {}
        else:
            verb = "Created" if result.created else "Updated"
            messages.success(request, f"{verb} {result.product.name} from the contract.")
            for table in result.tables:
                if table.outcome == services.PortOutcome.CREATED:
                    messages.info(request, f"Table {table.table}: output port {table.port} added.")
                elif table.outcome == services.PortOutcome.NONE:
                    messages.warning(request, f"Table {table.table}: {table.detail}")
            return _redirect(request, reverse("catalog:product", args=[result.product.slug]))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "catalog/contract_import.html", {"form": form, "product": product, "problems": problems}, status=status
    )


# --- harvest --------------------------------------------------------------------------------------------


def _require_producer(request: AuthenticatedHttpRequest) -> None:
    if not (roles.is_producer(request.user) or roles.is_platform_admin(request.user)):
        raise PermissionDenied("Harvesting is for members of a producer team.")


def _harvest_account(request: AuthenticatedHttpRequest) -> AwsAccount | None:
    account_id = request.GET.get("aws_account", "")
    return harvest_accounts().filter(account_id=account_id).first()


@login_required
def harvest_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_producer(request)
    form = HarvestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.harvest_start(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            return _redirect(request, reverse("catalog:harvest-detail", args=[job.pk]))
    status = 400 if request.method == "POST" else 200
    return render(request, "catalog/harvest_start.html", {"form": form}, status=status)


@login_required
@require_GET
def harvest_databases(request: AuthenticatedHttpRequest) -> HttpResponse:
    """htmx: the Glue databases of the chosen producer account."""
    _require_producer(request)
    account = _harvest_account(request)
    databases: list[str] = []
    error = ""
    if account is not None:
        try:
            databases = glue_database_names(account)
            if not roles.is_platform_admin(request.user):
                # Only what the user's teams own: a harvest of another team's database is refused anyway.
                team_ids = set(request.user.team_memberships.values_list("team_id", flat=True))
                databases = footprint_databases_for_teams(team_ids=team_ids, aws_account=account, databases=databases)
        except AwsError as exc:
            error = f"Could not read the Glue catalog of {account}: {exc.code}: {exc.message}"
    return render(
        request, "catalog/harvest_start.html#databases", {"databases": databases, "error": error, "account": account}
    )


@login_required
@require_GET
def harvest_tables(request: AuthenticatedHttpRequest) -> HttpResponse:
    """htmx: the tables of a Glue database, with their columns, to pick from."""
    _require_producer(request)
    account = _harvest_account(request)
    database = request.GET.get("database_name", "")
    tables: list[Any] = []
    error = ""
    if account is not None and database:
        try:
            tables = glue_tables(account, database)
        except AwsError as exc:
            error = f"Could not read {database}: {exc.code}: {exc.message}"
    return render(request, "catalog/harvest_start.html#tables", {"tables": tables, "error": error})


@login_required
@require_GET
def harvest_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = selectors.harvest_get_for_user(user=request.user, pk=pk)
    context = {"job": job, "proposals": selectors.harvest_proposals(job=job) if job.is_finished else []}
    template = "catalog/harvest_detail.html#progress" if request.htmx else "catalog/harvest_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def proposal_decide(request: AuthenticatedHttpRequest, pk: int, decision: str) -> HttpResponse:
    proposal = selectors.proposal_get_for_user(user=request.user, pk=pk)
    try:
        if decision == "apply":
            services.schema_apply_harvest(actor=request.user, proposal=proposal)
            messages.success(request, f"Applied the new schema of {proposal.product.name}.")
        else:
            services.schema_discard_harvest(actor=request.user, proposal=proposal)
            messages.success(request, "Discarded the schema change.")
    except NotAllowed as exc:
        raise _forbidden(exc) from exc
    except DomainError as exc:
        messages.error(request, exc.detail)
    next_url = request.POST.get("next") or reverse("catalog:product", args=[proposal.product.slug])
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = reverse("catalog:product", args=[proposal.product.slug])
    return _redirect(request, next_url)
