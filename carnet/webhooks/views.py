"""The webhooks page of an organisation's admins: its endpoints, their secrets and deliveries."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carnet.organisations.access import access_organisation
from carnet.organisations.models import Organisation
from carnet.webhooks import services
from carnet.webhooks.errors import REFUSALS
from carnet.webhooks.forms import EndpointForm
from carnet.webhooks.models import Delivery, Endpoint
from carnet.webhooks.sending import Refused

RECENT = 50  # deliveries shown on an endpoint's page


def _endpoint(request: HttpRequest, org_slug: str, endpoint_id: int) -> tuple[Organisation, Endpoint]:
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    return organisation, get_object_or_404(Endpoint, organisation=organisation, pk=endpoint_id)


@login_required
def endpoints(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.create_endpoint(
                organisation=organisation, url=form.cleaned_data["url"], events=form.cleaned_data["events"],
                actor=request.user,
            )  # fmt: skip
        except Refused as exc:
            form.add_error("url", REFUSALS[exc.reason])
        except services.WebhookError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Webhook ajouté. Copiez son secret pour vérifier les signatures."))
            return redirect("webhooks:endpoint", organisation.slug, endpoint.pk)
    return render(
        request,
        "webhooks/endpoints.html",
        {"organisation": organisation, "endpoints": organisation.webhook_endpoints.all(), "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def endpoint(request: HttpRequest, org_slug: str, endpoint_id: int) -> HttpResponse:
    organisation, endpoint = _endpoint(request, org_slug, endpoint_id)
    deliveries = endpoint.deliveries.all()[:RECENT]
    response = render(
        request,
        "webhooks/endpoint.html",
        {"organisation": organisation, "endpoint": endpoint, "deliveries": deliveries, "now": timezone.now()},
    )
    response["Cache-Control"] = "private, no-store"  # the page shows the signing secret
    return response


@login_required
@require_POST
def rotate(request: HttpRequest, org_slug: str, endpoint_id: int) -> HttpResponse:
    organisation, endpoint = _endpoint(request, org_slug, endpoint_id)
    services.rotate_secret(endpoint=endpoint, actor=request.user)
    messages.success(
        request,
        _(
            "Nouveau secret en place. L'ancien signe encore pendant 24 heures : mettez à jour votre récepteur d'ici là."
        ),
    )
    return redirect("webhooks:endpoint", organisation.slug, endpoint.pk)


@login_required
@require_POST
def ping(request: HttpRequest, org_slug: str, endpoint_id: int) -> HttpResponse:
    organisation, endpoint = _endpoint(request, org_slug, endpoint_id)
    services.send_ping(endpoint=endpoint)
    messages.success(
        request, _("Évènement d'essai « ping » envoyé : son résultat est dans la liste des envois.")
    )
    return redirect("webhooks:endpoint", organisation.slug, endpoint.pk)


@login_required
@require_POST
def activate(request: HttpRequest, org_slug: str, endpoint_id: int) -> HttpResponse:
    organisation, endpoint = _endpoint(request, org_slug, endpoint_id)
    active = request.POST.get("active") == "1"
    services.set_active(endpoint=endpoint, active=active, actor=request.user)
    messages.success(
        request, _("Webhook réactivé.") if active else _("Webhook désactivé : plus rien ne lui est envoyé.")
    )
    return redirect("webhooks:endpoint", organisation.slug, endpoint.pk)


@login_required
@require_http_methods(["GET", "POST"])
def remove(request: HttpRequest, org_slug: str, endpoint_id: int) -> HttpResponse:
    """GET asks to confirm (a page, no script needed); only POST removes."""
    organisation, endpoint = _endpoint(request, org_slug, endpoint_id)
    if request.method == "POST":
        services.remove_endpoint(endpoint=endpoint, actor=request.user)
        messages.success(request, _("Webhook retiré, avec l'historique de ses envois."))
        return redirect("webhooks:endpoints", organisation.slug)
    return render(
        request,
        "webhooks/remove.html",
        {"organisation": organisation, "endpoint": endpoint, "deliveries": endpoint.deliveries.count()},
    )


@login_required
@require_POST
def send_again(request: HttpRequest, org_slug: str, delivery_id: int) -> HttpResponse:
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    delivery = get_object_or_404(Delivery, endpoint__organisation=organisation, pk=delivery_id)
    services.send_again(delivery=delivery)
    messages.success(request, _("Évènement envoyé de nouveau, avec le même identifiant."))
    return redirect("webhooks:endpoint", organisation.slug, delivery.endpoint_id)
