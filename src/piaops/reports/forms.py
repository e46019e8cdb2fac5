"""The reports' POST forms."""

from __future__ import annotations

from django import forms

from piaops.assessments.forms import SectionIVDecisionForm
from piaops.reports.periodic import FORMATS as PERIODIC_FORMATS
from piaops.reports.section4_export import FORMATS


class Section4JobForm(forms.Form):
    """Start the Section Ⅳ evidence file of a 年度 as a background job (the PDF takes seconds: WeasyPrint)."""

    fy = forms.IntegerField(min_value=2000, max_value=2100)
    format = forms.ChoiceField(choices=[(f, f.upper()) for f in FORMATS])


class PeriodicJobForm(forms.Form):
    """Start the 定期的な報告 file of a 年度 as a background job (its PDF takes seconds: WeasyPrint)."""

    fy = forms.IntegerField(min_value=2000, max_value=2100)
    format = forms.ChoiceField(choices=[(f, f.upper()) for f in PERIODIC_FORMATS])


class AuditRatingForm(SectionIVDecisionForm):
    """The admin's Ⅳ-1② (監査) rating of one report and 年度, checked against that report's suggestion by
    ``services.section4_audit_decide``."""

    fy = forms.IntegerField(min_value=2000, max_value=2100, widget=forms.HiddenInput)
    field_order = ["fy", "chosen", "reason"]
