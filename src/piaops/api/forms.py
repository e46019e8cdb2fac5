from __future__ import annotations

from django import forms

from piaops.api.models import Scope
from piaops.lib.fields import GuardedFormCharField


class TokenForm(forms.Form):
    name = GuardedFormCharField(label="名前（用途）", max_length=100)
    scope = forms.ChoiceField(label="権限の範囲", choices=Scope.choices, initial=Scope.READ)
    expires_on = forms.DateField(
        label="有効期限（この日の終わりまで。空欄は無期限）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
