"""The reports' POST forms."""

from __future__ import annotations

from django import forms

from piaops.reports.section4_export import FORMATS


class Section4JobForm(forms.Form):
    """Start the Section Ⅳ evidence file of a 年度 as a background job (the PDF takes seconds: WeasyPrint)."""

    fy = forms.IntegerField(min_value=2000, max_value=2100)
    format = forms.ChoiceField(choices=[(f, f.upper()) for f in FORMATS])
