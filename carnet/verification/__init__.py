"""Verification for anyone: a public page where a person pastes, uploads or points to a credential and
reads the report of :func:`carnet.credentials.verify` in plain language, and ``POST /api/verification``,
which gives programs the same report as JSON. Open Badges 2.0 assertions are read and explained.

Nothing is stored: the app has no models. Whatever it fetches goes through
:class:`carnet.credentials.fetch.GuardedFetcher` (see :mod:`carnet.verification.fetching`)."""
