"""The public catalogue's search form; the API's filters follow the same rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.hall.models import Domain, Kind

QUERY_MAX = 50


class MatterSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=QUERY_MAX, required=False)
    domain = forms.ChoiceField(
        label=_("domain"), choices=[("", _("all")), *Domain.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("kind"), choices=[("", _("all")), *Kind.choices], required=False
    )
    delegated = forms.BooleanField(label=_("at my police room"), required=False)
    page = forms.IntegerField(label=_("page"), min_value=1, max_value=10_000, required=False)

    def clean_q(self) -> str:
        text = str(self.cleaned_data["q"]).strip()
        if "\x00" in text:
            raise forms.ValidationError(_("The text contains characters that are not allowed."))
        return text
