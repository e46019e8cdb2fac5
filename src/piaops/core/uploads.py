"""The upload limit, enforced for every page and API endpoint before anything is parsed.

``PIAOPS_MAX_UPLOAD_BYTES`` (20 MB by default) bounds each uploaded file. :class:`UploadLimitMiddleware` runs before
any view, form or importer sees the request:

- a request body larger than any legitimate one (two files at the limit and their form, or a JSON body holding a
  file at the limit in Base64) is refused from its ``Content-Length`` alone, before one byte of it is read;
- a multipart body is then parsed here, with :class:`LimitedUploadHandler` first among the upload handlers: it counts
  each file's bytes as they stream in and stops the parse as soon as one file passes the limit.

The refusal is a 413 with a Japanese message: a small page for the browser (naming the file, with a link back), or
the API's ``{"error": {"code": "too_large", ...}}``. Views keep their own checks (a file read from another source,
the CLI), but none of them is reached with a body over the limit.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme

MULTIPART_SLACK = 1024 * 1024  # the form's other fields and the multipart boundaries
FILES_PER_REQUEST = 2  # the people import takes an organisation file and a staff file


class UploadTooLarge(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def limit() -> int:
    value: int = settings.PIAOPS_MAX_UPLOAD_BYTES
    return value


def json_body_limit() -> int:
    """The largest non-multipart body: a file at the limit in Base64 (4/3 of it) and its JSON."""
    return limit() * 4 // 3 + MULTIPART_SLACK


class LimitedUploadHandler(FileUploadHandler):
    """Counts each uploaded file's bytes and raises :class:`UploadTooLarge` past the limit (the other handlers
    then store what passes, as usual)."""

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self._received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self._received += len(raw_data)
        if self._received > limit():
            raise UploadTooLarge(self.file_name or "")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _message(name: str = "") -> str:
    megabytes = limit() // (1024 * 1024)
    what = f"ファイル「{name}」" if name else "送信されたファイル"
    return f"{what}は大きすぎます（上限 {megabytes} MB）。ファイルを分けるか小さくしてから、もう一度指定してください。"


def too_large_response(request: HttpRequest, name: str = "") -> HttpResponse:
    message = _message(name)
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "too_large", "message": message, "details": []}}, status=413)
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    page = (
        '<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>ファイルが大きすぎます - piaops</title>'
        f'</head><body><main><h1>ファイルが大きすぎます</h1><p role="alert">{html.escape(message)}</p>'
        f'<p><a href="{html.escape(back)}">前の画面に戻る</a></p></main></body></html>'
    )
    return HttpResponse(page, status=413, content_type="text/html; charset=utf-8")


class UploadLimitMiddleware:
    """See the module docstring. Placed before the CSRF middleware, which would otherwise parse the body first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("POST", "PUT", "PATCH"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            multipart = request.content_type == "multipart/form-data"
            largest = limit() * FILES_PER_REQUEST + MULTIPART_SLACK if multipart else json_body_limit()
            if length > largest:
                return too_large_response(request)
            if multipart:
                try:
                    request.FILES  # noqa: B018 - parse now, with LimitedUploadHandler first
                except UploadTooLarge as exc:
                    return too_large_response(request, exc.name)
        return self.get_response(request)
