"""A person's inbox: only their own notifications, ever."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carnet.inbox import services
from carnet.inbox.messages import sentence
from carnet.inbox.models import Notification


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(Notification.objects.filter(user=request.user), 30).get_page(request.GET.get("page"))
    for notification in page:
        notification.sentence = sentence(notification)  # type: ignore[attr-defined]
    return render(request, "inbox/inbox.html", {"page": page})


@login_required
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark as read and go where it points, in the reader's language."""
    notification = get_object_or_404(Notification, pk=notification_id, user=request.user)
    services.mark_read(request.user, notification)
    link = notification.link
    if not link or not url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect("inbox:inbox")
    return redirect(services.in_language(link, get_language() or settings.LANGUAGE_CODE))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    if services.mark_read(request.user):
        messages.success(request, _("Toutes vos notifications sont marquées comme lues."))
    return redirect("inbox:inbox")
