"""The Open Badges API's Service Description Document (1EdTech Open Badges 3.0, §6.3 "Service
Discovery Endpoint"): an OpenAPI 3.0 document with the provider's name, image and privacy policy
(``x-imssf-*``), its OAuth 2.0 security scheme (authorization, token and refresh URLs, the dynamic
registration URL ``x-imssf-registrationUrl``, the scopes) and the paths it serves. Every address is
absolute, built from ``SITE_URL``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation

from carnet.api.oauth import CREDENTIAL_READ, CREDENTIAL_UPSERT, PLAIN_WORDS, PROFILE_READ, PROFILE_UPDATE
from carnet.issuing.identity import absolute, site_url

BASE = "/ims/ob/v3p0"
ERROR = {
    "description": "Imsx_StatusInfo",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Imsx_StatusInfo"}}},
}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: ERROR for code in codes} | {"default": ERROR}


def document() -> dict[str, Any]:
    with translation.override("en"):
        scopes = {scope: str(PLAIN_WORDS[scope]) for scope in PLAIN_WORDS}
    with translation.override(settings.LANGUAGE_CODE):
        policy = absolute(reverse("privacy:policy"))  # Carnet's privacy notice, unless another is named
    token_url = absolute(reverse("oauth:token"))
    return {
        "openapi": "3.0.1",
        "info": {
            "title": "Carnet — Open Badges API",
            "description": "The Open Badges 3.0 API of Carnet: learners' badges, read and pushed with their consent.",
            "version": "3.0",
            "x-imssf-image": absolute(static("carnet/icon.svg")),
            "x-imssf-privacyPolicyUrl": settings.PRIVACY_POLICY_URL or policy,
        },
        "servers": [{"url": site_url() + BASE, "description": "Carnet"}],
        "tags": [{"name": "OpenBadgeCredentials"}, {"name": "Profile"}, {"name": "Discovery"}],
        "paths": {
            "/credentials": {
                "get": {
                    "tags": ["OpenBadgeCredentials"],
                    "operationId": "getCredentials",
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                        {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                    ],
                    "security": [{"OAuth2ACG": [CREDENTIAL_READ]}],
                    "responses": {
                        "200": {
                            "description": "The learner's credentials.",
                            "headers": {
                                "X-Total-Count": {"schema": {"type": "integer"}},
                                "Link": {"schema": {"type": "string"}},
                            },
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/GetOpenBadgeCredentialsResponse"}
                                }
                            },
                        },
                        **_errors("400", "401", "403", "405", "500"),
                    },
                },
                "post": {
                    "tags": ["OpenBadgeCredentials"],
                    "operationId": "upsertCredential",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/AchievementCredential"}
                            },
                            "text/plain": {"schema": {"$ref": "#/components/schemas/CompactJws"}},
                        },
                    },
                    "security": [{"OAuth2ACG": [CREDENTIAL_UPSERT]}],
                    "responses": {
                        "200": {
                            "description": "Replaced.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/AchievementCredential"}
                                },
                                "text/plain": {"schema": {"$ref": "#/components/schemas/CompactJws"}},
                            },
                        },
                        "201": {
                            "description": "Created.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/AchievementCredential"}
                                },
                                "text/plain": {"schema": {"$ref": "#/components/schemas/CompactJws"}},
                            },
                        },
                        "304": {
                            "description": "Not modified: the carnet holds this credential, or a newer one."
                        },
                        **_errors("400", "401", "403", "404", "405", "500"),
                    },
                },
            },
            "/profile": {
                "get": {
                    "tags": ["Profile"],
                    "operationId": "getProfile",
                    "security": [{"OAuth2ACG": [PROFILE_READ]}],
                    "responses": {
                        "200": {
                            "description": "The learner's profile.",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}
                            },
                        },
                        **_errors("400", "401", "403", "404", "405", "500"),
                    },
                },
                "put": {
                    "tags": ["Profile"],
                    "operationId": "putProfile",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}},
                    },
                    "security": [{"OAuth2ACG": [PROFILE_UPDATE]}],
                    "responses": {
                        "200": {
                            "description": "The learner's profile.",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}
                            },
                        },
                        **_errors("400", "401", "403", "404", "405", "500"),
                    },
                },
            },
            "/discovery": {
                "get": {
                    "tags": ["Discovery"],
                    "operationId": "getServiceDescription",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "This document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "default": ERROR,
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 Authorization Code Grant authorization, with PKCE (S256)",
                    "x-imssf-name": "Carnet",
                    "x-imssf-privacyPolicyUrl": settings.PRIVACY_POLICY_URL or policy,
                    "x-imssf-registrationUrl": absolute(reverse("oauth:register")),
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": absolute(reverse("oauth:authorize")),
                            "tokenUrl": token_url,
                            "refreshUrl": token_url,
                            "scopes": scopes,
                        }
                    },
                }
            },
            "schemas": _schemas(),
        },
    }


def _schemas() -> dict[str, Any]:
    """The schemas the paths name, kept short: the specification's full ones are in its OpenAPI
    file (https://purl.imsglobal.org/spec/ob/v3p0/schema/openapi/ob_v3p0_oas.json)."""
    return {
        "AchievementCredential": {
            "type": "object",
            "required": ["@context", "id", "type", "issuer", "validFrom", "credentialSubject"],
            "additionalProperties": True,
        },
        "CompactJws": {"type": "string", "pattern": "^[-A-Za-z0-9]+\\.[-A-Za-z0-9]+\\.[-A-Za-z0-9\\-_]*$"},
        "Profile": {"type": "object", "required": ["id", "type"], "additionalProperties": True},
        "GetOpenBadgeCredentialsResponse": {
            "type": "object",
            "properties": {
                "credential": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/AchievementCredential"},
                },
                "compactJwsString": {"type": "array", "items": {"$ref": "#/components/schemas/CompactJws"}},
            },
        },
        "Imsx_StatusInfo": {
            "type": "object",
            "required": ["imsx_codeMajor", "imsx_severity"],
            "properties": {
                "imsx_codeMajor": {
                    "type": "string",
                    "enum": ["failure", "processing", "success", "unsupported"],
                },
                "imsx_severity": {"type": "string", "enum": ["error", "status", "warning"]},
                "imsx_description": {"type": "string"},
                "imsx_codeMinor": {"type": "object"},
            },
        },
    }
