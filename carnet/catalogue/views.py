"""Catalogue pages: the organisation's own catalogue (admins), and the public catalogue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from carnet.catalogue import services
from carnet.catalogue.forms import (
    MicroCredentialForm,
    NeedDocumentForm,
    PartnerAnswerForm,
    PartnerRequestForm,
    ReviewForm,
)
from carnet.catalogue.models import (
    Certificate,
    LearningContext,
    MicroCredential,
    NeedDocument,
    PartnerEndorsement,
    Status,
)
from carnet.catalogue.selectors import (
    CatalogueSearch,
    level_choices,
    partner_endorsements,
    search_catalogue,
    similar_definitions,
)
from carnet.frameworks.models import Competency
from carnet.organisations.access import access_organisation
from carnet.organisations.models import Organisation
from carnet.recognition.files import MAX_FILE_BYTES, EvidenceFileError, download_name


def _own_micro_credential(request: HttpRequest, org_slug: str, slug: str) -> MicroCredential:
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    return get_object_or_404(MicroCredential, organisation=organisation, slug=slug)


@login_required
def manage(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    items = organisation.micro_credentials.prefetch_related("versions").order_by("status", "slug")
    return render(request, "catalogue/manage.html", {"organisation": organisation, "items": items})


@login_required
def create(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    if not organisation.recognises:
        raise Http404
    form = MicroCredentialForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        item = services.create_micro_credential(
            organisation=organisation, fields=form.version_fields(), alignments=form.alignments(),
            actor=request.user,
        )  # fmt: skip
        messages.success(request, _("Brouillon enregistré. Publiez-le quand il est prêt."))
        return redirect("catalogue:edit", organisation.slug, item.slug)
    return render(request, "catalogue/form.html", {"organisation": organisation, "form": form})


@login_required
def edit(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    item = _own_micro_credential(request, org_slug, slug)
    version = item.draft_version() or item.current_version()
    initial_levels = [a.level for a in version.alignments.all() if a.level] if version else []
    form = MicroCredentialForm(request.POST or None, instance=version, initial={"levels": initial_levels})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_micro_credential(
                micro_credential=item, fields=form.version_fields(), alignments=form.alignments(),
                actor=request.user,
            )  # fmt: skip
        except services.CatalogueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Modifications enregistrées dans une version brouillon."))
            return redirect("catalogue:edit", item.organisation.slug, item.slug)
    return render(
        request,
        "catalogue/form.html",
        {"organisation": item.organisation, "form": form, "item": item, "version": version,
         "review_form": ReviewForm()},
    )  # fmt: skip


@login_required
def publish(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    """GET: the confirmation step, with the published definitions that resemble this one (the
    author may reuse one instead, or publish anyway). POST: publish."""
    item = _own_micro_credential(request, org_slug, slug)
    if request.method != "POST":
        version = item.draft_version()
        if version is None:
            return redirect("catalogue:edit", item.organisation.slug, item.slug)
        return render(
            request,
            "catalogue/publish.html",
            {"organisation": item.organisation, "item": item, "version": version,
             "similar": similar_definitions(version)},
        )  # fmt: skip
    try:
        version = services.publish_micro_credential(micro_credential=item, actor=request.user)
    except services.CatalogueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Version %(number)s publiée.") % {"number": version.number})
    return redirect("catalogue:edit", item.organisation.slug, item.slug)


@login_required
@require_POST
def reviewed(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    """The admin has reviewed the definition: the next review is due a year later."""
    item = _own_micro_credential(request, org_slug, slug)
    form = ReviewForm(request.POST)
    try:
        if not form.is_valid():
            raise services.CatalogueError(
                _("Cette date n'est pas valide : choisissez-la dans le calendrier.")
            )
        item = services.mark_reviewed(
            micro_credential=item, actor=request.user, next_review=form.cleaned_data["next_review"]
        )
    except services.CatalogueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Révision enregistrée. La prochaine est prévue le %(date)s.")
            % {"date": date_format(item.review_due, "j F Y")},
        )
    return redirect("catalogue:edit", item.organisation.slug, item.slug)


@login_required
def need_documents(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    """The documents that show who asked for the micro-credential: add one, remove one."""
    item = _own_micro_credential(request, org_slug, slug)
    form = NeedDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and "remove" in request.POST:
        if not request.POST["remove"].isdigit():
            raise Http404
        document = get_object_or_404(NeedDocument, micro_credential=item, pk=int(request.POST["remove"]))
        services.remove_need_document(document=document, actor=request.user)
        messages.success(request, _("Document retiré."))
        return redirect("catalogue:need_documents", item.organisation.slug, item.slug)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["document"]
        try:
            if upload.size > MAX_FILE_BYTES:  # refused before reading it into memory
                raise EvidenceFileError(
                    _("Ce fichier dépasse 10 Mo. Réduisez-le (par exemple en PDF compressé).")
                )
            services.add_need_document(
                micro_credential=item, name=upload.name, data=upload.read(), actor=request.user
            )
        except (EvidenceFileError, services.CatalogueError) as exc:
            form.add_error("document", str(exc))
        else:
            messages.success(request, _("Document ajouté."))
            return redirect("catalogue:need_documents", item.organisation.slug, item.slug)
    return render(
        request,
        "catalogue/need_documents.html",
        {"organisation": item.organisation, "item": item, "version": item.current_version(), "form": form,
         "documents": item.need_documents.all()},
    )  # fmt: skip


@login_required
def need_document(request: HttpRequest, org_slug: str, slug: str, document_id: int) -> FileResponse:
    """A document of need, for the organisation's admins only; served as a download, sandboxed."""
    item = _own_micro_credential(request, org_slug, slug)
    document = get_object_or_404(NeedDocument, micro_credential=item, pk=document_id)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=download_name(document.name, document.file.name),
        content_type=document.content_type,
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def archive(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    item = _own_micro_credential(request, org_slug, slug)
    services.archive_micro_credential(micro_credential=item, actor=request.user)
    messages.success(request, _("Microattestation archivée : elle n'apparaît plus au catalogue."))
    return redirect("catalogue:manage", item.organisation.slug)


def browse(request: HttpRequest) -> HttpResponse:
    """The public catalogue: micro-credentials and certificates, searchable by words, competency,
    level, organisation and learning context."""
    search = CatalogueSearch.from_params(request.GET)
    results = search_catalogue(search)
    page = Paginator(results.versions, 24).get_page(request.GET.get("page"))
    return render(
        request,
        "catalogue/browse.html",
        {
            "search": search,
            "page": page,
            "results": results,
            # The filters' options: only what they show.
            "competencies": Competency.objects.filter(framework__status="published")
            .only("code", "name_fr", "name_en")
            .order_by("code"),
            "levels": level_choices(),
            "contexts": LearningContext.choices,
            "organisations": Organisation.objects.exclude(kind=Organisation.Kind.EMPLOYER)
            .only("slug", "name")
            .order_by("name"),
        },
    )


def detail(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    item = get_object_or_404(
        MicroCredential.objects.select_related("organisation"), organisation__slug=org_slug, slug=slug
    )
    if item.status != Status.PUBLISHED:
        raise Http404
    version = item.versions.filter(published_at__isnull=False).order_by("-number").first()
    alignments = version.alignments.select_related("competency", "level") if version else []
    certificates = (
        Certificate.objects.filter(status=Status.PUBLISHED)
        .filter(
            Q(root__micro_credentials=item)
            | Q(root__groups__micro_credentials=item)
            | Q(root__groups__groups__micro_credentials=item)
        )
        .distinct()
    )
    return render(
        request,
        "catalogue/detail.html",
        {"item": item, "version": version, "alignments": alignments, "certificates": certificates,
         "partner_endorsements": partner_endorsements(item)},
    )  # fmt: skip


@login_required
def design(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    """The badge designer (shape, colours, icon, text → SVG and PNG) and the upload of an image."""
    from django.utils.translation import get_language

    from carnet.catalogue import images
    from carnet.catalogue.forms import BadgeDesignForm, BadgeUploadForm

    item = _own_micro_credential(request, org_slug, slug)
    language = (get_language() or "fr")[:2]
    version = item.draft_version() or item.current_version()
    design_form = BadgeDesignForm(
        request.POST if request.POST.get("action") in ("preview", "design") else None,
        language=language,
        initial=(
            version.design if version and version.design else {"title": version.name() if version else ""}
        ),
    )
    upload_form = BadgeUploadForm(
        request.POST if request.POST.get("action") == "upload" else None,
        request.FILES or None,
        language=language,
    )
    preview = None
    if (
        request.method == "POST"
        and request.POST.get("action") in ("preview", "design")
        and design_form.is_valid()
    ):
        svg = images.render_svg(design_form.design)
        if request.POST["action"] == "design":
            services.set_badge_image(
                micro_credential=item,
                image=svg,
                image_name="badge.svg",
                png=images.render_png(design_form.design),
                design=dict(design_form.cleaned_data),
            )
            messages.success(request, _("Image du badge enregistrée."))
            return redirect("catalogue:edit", item.organisation.slug, item.slug)
        preview = svg.decode("utf-8")
    if request.method == "POST" and request.POST.get("action") == "upload" and upload_form.is_valid():
        assert upload_form.checked is not None
        image, name, png = upload_form.checked
        services.set_badge_image(micro_credential=item, image=image, image_name=name, png=png)
        messages.success(request, _("Image du badge enregistrée."))
        return redirect("catalogue:edit", item.organisation.slug, item.slug)
    return render(
        request,
        "catalogue/design.html",
        {"item": item, "organisation": item.organisation, "version": version, "design_form": design_form,
         "upload_form": upload_form, "preview": preview},
    )  # fmt: skip


def _own_certificate(request: HttpRequest, org_slug: str, slug: str) -> Certificate:
    """A certificate of an organisation the user administers; 404 for anyone else, anonymous
    visitors included (they learn nothing of drafts)."""
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    return get_object_or_404(
        Certificate.objects.select_related("organisation", "root"), organisation=organisation, slug=slug
    )


@login_required
def certificates(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The organisation's certificates, each with a link to edit it."""
    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    if not organisation.recognises:
        raise Http404
    return render(
        request,
        "catalogue/certificates.html",
        {"organisation": organisation, "certificates": organisation.certificates.order_by("status", "slug")},
    )


def certificate_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    from carnet.catalogue.forms import CertificateEditor

    organisation = access_organisation(request.user, org_slug)  # type: ignore[arg-type]
    if not organisation.recognises:
        raise Http404
    editor = CertificateEditor(request.POST or None, organisation=organisation)
    if request.method == "POST" and editor.is_valid():
        try:
            certificate = services.create_certificate(
                organisation=organisation,
                fields=editor.fields(),
                groups=editor.requirements(),
                actor=request.user,
            )
        except services.RequirementTreeError as exc:
            editor.add_problems(exc.problems)
        except services.CatalogueError as exc:
            editor.form.add_error(None, str(exc))
        else:
            if request.POST.get("publish"):
                services.publish_certificate(certificate=certificate, actor=request.user)
            messages.success(request, _("Certificat enregistré."))
            return redirect("catalogue:certificates", organisation.slug)
    return render(
        request, "catalogue/certificate_form.html", {"organisation": organisation, "editor": editor}
    )


def certificate_edit(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    """Edit a certificate and its requirement tree; a published one stays published (the change
    is in the audit trail)."""
    from carnet.catalogue.forms import CertificateEditor

    certificate = _own_certificate(request, org_slug, slug)
    organisation = certificate.organisation
    editor = CertificateEditor(request.POST or None, organisation=organisation, certificate=certificate)
    if request.method == "POST" and editor.is_valid():
        try:
            services.update_certificate(
                certificate=certificate,
                fields=editor.fields(),
                groups=editor.requirements(),
                actor=request.user,
            )
        except services.RequirementTreeError as exc:
            editor.add_problems(exc.problems)
        except services.CatalogueError as exc:
            editor.form.add_error(None, str(exc))
        else:
            if request.POST.get("publish") and certificate.status == Status.DRAFT:
                services.publish_certificate(certificate=certificate, actor=request.user)
            messages.success(request, _("Modifications du certificat enregistrées."))
            return redirect("catalogue:certificate_edit", organisation.slug, certificate.slug)
    return render(
        request,
        "catalogue/certificate_form.html",
        {"organisation": organisation, "editor": editor, "certificate": certificate},
    )


@require_POST
def certificate_archive(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    certificate = _own_certificate(request, org_slug, slug)
    services.archive_certificate(certificate=certificate, actor=request.user)
    messages.success(request, _("Certificat archivé : il n'apparaît plus au catalogue."))
    return redirect("catalogue:certificates", certificate.organisation.slug)


def certificate_detail(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    certificate = get_object_or_404(
        Certificate.objects.select_related("organisation", "root"),
        organisation__slug=org_slug,
        slug=slug,
        status=Status.PUBLISHED,
    )
    return render(
        request, "catalogue/certificate.html", {"certificate": certificate, "root": certificate.root}
    )


# --- partner endorsements ------------------------------------------------------------------------------


@login_required
def partners(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    """The organisation's requests to partners for this definition, and the form to ask one more."""
    item = _own_micro_credential(request, org_slug, slug)
    version = item.versions.filter(published_at__isnull=False).order_by("-number").first()
    form = PartnerRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if version is None:
            raise Http404
        try:
            services.invite_partner(version=version, fields=form.cleaned_data, actor=request.user)
        except services.CatalogueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Demande envoyée à %(email)s. Le lien fonctionne une seule fois.")
                % {"email": form.cleaned_data["contact_email"]},
            )
            return redirect("catalogue:partners", item.organisation.slug, item.slug)
    requests = PartnerEndorsement.objects.filter(version__micro_credential=item).select_related("version")
    return render(
        request,
        "catalogue/partners.html",
        {"organisation": item.organisation, "item": item, "version": version, "form": form,
         "requests": requests},
        status=400 if form.errors else 200,
    )  # fmt: skip


@login_required
@require_POST
def partner_request(request: HttpRequest, org_slug: str, slug: str, request_uuid: str) -> HttpResponse:
    """Resend or cancel a pending request, or withdraw an endorsement (``action``)."""
    item = _own_micro_credential(request, org_slug, slug)
    found = get_object_or_404(PartnerEndorsement, version__micro_credential=item, uuid=request_uuid)
    action = request.POST.get("action")
    try:
        if action == "resend":
            services.resend_partner_request(request=found, actor=request.user)
            messages.success(request, _("Demande envoyée de nouveau, avec un nouveau lien."))
        elif action == "cancel":
            services.cancel_partner_request(request=found, actor=request.user)
            messages.success(request, _("Demande annulée : son lien ne fonctionne plus."))
        elif action == "withdraw":
            services.withdraw_partner_endorsement(endorsement=found, actor=request.user)
            messages.success(
                request,
                _("Endossement retiré : il n'est plus affiché ni joint aux prochaines microattestations."),
            )
        else:
            raise Http404
    except services.CatalogueError as exc:
        messages.error(request, str(exc))
    return redirect("catalogue:partners", item.organisation.slug, item.slug)


PARTNER_DONE_KEY = "partner_answered"  # the session remembers the request just answered


def answer_partner_request(
    request: HttpRequest, found: PartnerEndorsement, *, action_url: str, workspace: Organisation | None = None
) -> HttpResponse:
    """The definition in full and the partner's answer (the emailed link, or the employer
    ``workspace`` of the contact signed in)."""
    form = PartnerAnswerForm(request.POST or None)
    account = request.user if request.user.is_authenticated else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "endorse":
                found = services.endorse_definition(
                    request=found, endorser_name=data["endorser_name"], endorser_role=data["endorser_role"],
                    comment=data["comment"], account=account, workspace=workspace,
                )  # fmt: skip
            else:
                services.decline_definition(
                    request=found, reason=data["reason"], account=account, workspace=workspace
                )
        except services.CatalogueError:
            return render(request, "catalogue/partner_gone.html", status=410)
        # Post/redirect/get: reloading the thanks does not send the answer again. Only this
        # browser, right after answering, reads it (the session names the request).
        request.session[PARTNER_DONE_KEY] = str(found.uuid)
        return redirect("catalogue:partner_done")
    version = found.version
    return render(
        request,
        "catalogue/partner_review.html",
        {"found": found, "version": version, "item": version.micro_credential, "form": form,
         "alignments": version.alignments.select_related("competency", "level"), "action_url": action_url,
         "in_workspace": workspace is not None},
        status=400 if form.errors else 200,
    )  # fmt: skip


@never_cache
@require_safe
def partner_done(request: HttpRequest) -> HttpResponse:
    """The thanks after answering a request, for the browser that just answered it."""
    found = (
        PartnerEndorsement.objects.filter(
            uuid=request.session.get(PARTNER_DONE_KEY) or None,
            status__in=[PartnerEndorsement.Status.ENDORSED, PartnerEndorsement.Status.DECLINED],
        )
        .select_related("version__micro_credential__organisation")
        .first()
    )
    if found is None:
        raise Http404
    declined = found.status == PartnerEndorsement.Status.DECLINED
    return render(request, "catalogue/partner_done.html", {"found": found, "declined": declined})


@never_cache
def partner_review(request: HttpRequest, token: str) -> HttpResponse:
    """The partner's page, opened through the emailed single-use link (no account needed)."""
    found = services.find_partner_request(token)
    if found is None:
        return render(request, "catalogue/partner_gone.html", status=410)
    # The address holds the token: the site's Referrer-Policy (same-origin) keeps it from other sites.
    return answer_partner_request(request, found, action_url=request.path)


@require_safe
def partner_endorsement(
    request: HttpRequest, org_slug: str, slug: str, endorsement_uuid: str
) -> JsonResponse:
    """The signed EndorsementCredential of a partner, while it is shown."""
    found = get_object_or_404(
        PartnerEndorsement, uuid=endorsement_uuid, status=PartnerEndorsement.Status.ENDORSED,
        version__micro_credential__organisation__slug=org_slug, version__micro_credential__slug=slug,
        version__micro_credential__status=Status.PUBLISHED,
    )  # fmt: skip
    response = JsonResponse(found.document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    return response
