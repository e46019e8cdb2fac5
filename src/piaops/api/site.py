"""The one ``NinjaAPI`` of piaops, its error format, and the routers the apps contribute.

To add an app: write ``piaops/<app>/api.py`` with ``router = Router(tags=["<app>"])`` (an :class:`ApiModule`) and
append one line to ``ROUTERS`` (the base imports no domain app: the names are loaded by ``piaops.lib.registry``).
ninja's docs page is off (it loads Swagger UI from a CDN); ``/api/v1/docs`` is our own page (``piaops.api.docs``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from piaops.api.framework import ApiError, TokenAuth
from piaops.lib.registry import load
from piaops.lib.versioning import ConflictError

logger = logging.getLogger("piaops.api")


class ApiModule(Protocol):
    """A ``piaops.<app>.api`` module: its operations on one ``Router``."""

    router: Router


ROUTERS: list[tuple[str, str]] = [  # (URL prefix, dotted name of an ApiModule)
    ("/tenancy/", "piaops.tenancy.api"),
    ("/incidents/", "piaops.incidents.api"),
    ("/areas/", "piaops.areas.api"),
    ("/assessments/", "piaops.assessments.api"),
    ("/selfcheck/", "piaops.selfcheck.api"),
    ("/findings/", "piaops.findings.api"),
    ("/audits/", "piaops.audits.api"),
    ("/training/", "piaops.training.api"),
    ("/assurance/", "piaops.assurance.api"),
]

# The error statuses an operation may answer, declared in the OpenAPI document with the one error format (so that
# a client, and schemathesis's conformance checks, know them). Every operation: the request may be malformed (400),
# the token missing or revoked (401), the role or the token's scope short (403), an id unknown or another
# municipality's (404), the token over its rate (429). Writes also: a stale ``version`` (409). Imports (a body with a
# file): the file too large (413) or refused line by line (422).
ERRORS_OF_EVERY_OPERATION = {
    "400": "リクエストの内容に誤りがある",
    "401": "有効なAPIトークンがない",
    "403": "権限またはトークンの範囲が足りない",
    "404": "指定されたものが見つからない（他の団体のものを含む）",
    "429": "リクエストの回数が上限を超えた",
}
ERRORS_OF_WRITES = {"409": "別の更新と競合した（version が古い）"}
ERRORS_OF_IMPORTS = {"413": "ファイルが大きすぎる", "422": "ファイルの内容を取り込めない（行ごとの理由つき）"}
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "機械が読むための種類（not_found, conflict など）"},
                "message": {"type": "string", "description": "日本語の説明"},
                "details": {"type": "array", "items": {}, "description": "項目ごとの誤り（ないときは空）"},
            },
        }
    },
}


class PiaopsAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document declares the error responses (ninja declares only the success)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas["Error"] = ERROR_SCHEMA
        for operations in document["paths"].values():
            for method, operation in operations.items():
                errors = dict(ERRORS_OF_EVERY_OPERATION)
                if method.lower() != "get":
                    errors |= ERRORS_OF_WRITES
                if _takes_a_file(operation, schemas):
                    errors |= ERRORS_OF_IMPORTS
                responses = operation.setdefault("responses", {})
                for status, description in errors.items():
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                        },
                    )
        return document


def _takes_a_file(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether the operation's body is a file to import: ``FileIn`` and the report's text both name the file."""
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ref = str(body.get("$ref", ""))
    fields = schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}) if ref else body.get("properties", {})
    return "file_name" in fields


api = PiaopsAPI(
    title="piaops API",
    version="1",
    description="特定個人情報保護評価の運用記録を読み書きする API。認証は `Authorization: Bearer <APIトークン>`。",
    auth=TokenAuth(),
    docs_url=None,
    openapi_url="/openapi.json",
    urls_namespace="api-v1",
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, details: list[Any] | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message, "details": details or []}}, status=status
    )


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = error_response(request, exc.status, exc.code, exc.message, exc.details)
    for name, value in exc.headers.items():
        response[name] = value
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(
        request, 401, "unauthenticated", "有効なAPIトークンが必要です（失効・期限切れのトークンは使えません）。"
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", "見つかりません。")


@api.exception_handler(ConflictError)
def _conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    """409 with the version the client sent and the stored one (and the stored record when the app gave it)."""
    detail: dict[str, Any] = {
        "field": "version",
        "message": str(exc),
        "your_version": exc.expected,
        "current_version": exc.current,
    }
    if exc.stored is not None:
        detail["current"] = exc.stored
    return error_response(request, 409, "conflict", str(exc), [detail])


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, 403, "forbidden", str(exc) or "この操作を行う権限がありません。")


def _without_input(error: dict[str, Any]) -> dict[str, Any]:
    # pydantic echoes the offending input: never send a value back (it may be a 個人番号).
    return {
        "loc": [str(p) for p in error.get("loc", ())],
        "type": error.get("type", ""),
        "message": error.get("msg", ""),
    }


@api.exception_handler(NinjaValidationError)
def _invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return error_response(
        request,
        400,
        "invalid_request",
        "リクエストの内容に誤りがあります。details の項目を確認してください。",
        [_without_input(e) for e in exc.errors],
    )


@api.exception_handler(DjangoValidationError)
def _invalid_data(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """Model and service validation (including the 個人番号 guard): the Japanese messages, never the values."""
    details: list[dict[str, str | None]]
    if hasattr(exc, "error_dict"):
        details = [{"field": field, "message": m} for field, msgs in exc.message_dict.items() for m in msgs]
    else:
        details = [{"field": None, "message": m} for m in exc.messages]
    message = (
        (details[0]["message"] or "")
        if len(details) == 1
        else "入力内容に誤りがあります。details の項目を確認してください。"
    )
    return error_response(request, 400, "invalid", message, details)


@api.exception_handler(OverflowError)
def _number_out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """A number the database cannot hold (SQLite refuses integers beyond 64 bits; so does date arithmetic past
    year 9999): the request is at fault, not the server."""
    logger.warning("API number out of range on %s %s: %s", request.method, request.path, exc)
    return error_response(
        request,
        400,
        "invalid_request",
        "数値または日付が扱える範囲を超えています（id は 1 から 9223372036854775807 まで）。",
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, "error", "リクエストを処理できませんでした。")


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return error_response(
        request, 500, "server_error", "サーバー内部でエラーが発生しました。管理者に連絡してください。"
    )


@csrf_exempt
def unknown_url(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any URL under ``/api/v1/`` that no operation answers: a 404 in the error format (not Django's HTML page)."""
    return error_response(
        request, 404, "not_found", "このURLのAPIはありません。/api/v1/openapi.json で操作の一覧を確認してください。"
    )


def _json_not_allowed(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """``view`` (one path of the API), with ninja's empty 405 for a method the path does not declare turned into the
    error format, keeping the ``Allow`` header. No operation returns a 405 itself, so only ninja's is converted."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        allowed = ", ".join(sorted(m.strip() for m in response["Allow"].split(",") if m.strip()))
        # The method is not echoed: it is whatever the client sent.
        answer = error_response(
            request,
            405,
            "method_not_allowed",
            f"このURLではこのHTTPメソッドは使えません（使えるメソッド: {allowed}）。",
        )
        answer["Allow"] = allowed
        return answer

    return wrapped


def api_urls() -> tuple[list[Any], str, str]:
    """``api.urls`` (for ``include``), each path answering a wrong method with the JSON 405 of the error format, and
    ``/api/v1/`` itself (ninja's root, an HTML 404 with the docs off) with the JSON 404."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            if pattern.name == "api-root":
                pattern.callback = unknown_url
            else:
                pattern.callback = _json_not_allowed(pattern.callback)
    return patterns, app_name, namespace


for prefix, name in ROUTERS:
    api.add_router(prefix, load(name, ApiModule).router)
