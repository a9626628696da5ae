"""The workbench's work orders: sending one from the case page, and the list and page where
the unit that received one accepts, returns, transfers or completes it (with photos).

The same actions as the API (``linli.cases.actions.workorders``); a form with garbage answers
400 with the page and the field's message, and stores nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.cases import actions
from linli.cases.actions.common import CaseError
from linli.cases.forms import SendWorkOrderForm, WorkOrderActionForm
from linli.cases.models import WorkOrder, staff_units
from linli.cases.views import detail_context, handled_case, locked_case
from linli.core.access import scope_prefixes

# A CaseError names the action's argument; the forms call some of them differently.
FORM_FIELDS = {"due_at": "due_date"}


def _form_error(form: Any, error: CaseError) -> None:
    field = FORM_FIELDS.get(error.field, error.field)
    form.add_error(field if field in form.fields else None, error.message)


@login_required
@require_POST
def send(request: HttpRequest, number: str) -> HttpResponse:
    """派单 from the case page, by the unit handling the case."""
    case = handled_case(request, number)
    form = SendWorkOrderForm(request.POST, case=case)
    if form.is_valid():
        try:
            with transaction.atomic():
                locked = locked_case(case)
                actions.send_work_order(
                    locked,
                    form.cleaned_data["to_unit"],
                    actor=request.user,
                    instruction=form.cleaned_data["instruction"],
                    due_at=form.due_at(),
                )
        except CaseError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Work order sent."))
            return redirect("cases:detail", number=case.number)
    context = detail_context(request, case, True, send_form=form)  # the handling unit: staff
    return render(request, "cases/detail.html", context, status=400)


def _received_orders(user: Any) -> Any:
    """Work orders sent to the caller's units (every one, for administrators and commanders);
    None for someone who is not staff."""
    orders = WorkOrder.objects.select_related("case", "from_unit", "to_unit")
    if scope_prefixes(user) is None:
        return orders
    units = staff_units(user)
    return orders.filter(to_unit_id__in=units) if units else None


@login_required
def received(request: HttpRequest) -> HttpResponse:
    orders = _received_orders(request.user)
    if orders is None:
        raise Http404(_("Not found."))
    status = request.GET.get("status", "open")
    if status == "open":
        orders = orders.filter(status__in=WorkOrder.OPEN_STATUSES).order_by("due_at", "id")
    else:
        if status in WorkOrder.Status.values:
            orders = orders.filter(status=status)
        orders = orders.order_by("-created_at", "-id")
    context = {
        "orders": orders[:100],
        "status": status,
        "statuses": WorkOrder.Status.choices,
        "now": timezone.now(),
    }
    return render(request, "cases/work_orders.html", context)


def _order_for(user: Any, order_id: int) -> WorkOrder:
    """A work order the caller's unit received; 404 for every other, as for a missing one."""
    orders = _received_orders(user)
    order = orders.filter(pk=order_id).first() if orders is not None else None
    if order is None:
        raise Http404(_("Not found."))
    return order


@login_required
def work_order(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order_for(request.user, order_id)
    form = WorkOrderActionForm(order=order)
    if request.method == "POST":
        form = WorkOrderActionForm(request.POST, request.FILES, order=order)
        if form.is_valid() and _act(request, order, form):
            messages.success(request, _("Saved."))
            return redirect("cases:work_order", order_id=order.pk)
    context = {
        "order": order,
        "form": form,
        "photos": order.photos.order_by("id"),
        "now": timezone.now(),
    }
    return render(request, "cases/work_order.html", context, status=400 if form.errors else 200)


def _act(request: HttpRequest, order: WorkOrder, form: WorkOrderActionForm) -> bool:
    data = form.cleaned_data
    try:
        with transaction.atomic():
            locked = (
                WorkOrder.objects.select_for_update(of=("self",))
                .select_related("case", "from_unit", "to_unit")
                .get(pk=order.pk)
            )
            if data["action"] == "accept":
                actions.accept_work_order(locked, actor=request.user)
            elif data["action"] == "return":
                actions.return_work_order(locked, actor=request.user, reason=data["reason"])
            elif data["action"] == "transfer":
                actions.transfer_work_order(
                    locked, data["to_unit"], actor=request.user, reason=data["reason"]
                )
            else:
                actions.complete_work_order(
                    locked, actor=request.user, result=data["result"], photos=data["photos"]
                )
    except CaseError as error:
        _form_error(form, error)
        return False
    order.refresh_from_db()
    return True
