"""The OAuth 2.0 side of the Open Badges API: the consent page (``/oauth/authorize``), dynamic
client registration (``POST /oauth/register``, RFC 7591), and the learner's page of the
applications they allowed, where they withdraw one. The token and revocation endpoints are
django-oauth-toolkit's own views (carnet/api/ob_urls.py)."""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from oauth2_provider.views import AuthorizationView

from carnet.api import oauth_services as services
from carnet.api.oauth import plain_words, registered_scopes
from carnet.api.registration import MAX_BODY, RegistrationError, read_registration
from carnet.credentials import jsonsafe
from carnet.site.problems import api_language, json_response
from carnet.verification import limits
from carnet.verification.views import declared_size


class ConsentView(AuthorizationView):
    """The toolkit's authorization endpoint with Carnet's consent page: which application asks, what
    each scope lets it do in plain words, Allow or Deny. Always asked (never skipped), login
    required (the login page brings the learner back here)."""

    template_name = "api/oauth_authorize.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Outside the language prefixes LocaleMiddleware always picks French: the page speaks the
        # language the learner chose on the site (its cookie), else their browser's.
        language = translation.get_language_from_request(request, check_path=False)
        if language.split("-")[0] == settings.LANGUAGE_CODE.split("-")[0]:
            language = settings.LANGUAGE_CODE  # French is the site's unprefixed language
        translation.activate(language)
        request.LANGUAGE_CODE = language
        if "approval_prompt" in request.GET:
            # The toolkit lets the client ask for approval_prompt=auto, which skips this page when an
            # earlier token covers the scopes: the learner always sees it, whatever the client asks.
            request.GET = request.GET.copy()
            request.GET.pop("approval_prompt")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        application = context.get("application")
        if application is not None:
            context["metadata"] = getattr(application, "metadata", None)
            context["plain_scopes"] = plain_words(context.get("scopes", []))
            context["redirect_host"] = urllib.parse.urlsplit(str(context.get("redirect_uri") or "")).netloc
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        if self._application(form.cleaned_data.get("client_id")) is None:
            # A changed form (the toolkit would fail on an application that does not exist).
            return HttpResponse(
                _("Cette application n'est pas inscrite : recommencez depuis l'application."),
                status=400, content_type="text/plain; charset=utf-8",
            )  # fmt: skip
        response = super().form_valid(form)
        allowed = form.cleaned_data.get("allow") and "code=" in response.get("Location", "")
        if allowed:
            application = self._application(form.cleaned_data.get("client_id"))
            if application is not None:
                services.record_consent(
                    user=self.request.user, application=application,
                    scopes=(form.cleaned_data.get("scope") or "").split(),
                )  # fmt: skip
        return response

    @staticmethod
    def _application(client_id: Any) -> Any:
        return services.Application.objects.filter(client_id=client_id).first()


authorize = ConsentView.as_view()


def _registration_error(error: str, message: str, language: str, status: int = 400) -> HttpResponse:
    return json_response({"error": error, "error_description": message}, status, language)


@csrf_exempt  # a machine endpoint without cookies
def register(request: HttpRequest) -> HttpResponse:
    """Dynamic client registration (RFC 7591 §3, Open Badges 3.0 §7): 201 with the client's id,
    secret and metadata; 400 ``invalid_redirect_uri`` or ``invalid_client_metadata`` with why."""
    language = api_language(request)
    if request.method != "POST":
        response = _registration_error("invalid_request", "use POST", language, 405)
        response["Allow"] = "POST"
        return response
    if request.content_type != "application/json":
        return _registration_error(
            "invalid_client_metadata", "the body must be JSON (Content-Type: application/json)", language, 415
        )
    if declared_size(request) > MAX_BODY:
        return _registration_error(
            "invalid_client_metadata", f"the body must be at most {MAX_BODY} bytes", language, 413
        )
    allowed, retry_after = limits.allow(request, "register")
    if not allowed:
        response = _registration_error(
            "too_many_requests",
            f"too many registrations from your address: retry in {retry_after} seconds",
            language,
            429,
        )
        response["Retry-After"] = str(retry_after)
        return response
    try:
        body = jsonsafe.loads(request.body, max_bytes=MAX_BODY, max_depth=4)
    except ValueError:
        return _registration_error("invalid_client_metadata", "the body is not valid JSON", language)
    try:
        registration = read_registration(body)
    except RegistrationError as exc:
        return _registration_error(exc.error, exc.message, language)
    application, secret = services.register_client(registration=registration)
    answer = {
        "client_id": application.client_id,
        "client_secret": secret,
        "client_id_issued_at": int(application.created.timestamp()),
        "client_secret_expires_at": 0,
        "client_name": registration.client_name,
        "client_uri": registration.client_uri,
        "redirect_uris": registration.redirect_uris,
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": " ".join(registered_scopes(application)),
    }
    for name in ("logo_uri", "tos_uri", "policy_uri", "software_id", "software_version"):
        if getattr(registration, name):
            answer[name] = getattr(registration, name)
    if registration.contacts:
        answer["contacts"] = registration.contacts
    return json_response(answer, 201, language)


# -- the learner's connected applications ----------------------------------------------------------


@login_required
@require_safe
def connected(request: HttpRequest) -> HttpResponse:
    """« Applications connectées »: each application that can still reach the learner's things, what
    it may do, since when; a button withdraws it."""
    applications = [
        {
            "connected": item,
            "scopes": plain_words(item.scopes),
            "metadata": getattr(item.application, "metadata", None),
        }
        for item in services.connected_applications(request.user)
    ]
    response = render(request, "api/oauth_connected.html", {"applications": applications})
    response["Cache-Control"] = "private, no-store"
    return response


def access_connected_application(user: Any, application_id: Any) -> Any:
    """An application the signed-in learner allowed and that still holds a token; 404 otherwise."""
    application = services.connected_application(user, application_id) if user.is_authenticated else None
    if application is None:
        raise Http404
    return application


@login_required
@require_POST
def withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_connected_application(request.user, application_id)
    services.withdraw_access(user=request.user, application=application)
    messages.success(request, _("« %(name)s » n'a plus accès à votre carnet.") % {"name": application.name})
    return redirect("applications:connected")
