from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.cases.models import Case, Category, WorkOrder
from linli.people.models import Unit


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(f, initial) for f in files]


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is it?"),
        choices=Case.Kind.choices,
        initial=Case.Kind.REPORT,
    )
    description = forms.CharField(
        label=_("What happened, and where exactly?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    area = forms.CharField(required=False, max_length=18, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)
    photos = PhotosField(
        label=_("Photos (up to 3)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    contact_phone = forms.CharField(
        label=_("Your mobile (optional, for updates)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    anonymous = forms.BooleanField(
        label=_("Report anonymously (you get a code to follow it)"), required=False
    )
    # Staff only (the view drops them for everyone else): a call written down, or a patrol find.
    channel = forms.ChoiceField(
        label=_("How did it reach you?"),
        choices=[
            (Case.Channel.PHONE, _("A phone call: I write down what the caller says")),
            (Case.Channel.OFFICER, _("I found it myself (patrol, visit)")),
        ],
        initial=Case.Channel.PHONE,
    )
    caller_name = forms.CharField(
        label=_("Caller's name (optional)"), max_length=100, required=False
    )

    def __init__(self, *args: Any, staff: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["channel"], self.fields["caller_name"]
        else:
            self.fields["contact_phone"].label = _("Caller's mobile (optional, for updates)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("lon") is None or data.get("lat") is None:
            self.add_error("address", _("Choose the place: allow your location or tap the map."))
        return data


class FollowForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=40)
    code = forms.CharField(label=_("Follow-up code"), max_length=32)


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reopen = forms.BooleanField(label=_("Not solved: reopen it"), required=False)


class StaffActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            (a, a)
            for a in (
                "accept",
                "start",
                "resolve",
                "escalate",
                "suspend",
                "resume",
                "reject",
                "note",
                "follow_up",
                "merge",
            )
        ]
    )
    text = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    into = forms.CharField(max_length=40, required=False)  # merge: the open case's number


class TriageForm(forms.Form):
    """A person chooses the category of a case triage was unsure about: triage's suggestions
    first, then every active category."""

    category = forms.ChoiceField(label=_("Category"))
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, suggested: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = dict(
            Category.objects.filter(is_active=True).order_by("code").values_list("code", "name_zh")
        )
        first = [(code, f"{names[code]} ({code})") for code in suggested if code in names]
        rest = [(code, f"{name} ({code})") for code, name in names.items() if code not in suggested]
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        groups = [(_("Suggested by triage"), first)] if first else []
        field.choices = [*groups, (_("All categories"), rest)]
        if first:
            field.initial = first[0][0]


def _units(exclude: int | None = None) -> Any:
    units = Unit.objects.filter(is_active=True).order_by("kind", "name")
    return units.exclude(pk=exclude) if exclude else units


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class SendWorkOrderForm(forms.Form):
    """派单: the handling unit sends part of the work to another unit."""

    to_unit = UnitChoiceField(label=_("To unit"), queryset=Unit.objects.none())
    instruction = forms.CharField(
        label=_("Instruction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_date = forms.DateField(
        label=_("Due date (optional: two working days)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _units(exclude=case.unit_id)

    def due_at(self) -> datetime | None:
        """The end of the chosen day, local time."""
        day = self.cleaned_data.get("due_date")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day, time(23, 59)))


class WorkOrderActionForm(forms.Form):
    """接单 / 退回 / 转办 / 回单 by the unit a work order was sent to."""

    action = forms.ChoiceField(
        choices=[(a, a) for a in ("accept", "return", "transfer", "complete")]
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    to_unit = UnitChoiceField(label=_("Transfer to"), queryset=Unit.objects.none(), required=False)
    result = forms.CharField(
        label=_("Result"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(
        label=_("Photos (up to 3)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args: Any, order: WorkOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _units(exclude=order.to_unit_id)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "transfer" and not data.get("to_unit"):
            self.add_error("to_unit", _("This field is required."))
        return data


class MediationForm(forms.Form):
    """A joint mediation session: the parties, the units taking part, when, where or by video."""

    parties = forms.CharField(
        label=_("Parties"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    units = UnitsChoiceField(
        label=_("Units taking part"),
        queryset=Unit.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    at = forms.DateTimeField(
        label=_("Time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_link = forms.CharField(label=_("Or a video link"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["units"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = _units()


class MediationOutcomeForm(forms.Form):
    agreed = forms.TypedChoiceField(
        label=_("Outcome"),
        choices=[("1", _("agreement reached")), ("0", _("no agreement"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("The agreement, or why there was none"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
