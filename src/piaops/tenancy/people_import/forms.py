"""Forms of the people import: the upload, and the confirmation of a previewed upload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile


class UploadForm(forms.Form):
    units_file = forms.FileField(label="組織データ（任意）", required=False)
    people_file = forms.FileField(label="職員データ", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        files = [f for f in (data.get("units_file"), data.get("people_file")) if f]
        if not files:
            raise forms.ValidationError("取り込むファイルを指定してください。")
        limit = settings.PIAOPS_MAX_UPLOAD_BYTES
        for upload in files:
            if upload.size and upload.size > limit:
                raise forms.ValidationError(
                    f"「{upload.name}」は大きすぎます（上限 {limit // (1024 * 1024)} MB）。ファイルを分けてください。"
                )
        return data

    def files_read(self) -> list[tuple[str, bytes]]:
        uploads: list[UploadedFile] = [
            f for f in (self.cleaned_data.get("units_file"), self.cleaned_data.get("people_file")) if f
        ]
        return [(Path(u.name or "upload").name, u.read()) for u in uploads]


class ConfirmForm(forms.Form):
    """The signed token of the previewed files (``staging.stage``); an empty one is refused like an expired one."""

    token = forms.CharField(required=False, widget=forms.HiddenInput)
