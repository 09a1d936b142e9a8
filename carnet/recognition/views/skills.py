"""Self-recognition: the learner's skills profile against a published framework, the guided form
to recognise one competency (level, places of learning, situations), and the micro-credentials of
the catalogue that match the profile."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carnet.frameworks.models import Competency, Framework
from carnet.recognition import selectors, services
from carnet.recognition.forms import SkillClaimForm, filled_situations, situation_forms
from carnet.recognition.models import SkillClaim


def _claimable(competency_uuid: Any) -> Competency:
    """A competency of a published framework; the others are not offered (404)."""
    return get_object_or_404(
        Competency.objects.select_related("framework").prefetch_related("indicators", "levels"),
        uuid=competency_uuid,
        framework__status=Framework.Status.PUBLISHED,
    )


def _chosen_framework(frameworks: list[Framework], slug: str | None) -> Framework | None:
    """The published framework asked for with ``?referentiel=<slug>`` (404 if none), else the default."""
    if not slug:
        return frameworks[0] if frameworks else None
    for framework in frameworks:
        if framework.slug == slug:
            return framework
    raise Http404


def _profile_url(competency: Competency) -> str:
    return f"{reverse('recognition:skills')}?referentiel={competency.framework.slug}#c-{competency.uuid}"


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    frameworks = selectors.published_frameworks()
    framework = _chosen_framework(frameworks, request.GET.get("referentiel"))
    rows = selectors.skills_profile(request.user, framework) if framework else []
    context = {
        "frameworks": frameworks,
        "framework": framework,
        "rows": rows,
        "claimed": [row for row in rows if row.claim],
        "elsewhere": selectors.claims_elsewhere(request.user),
        "suggestions": selectors.suggest_micro_credentials(request.user),
    }
    return render(request, "recognition/skills_profile.html", context)


@login_required
def claim(request: HttpRequest, competency_uuid: str) -> HttpResponse:
    competency = _claimable(competency_uuid)
    existing = SkillClaim.objects.filter(learner=request.user, competency=competency).first()
    if request.method != "POST":
        initial = (
            {"level": existing.level_id, "learning_contexts": existing.learning_contexts} if existing else {}
        )
        form = SkillClaimForm(competency=competency, initial=initial)
        return _render_claim(request, competency, existing, form, situation_forms(claim=existing))
    form = SkillClaimForm(request.POST, competency=competency)
    situations_forms = situation_forms(request.POST)
    situations = filled_situations(situations_forms)
    if form.is_valid() and situations is not None:
        contexts = {*form.cleaned_data["learning_contexts"], *(s["learning_context"] for s in situations)}
        try:
            services.save_skill_claim(
                learner=request.user,  # type: ignore[arg-type]
                competency=competency,
                level=form.cleaned_data["level"],
                learning_contexts=contexts,
                situations=situations,
            )
        except services.RecognitionError as exc:
            form.add_error("level", str(exc))
        else:
            messages.success(
                request,
                _("« %(competency)s » fait maintenant partie de votre profil.")
                % {"competency": competency.name()},
            )
            return redirect(_profile_url(competency))
    messages.error(
        request, _("Rien n'est enregistré pour l'instant : corrigez ce qui est signalé ci-dessous.")
    )
    return _render_claim(request, competency, existing, form, situations_forms, status=400)


def _render_claim(
    request: HttpRequest,
    competency: Competency,
    existing: SkillClaim | None,
    form: SkillClaimForm,
    situations: list[Any],
    status: int = 200,
) -> HttpResponse:
    context = {
        "competency": competency,
        "claim": existing,
        "form": form,
        "situations": situations,
        "profile_url": _profile_url(competency),
    }
    return render(request, "recognition/skills_claim.html", context, status=status)


@login_required
@require_POST
def unclaim(request: HttpRequest, competency_uuid: str) -> HttpResponse:
    claim = SkillClaim.objects.filter(learner=request.user, competency__uuid=competency_uuid).first()
    if claim is None:
        raise Http404
    competency = claim.competency
    services.remove_skill_claim(learner=request.user, competency=competency)  # type: ignore[arg-type]
    messages.success(
        request, _("« %(competency)s » est retirée de votre profil.") % {"competency": competency.name()}
    )
    if competency.framework.status != Framework.Status.PUBLISHED:
        return redirect("recognition:skills")
    return redirect(_profile_url(competency))
