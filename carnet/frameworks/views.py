"""Frameworks pages: the public list and detail of published frameworks, and their management by
platform staff (create, edit, publish, archive, import, export, and the editor of competencies)."""

from __future__ import annotations

import copy
import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carnet.frameworks import interchange, services
from carnet.frameworks.access import (
    access_competency_to_manage,
    access_framework_admin,
    access_framework_to_manage,
    access_published_framework,
)
from carnet.frameworks.forms import CompetencyEditor, FrameworkForm, ImportForm
from carnet.frameworks.models import Competency, Framework


def framework_list(request: HttpRequest) -> HttpResponse:
    frameworks = Framework.objects.filter(status=Framework.Status.PUBLISHED).order_by("name_fr")
    return render(request, "frameworks/list.html", {"frameworks": frameworks})


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    framework = access_published_framework(slug)
    competencies = framework.competencies.prefetch_related("indicators", "levels")
    return render(request, "frameworks/detail.html", {"framework": framework, "competencies": competencies})


def manage(request: HttpRequest) -> HttpResponse:
    access_framework_admin(request.user)
    frameworks = Framework.objects.order_by("slug", "-created_at")
    return render(request, "frameworks/manage.html", {"frameworks": frameworks})


def create(request: HttpRequest) -> HttpResponse:
    access_framework_admin(request.user)
    form = FrameworkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        framework = services.create_framework(fields=form.cleaned_data)
        messages.success(request, _("Brouillon créé. Importez ses compétences ou ajoutez-les ci-dessous."))
        return redirect("frameworks:edit", framework.uuid)
    return render(request, "frameworks/form.html", {"form": form})


def edit(request: HttpRequest, framework_uuid: str) -> HttpResponse:
    framework = access_framework_to_manage(request.user, framework_uuid)
    # The form works on a copy: a published framework itself is never changed.
    form = FrameworkForm(request.POST or None, instance=copy.copy(framework))
    if request.method == "POST" and form.is_valid():
        try:
            edited = services.update_framework(framework=framework, fields=form.cleaned_data)
        except services.FrameworkError as exc:
            messages.error(request, str(exc))
        else:
            if edited.pk != framework.pk:
                messages.success(
                    request,
                    _("Modifications enregistrées dans la version %(version)s, un brouillon.")
                    % {"version": edited.version},
                )
            else:
                messages.success(request, _("Modifications enregistrées."))
            return redirect("frameworks:edit", edited.uuid)
    competencies = framework.competencies.prefetch_related("indicators", "levels")
    return render(
        request, "frameworks/form.html", {"form": form, "framework": framework, "competencies": competencies}
    )


@require_http_methods(["GET", "POST"])
def competency_add(request: HttpRequest, framework_uuid: str) -> HttpResponse:
    framework = access_framework_to_manage(request.user, framework_uuid)
    return _competency_page(request, framework, None)


@require_http_methods(["GET", "POST"])
def competency_edit(request: HttpRequest, framework_uuid: str, competency_uuid: str) -> HttpResponse:
    framework, competency = access_competency_to_manage(request.user, framework_uuid, competency_uuid)
    return _competency_page(request, framework, competency)


def _competency_page(
    request: HttpRequest, framework: Framework, competency: Competency | None
) -> HttpResponse:
    """Adds or edits a competency with its indicators and levels; for a published framework, the
    change goes to its next draft version, whose page follows."""
    if framework.status == Framework.Status.ARCHIVED:
        messages.error(request, _("Un référentiel archivé ne peut plus être modifié."))
        return redirect("frameworks:edit", framework.uuid)
    editor = CompetencyEditor(request.POST or None, framework=framework, competency=competency)
    if request.method == "POST" and editor.is_valid():
        try:
            saved = services.save_competency(
                framework=framework,
                competency=competency,
                fields=editor.fields(),
                indicators=editor.indicators.rows(),
                levels=editor.levels.rows(),
                actor=request.user,
            )
        except services.FrameworkError as exc:
            editor.add_error(exc)
        else:
            _say_saved(request, framework, saved.framework)
            if request.POST.get("stay"):
                return redirect("frameworks:competency_edit", saved.framework.uuid, saved.uuid)
            return redirect("frameworks:edit", saved.framework.uuid)
    draft = framework.next_versions.filter(status=Framework.Status.DRAFT).first()
    return render(
        request,
        "frameworks/competency_form.html",
        {"framework": framework, "competency": competency, "editor": editor, "draft": draft},
    )


@require_http_methods(["GET", "POST"])
def competency_delete(request: HttpRequest, framework_uuid: str, competency_uuid: str) -> HttpResponse:
    framework, competency = access_competency_to_manage(request.user, framework_uuid, competency_uuid)
    if framework.status == Framework.Status.ARCHIVED:
        messages.error(request, _("Un référentiel archivé ne peut plus être modifié."))
        return redirect("frameworks:edit", framework.uuid)
    if request.method == "POST":
        try:
            changed = services.remove_competency(
                framework=framework, competency=competency, actor=request.user
            )
        except services.FrameworkError as exc:
            messages.error(request, str(exc))
            return redirect("frameworks:edit", framework.uuid)
        _say_saved(request, framework, changed, removed=True)
        return redirect("frameworks:edit", changed.uuid)
    return render(
        request, "frameworks/competency_delete.html", {"framework": framework, "competency": competency}
    )


def _say_saved(
    request: HttpRequest, framework: Framework, changed: Framework, *, removed: bool = False
) -> None:
    if changed.pk != framework.pk:
        messages.success(
            request,
            _(
                "Le référentiel publié n'a pas changé : la modification est enregistrée dans la version "
                "%(version)s, un brouillon. Publiez-la quand elle sera prête."
            )
            % {"version": changed.version},
        )
    elif removed:
        messages.success(request, _("Compétence supprimée."))
    else:
        messages.success(request, _("Compétence enregistrée."))


@require_POST
def publish(request: HttpRequest, framework_uuid: str) -> HttpResponse:
    framework = access_framework_to_manage(request.user, framework_uuid)
    try:
        services.publish_framework(framework=framework)
    except services.FrameworkError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Référentiel publié."))
    return redirect("frameworks:edit", framework.uuid)


@require_POST
def archive(request: HttpRequest, framework_uuid: str) -> HttpResponse:
    framework = access_framework_to_manage(request.user, framework_uuid)
    services.archive_framework(framework=framework)
    messages.success(request, _("Référentiel archivé : il n'apparaît plus dans la liste publique."))
    return redirect("frameworks:manage")


def import_file(request: HttpRequest) -> HttpResponse:
    access_framework_admin(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[interchange.ImportProblem] = []
    if request.method == "POST" and form.is_valid():
        try:
            framework = interchange.import_framework(content=form.content())
        except interchange.ImportFailed as failure:
            problems = failure.problems
        else:
            messages.success(request, _("Référentiel importé comme brouillon. Vérifiez-le, puis publiez-le."))
            return redirect("frameworks:edit", framework.uuid)
    status = 400 if problems else 200
    return render(request, "frameworks/import.html", {"form": form, "problems": problems}, status=status)


def export_csv(request: HttpRequest, framework_uuid: str) -> HttpResponse:
    framework = access_framework_to_manage(request.user, framework_uuid)
    response = HttpResponse(interchange.write_csv(framework), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{framework.slug}-{framework.version}.csv"'
    return response


def export_case(request: HttpRequest, framework_uuid: str) -> HttpResponse:
    framework = access_framework_to_manage(request.user, framework_uuid)
    body = json.dumps(interchange.write_case(framework), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{framework.slug}-{framework.version}.case.json"'
    return response
