"""Django's generic form classes, parametrised for mypy --strict and plain at run time.

django-stubs makes ``ModelForm``, ``ModelChoiceField`` and ``ModelMultipleChoiceField`` generic, but Django's own
classes cannot be subscripted at run time (that needs django-stubs-ext's monkeypatch, a runtime dependency for typing
alone). Subclass these names instead of ``forms.ModelForm`` and the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

if TYPE_CHECKING:
    ModelForm = forms.ModelForm[Any]
    ModelChoiceField = forms.ModelChoiceField[Any]
    ModelMultipleChoiceField = forms.ModelMultipleChoiceField[Any]
else:
    ModelForm = forms.ModelForm
    ModelChoiceField = forms.ModelChoiceField
    ModelMultipleChoiceField = forms.ModelMultipleChoiceField

__all__ = ["ModelChoiceField", "ModelForm", "ModelMultipleChoiceField"]
