"""WSGI entry point (served by granian through `carnet serve`)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carnet.site.settings")
os.environ.setdefault("CARNET_TASKS_BACKEND", "database")  # run by `carnet worker` (docs/operations.md)
application = get_wsgi_application()

if settings.CHANGE_FEED:
    from carnet.site import changes

    changes.enable()  # PostgreSQL only: the server's workers hear of changes (carnet.site.changes)
