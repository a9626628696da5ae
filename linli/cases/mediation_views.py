"""Mediation on the case page: the handling unit arranges a joint session and records its
agreement or failure (``linli.cases.actions.mediation``). Garbage answers 400 with the page and
the field's message, and stores nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.cases import actions
from linli.cases.actions.common import CaseError
from linli.cases.forms import MediationForm, MediationOutcomeForm
from linli.cases.models import Case, Mediation
from linli.cases.views import detail_context, handled_case, locked_case


def _handled_case(request: HttpRequest, number: str) -> Case:
    case = handled_case(request, number)
    return case


@login_required
@require_POST
def schedule(request: HttpRequest, number: str) -> HttpResponse:
    case = _handled_case(request, number)
    form = MediationForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                locked = locked_case(case)
                actions.schedule_mediation(
                    locked,
                    actor=request.user,
                    at=form.cleaned_data["at"],
                    parties=form.cleaned_data["parties"],
                    units=list(form.cleaned_data["units"]),
                    place=form.cleaned_data["place"],
                    video_link=form.cleaned_data["video_link"],
                )
        except CaseError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Mediation session arranged."))
            return redirect("cases:detail", number=case.number)
    context = detail_context(request, case, True, mediation_form=form)
    return render(request, "cases/detail.html", context, status=400)


@login_required
@require_POST
def outcome(request: HttpRequest, number: str, mediation_id: int) -> HttpResponse:
    case = _handled_case(request, number)
    session = Mediation.objects.filter(pk=mediation_id, case=case).first()
    if session is None:
        raise Http404(_("Not found."))
    form = MediationOutcomeForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                locked = Mediation.objects.select_for_update().get(pk=session.pk)
                actions.record_mediation_outcome(locked, actor=request.user, **form.cleaned_data)
        except CaseError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("cases:detail", number=case.number)
    context = detail_context(request, case, True, outcome_form=form, outcome_for=session.pk)
    return render(request, "cases/detail.html", context, status=400)
