from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("The code has 6 digits."))
        return code


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class PhoneCodeForm(PhoneForm, CodeForm):
    pass


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)
    days = forms.IntegerField(
        label=_("Valid for (days, empty: until revoked)"),
        min_value=1,
        max_value=3650,
        required=False,
    )
