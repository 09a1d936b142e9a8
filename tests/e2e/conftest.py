"""Browser tests: Playwright driving the system Chromium (Debian package `chromium`). The fixtures
(`browser`, `axe`, `default_framework`) are in tests/conftest.py, shared with the other folders'
browser tests."""
