"""The Open Badges API and its OAuth 2.0 endpoints, outside the language prefixes (machines call
them; the consent page follows the browser's language through LocaleMiddleware)."""

from django.urls import path
from oauth2_provider import views as oauth2_views

from carnet.api import oauth_views, ob_views

oauth = (
    [
        path("authorize", oauth_views.authorize, name="authorize"),
        path("token", oauth2_views.TokenView.as_view(), name="token"),
        path("revoke", oauth2_views.RevokeTokenView.as_view(), name="revoke"),
        path("register", oauth_views.register, name="register"),
    ],
    "oauth",
)
ob_api = (
    [
        path("discovery", ob_views.service_description, name="discovery"),
        path("credentials", ob_views.credentials, name="credentials"),
        path("profile", ob_views.profile, name="profile"),
    ],
    "ob_api",
)
