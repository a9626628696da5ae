from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.identity import actions
from linli.people.models import Unit, User


class VerifyForm(forms.Form):
    token = forms.CharField(
        label=_("e-ID code"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
    )


class OfficerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.masked_name)


class ConsultationForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Police room"),
        queryset=Unit.objects.filter(kind=Unit.Kind.POLICE_ROOM, is_active=True).order_by("name"),
    )
    officer = OfficerChoice(
        label=_("Officer (optional)"), queryset=User.objects.none(), required=False
    )
    subject = forms.CharField(label=_("Subject"), max_length=actions.SUBJECT_MAX)
    text = forms.CharField(
        label=_("Your message"), max_length=actions.BODY_MAX, widget=forms.Textarea({"rows": 5})
    )

    def __init__(self, *args: Any, room: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if room is not None:
            ids = [u.pk for u in actions.room_officers(room)]
            self.fields["officer"].queryset = User.objects.filter(pk__in=ids)  # type: ignore[attr-defined]


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"), max_length=actions.BODY_MAX, widget=forms.Textarea({"rows": 4})
    )
