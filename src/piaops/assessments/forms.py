"""Forms of the assessments pages. Querysets are scoped to the user's municipality by the view."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from piaops.assessments.models import Commitment
from piaops.assessments.vocab import CommitmentKind, Revision, SectionIVRating, Tier
from piaops.lib import cadence as cadence_grammar
from piaops.lib.fields import GuardedFormCharField
from piaops.lib.formtypes import ModelMultipleChoiceField
from piaops.lib.picklist import searchable
from piaops.tenancy.models import Municipality, OrgUnit, Work, unit_label


class SectionIVDecisionForm(forms.Form):
    """The admin's rating of a Section Ⅳ item (Ⅳ-1① 自己点検, Ⅳ-1② 監査): the choice is checked against the
    suggestion by the service that records it (:func:`piaops.assessments.decisions.section4_decide`)."""

    chosen = forms.ChoiceField(label="採用する評価", choices=SectionIVRating.choices)
    reason = GuardedFormCharField(
        label="理由（提案と異なる場合は必須）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class UploadForm(forms.Form):
    file = forms.FileField(label="評価書ファイル（PDF・Excel・Word・テキスト）")
    works = forms.ModelMultipleChoiceField(
        label="対象の個人番号利用事務", queryset=Work.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    published_on = forms.DateField(
        label="公表日",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="評価書に記載がないときに入力します。空欄なら下書きとして取り込みます。",
    )
    tier = forms.ChoiceField(label="評価の種類", choices=Tier.choices, initial=Tier.FULL)
    revision = forms.ChoiceField(
        label="版の種類",
        choices=[("", "自動（最初の版は評価の実施、以降は修正）"), *Revision.choices],
        required=False,
        help_text="再実施・重要な変更による再評価は、5年以内の再実施（規則第15条）の起点になります。",
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        works = self.fields["works"]
        assert isinstance(works, forms.ModelMultipleChoiceField)
        works.queryset = Work.objects.for_municipality(municipality).filter(is_active=True)
        searchable(works)

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        limit = settings.PIAOPS_MAX_UPLOAD_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(f"ファイルが大きすぎます（上限 {limit // (1024 * 1024)}MB）。")
        return upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type="file" multiple>`` (Django's documented pattern): a list of files."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


MAX_BATCH_FILES = 100


class BatchUploadForm(forms.Form):
    reports = MultipleFileField(
        label="評価書ファイル（複数選択できます：PDF・Excel・Word・テキスト）",
        help_text="各ファイルは、評価書に記載された事務の名称で登録済みの事務に対応づけます。",
    )

    def clean_reports(self) -> list[UploadedFile]:
        uploads: list[UploadedFile] = self.cleaned_data["reports"]
        if len(uploads) > MAX_BATCH_FILES:
            raise forms.ValidationError(f"一度に選べるファイルは {MAX_BATCH_FILES} 件までです。")
        limit = settings.PIAOPS_MAX_UPLOAD_BYTES
        for upload in uploads:
            if upload.size is not None and upload.size > limit:
                raise forms.ValidationError(f"「{upload.name}」が大きすぎます（上限 {limit // (1024 * 1024)}MB）。")
        return uploads


class CommitmentForm(forms.Form):
    text = GuardedFormCharField(label="約束の内容", widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(label="種類", choices=CommitmentKind.choices)
    cadence = forms.ChoiceField(label="頻度", choices=cadence_grammar.CHOICES, required=False)
    owner_unit = forms.ModelChoiceField(label="担当組織", queryset=OrgUnit.objects.none(), required=False)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner_unit"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = OrgUnit.objects.for_municipality(municipality).filter(is_active=True)
        owner.label_from_instance = unit_label  # type: ignore[method-assign,assignment]
        searchable(owner)
        current = str(self.initial.get("cadence") or "")
        cadence = self.fields["cadence"]
        assert isinstance(cadence, forms.ChoiceField)
        if current and current not in dict(cadence_grammar.CHOICES):
            # Any value the grammar read (年6回, 5年ごと…) stays choosable on its commitment.
            cadence.choices = [(current, cadence_grammar.label(current)), *cadence_grammar.CHOICES]


class SplitForm(forms.Form):
    texts = GuardedFormCharField(
        label="分割後の約束（1行に1つ）",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="2行以上に分けて入力してください。空行は無視します。",
    )

    def pieces(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["texts"].splitlines() if line.strip()]


class _CommitmentChoices(ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.party_name}：{obj.text}"


class MergeForm(forms.Form):
    commitments = _CommitmentChoices(
        label="統合する約束", queryset=Commitment.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    text = GuardedFormCharField(
        label="統合後の内容（空欄なら選んだ約束の文を順につなげます）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, item_commitments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commitments"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = item_commitments


class SaveUploadForm(forms.Form):
    """The confirmation of a preview (single file or batch): ``token`` names the preview kept in the session, so a
    stale page (another preview made since in another tab) saves nothing. The view compares it with the session."""

    token = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
