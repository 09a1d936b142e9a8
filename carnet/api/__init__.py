"""Carnet's programming interfaces: the organisation API (API keys), the Open Badges 3.0 REST API
(OAuth 2.0) and the W3C VC API. Thin, like the views: they parse, call a service, answer."""
