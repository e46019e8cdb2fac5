"""What every app's ``api.py`` stands on: token auth, the write guard, cursor pagination and the error format.

An app's ``api.py`` defines ``router = Router(tags=[...])`` with operations that
- read through ``piaops.tenancy.access`` (``scoped``, ``get_or_404``, ``visible_units``) with ``request.user``,
- answer with schemas derived from ``OutSchema`` (read straight from the row; see there),
- list with ``@paginate(CursorPagination)`` over a queryset (stable order by primary key), a related list with
  ``prefetch(...)`` and read it in a resolver with ``related(...)`` — or, for the rows (or one column) of a relation
  as they are, ``resolve_x = related_list(...)``, which a page of columns reads with ``values()`` (see there),
- write only through the app's ``services`` after ``require_write(request, perm, unit=...)``;
- import a file through the app's own importer: ``FileIn`` / ``file_bytes`` for the body, ``import_rejected`` for
  the importer's row errors (422, one detail per line).
Errors are raised, never built by hand: ``ApiError`` for a code of our own, Django's ``Http404`` /
``PermissionDenied`` / ``ValidationError`` for the rest; ``piaops.api.site`` turns each into the one error format.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import inspect
import json
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import ForeignObjectRel
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute, ForwardManyToOneDescriptor
from django.db.models.query_utils import DeferredAttribute
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase
from ninja.schema import DjangoGetter
from ninja.security import HttpBearer
from pydantic import ModelWrapValidatorHandler, ValidationInfo, model_validator

from piaops.api.models import ApiToken, Scope
from piaops.api.services import token_use
from piaops.audittrail.context import request_actor, set_actor
from piaops.lib.fields import MyNumberRefused, guard_text, refuse_my_number
from piaops.tenancy.access import Perm, require
from piaops.tenancy.models import OrgUnit, User

MAX_LIMIT = 200


class ApiError(Exception):
    """An error answered as ``{"error": {"code", "message", "details"}}`` with ``status``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: the token's user becomes ``request.user``, with their roles and tenant."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        # One statement on PostgreSQL: the token, its request counted, row-level security set to its tenant (the
        # middleware resets it after the request) and its user's grants read (``services.token_use``).
        used = token_use(token)
        if used is None:
            return None
        api_token, retry_after = used
        if retry_after is not None:
            raise ApiError(
                429,
                "rate_limited",
                "リクエストの回数が上限を超えました。しばらく待ってから再度お試しください。",
                headers={"Retry-After": str(retry_after)},
            )
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        # The audit trail names the token's user (the session middleware saw an anonymous request).
        name = f"{api_token.user.get_username()}（API）"
        set_actor(request_actor(request, user=api_token.user, name=name))
        return api_token


def api_user(request: HttpRequest) -> User:
    """The token's user (operations run only after ``TokenAuth`` succeeded)."""
    return request.user  # type: ignore[return-value]


def require_write(request: HttpRequest, perm: Perm, *, unit: OrgUnit | None = None) -> None:
    """403 unless the token may write and its user holds ``perm`` (for ``unit`` when given), as on the pages."""
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is None or token.scope != Scope.READ_WRITE:
        raise ApiError(
            403, "forbidden", "このトークンは読み取り専用です。書き込みには読み取り・書き込みのトークンが必要です。"
        )
    require(request.user, perm, unit=unit)


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": pk}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        after = data["after"]
        if not isinstance(after, int) or isinstance(after, bool):
            raise ValueError
        return after
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise ApiError(
            400, "invalid_cursor", "cursor の値が正しくありません。前の応答の next_cursor をそのまま指定してください。"
        ) from exc


# --- output ----------------------------------------------------------------------------------------------------

# Class attributes of a model whose value, read on a row, is the stored value (or the related row): never a manager,
# a callable or a file, so ninja's getter would hand it over unchanged. Exact types: a FileField's descriptor is a
# subclass of DeferredAttribute and answers a FieldFile (ninja turns it into its URL).
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute, ForwardManyToOneDescriptor)
_Plan = tuple[tuple[str, ...], tuple[str, ...]] | None
_plans: dict[tuple[type, type], _Plan] = {}


def _plan(schema: type[Schema], model: type[models.Model]) -> _Plan:
    """How ``schema`` reads a ``model`` row: (fields read as plain attributes, fields of resolvers), or None when
    some field needs ninja's getter (a property, a method, a manager, a file, an alias)."""
    key = (schema, model)
    if key not in _plans:
        resolvers = schema._ninja_resolvers
        plain, resolved = [], []
        plan: _Plan = None
        for name, field in schema.model_fields.items():
            if name in resolvers:
                resolved.append(name)
            elif (
                field.alias is None
                and field.validation_alias is None
                and (type(inspect.getattr_static(model, name, None)) in _PLAIN_DESCRIPTORS)
            ):
                plain.append(name)
            else:
                break
        else:
            plan = (tuple(plain), tuple(resolved))
        _plans[key] = plan
    return _plans[key]


class OutSchema(Schema):
    """Base of every API response schema: the same fields, resolvers and OpenAPI document as ninja's ``Schema``,
    read faster from a model row.

    Ninja reads every field of every row through its Python ``DjangoGetter`` (a lookup, four type checks and a
    call per field): about half the time of a 200-row page of training records. When each field of the schema is
    a column or a forward relation of the row's model, or has a ``resolve_*``, pydantic reads the columns itself
    and only the resolvers run in Python (through ninja's getter, so they answer exactly as before). Any other
    field (a property, a method, a manager, a file) keeps ninja's way for the whole row; so do dicts and other
    objects.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo) -> Any:
        if type(values) is _Row:  # a page read with values() of exactly this schema's columns
            return handler(values)
        if isinstance(values, models.Model) and (plan := _plan(cls, type(values))) is not None:
            plain, resolved = plan
            if not resolved:
                return handler(values)
            getter = DjangoGetter(values, cls, info.context)
            data = {name: getattr(values, name) for name in plain}
            for name in resolved:
                data[name] = getattr(getter, name)
            return handler(data)
        return super()._run_root_validator(values, handler, info)  # type: ignore[operator]  # pydantic's proxy


def prefetch(lookup: str, queryset: models.QuerySet[Any] | None = None) -> models.Prefetch[Any, Any, Any]:
    """``prefetch_related`` of a list's related rows, read back with ``related(row, lookup)`` (for ``"a__b"``:
    ``related(row.a, "b")``).

    The rows land in a plain list: Django's default builds a filtered queryset per row to hold them, which cost
    more than the rest of a 200-row page of people or contracts.
    """
    return models.Prefetch(lookup, queryset=queryset, to_attr=_prefetched(lookup.rsplit("__", 1)[-1]))


def related(row: models.Model, lookup: str) -> list[Any]:
    """The rows of ``lookup`` fetched by ``prefetch(lookup)`` (in its queryset's order); without it, one query."""
    found: list[Any] | None = getattr(row, _prefetched(lookup), None)
    return found if found is not None else list(getattr(row, lookup).all())


def _prefetched(lookup: str) -> str:
    return f"_api_prefetched_{lookup}"


@dataclass(frozen=True)
class RelatedList:
    """What ``related_list`` declares: the rows of ``lookup``, sorted by ``order_by``, each one as the value of
    ``column`` or (``column`` None) as the field's item schema reads it."""

    lookup: str
    column: str | None
    order_by: tuple[str, ...]


def related_list(lookup: str, column: str | None = None, *, order_by: tuple[str, ...] = ("pk",)) -> Any:
    """The resolver of a list field made of the rows of ``lookup`` (a reverse foreign key or a many-to-many of the
    row's model): ``resolve_assignments = related_list("assignments")`` (each row read by the field's item schema),
    ``resolve_work_ids = related_list("works", "pk")`` (each row's ``pk``).

    The rows are sorted by ``order_by`` (columns that compare alike in Python and in SQL: numbers, dates; the last
    one unique, such as ``pk``). Read from a model row, they come from ``related(row, lookup)`` (so from
    ``prefetch(lookup)`` when the queryset has it). A list page whose schema reads only columns and such lists reads
    them with one ``values()`` query per list and page (``value_plan``), without a model instance per row.
    """
    spec = RelatedList(lookup, column, order_by)
    key = operator.attrgetter(*order_by)

    def resolve(obj: models.Model) -> list[Any]:
        rows = sorted(related(obj, lookup), key=key)
        return [getattr(row, column) for row in rows] if column is not None else rows

    resolve.related_list = spec  # type: ignore[attr-defined]
    return staticmethod(resolve)


def _related_list_of(schema: type[Schema], name: str) -> RelatedList | None:
    """The ``related_list`` declaration behind the resolver of field ``name``, if it is one."""
    resolver = inspect.getattr_static(schema, f"resolve_{name}", None)
    func = resolver.__func__ if isinstance(resolver, staticmethod) else resolver
    spec = getattr(func, "related_list", None)
    return spec if isinstance(spec, RelatedList) else None


class _Row(dict[str, Any]):
    """A list row read with ``values()`` under the names of its schema's fields: pydantic validates it as it is."""


def value_columns(schema: type[Schema], model: type[models.Model]) -> tuple[str, ...] | None:
    """The fields of ``schema`` when each one is a column of ``model`` (a value or a foreign key's id) and none has
    a resolver: the rows can then come from ``values()``, without a model instance per row. Else None."""
    plan = _plan(schema, model)
    if plan is None or plan[1]:
        return None
    plain = plan[0]
    simple = (DeferredAttribute, ForeignKeyDeferredAttribute)
    if not all(type(inspect.getattr_static(model, name, None)) in simple for name in plain):
        return None
    return plain


@dataclass(frozen=True)
class _ListPlan:
    """How a page reads one ``related_list`` field with ``values()``: the rows of ``model`` whose ``key`` (the path
    back to the page's model) is one of the page's keys, as ``columns`` (one column: each item is its value; else
    each item is a ``_Row`` of the item schema's ``columns``)."""

    name: str
    spec: RelatedList
    model: type[models.Model]
    key: str
    columns: tuple[str, ...]
    scalar: bool


@dataclass(frozen=True)
class ValuePlan:
    """A list page read with ``values()``: the row's ``columns`` and its related lists."""

    columns: tuple[str, ...]
    lists: tuple[_ListPlan, ...]


_value_plans: dict[tuple[type, type], ValuePlan | None] = {}


def value_plan(schema: type[Schema], model: type[models.Model]) -> ValuePlan | None:
    """How a page of ``model`` rows can be read for ``schema`` with ``values()`` (no model instance per row): each
    field is a column of ``model`` or a ``related_list`` whose rows the item schema reads as columns too (or whose
    ``column`` is one). Else None: the page is read as model instances."""
    key = (schema, model)
    if key not in _value_plans:
        _value_plans[key] = _value_plan(schema, model)
    return _value_plans[key]


def _value_plan(schema: type[Schema], model: type[models.Model]) -> ValuePlan | None:
    plan = _plan(schema, model)
    if plan is None:
        return None
    plain, resolved = plan
    simple = (DeferredAttribute, ForeignKeyDeferredAttribute)
    if not all(type(inspect.getattr_static(model, name, None)) in simple for name in plain):
        return None
    lists = []
    for name in resolved:
        spec = _related_list_of(schema, name)
        found = _list_plan(schema, model, name, spec) if spec is not None else None
        if found is None:
            return None
        lists.append(found)
    return ValuePlan(plain, tuple(lists))


def _list_plan(schema: type[Schema], model: type[models.Model], name: str, spec: RelatedList) -> _ListPlan | None:
    try:
        field = model._meta.get_field(spec.lookup)
    except FieldDoesNotExist:
        return None
    if not (field.one_to_many or field.many_to_many) or field.related_model is None:
        return None
    related_model: type[models.Model] = field.related_model  # type: ignore[assignment]
    if isinstance(field, ForeignObjectRel):  # a reverse foreign key or many-to-many: the forward field leads back
        key = field.field.name
    else:  # a many-to-many of ``model``: its related query name leads back
        key = field.related_query_name()  # type: ignore[union-attr]
        if key.endswith("+"):
            return None
    if spec.column is not None:
        return _ListPlan(name, spec, related_model, key, (spec.column,), scalar=True)
    args: tuple[Any, ...] = getattr(schema.model_fields[name].annotation, "__args__", ())
    item = args[0] if len(args) == 1 else None
    if not (isinstance(item, type) and issubclass(item, Schema)):
        return None
    columns = value_columns(item, related_model)
    if columns is None:
        return None
    return _ListPlan(name, spec, related_model, key, columns, scalar=False)


def _read_lists(plan: ValuePlan, prefetches: dict[str, Any], items: list[_Row], keys: list[Any]) -> None:
    """Fill each related list of the page's ``items`` (whose primary keys are ``keys``): one query per list.

    The rows come from the queryset of the page's ``prefetch(lookup)`` when it has one (so its filters hold), else
    from the related model's default manager, as ``related`` reads them."""
    for lst in plan.lists:
        found: dict[Any, list[Any]] = {k: [] for k in keys}
        prefetched = prefetches.get(lst.spec.lookup)
        base = prefetched if prefetched is not None else lst.model._default_manager.all()
        if keys:
            rows = (
                base.filter(**{f"{lst.key}__in": keys}).order_by(*lst.spec.order_by).values_list(lst.key, *lst.columns)
            )
            if lst.scalar:
                for parent, value in rows:
                    found[parent].append(value)
            else:
                for parent, *values in rows:
                    found[parent].append(_Row(zip(lst.columns, values, strict=True)))
        for item, k in zip(items, keys, strict=True):
            item[lst.name] = found[k]


class CursorPagination(PaginationBase):
    """Opaque cursor over the primary key (a stable order: new rows land at the end, none is seen twice).

    When the item schema reads only columns and ``related_list`` fields (``value_plan``) and the queryset prefetches
    nothing but those lists (``prefetch``), a page is read with ``values()``: one query for the rows and one per
    related list, the same answer without building and reading a model instance per row and related row."""

    class Input(Schema):
        cursor: str | None = Field(None, description="前の応答の next_cursor（最初のページでは省略）")
        limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"1ページの件数（最大 {MAX_LIMIT}）")

    class Output(OutSchema):
        items: list[Any]
        next_cursor: str | None = None

    items_attribute: str = "items"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.item_schema: type[Schema] | None = None
        paginator = self

        class Output(CursorPagination.Output):
            """This operation's ``Output``: ninja derives the paged response from it, which names the item schema."""

            @classmethod
            def __pydantic_init_subclass__(cls, **kw: Any) -> None:
                super().__pydantic_init_subclass__(**kw)
                items = cls.model_fields[paginator.items_attribute].annotation
                args: tuple[Any, ...] = getattr(items, "__args__", ())
                item = args[0] if len(args) == 1 else None
                if isinstance(item, type) and issubclass(item, Schema):
                    paginator.item_schema = item

        self.Output = Output  # type: ignore[misc]

    def paginate_queryset(
        self, queryset: models.QuerySet[Any], pagination: Input, request: HttpRequest | None = None, **params: Any
    ) -> dict[str, Any]:
        plan, prefetches = None, None
        if (
            self.item_schema is not None
            and isinstance(queryset, models.QuerySet)
            and queryset._iterable_class is models.query.ModelIterable
        ):
            plan = value_plan(self.item_schema, queryset.model)
            if plan is not None:
                prefetches = _list_prefetches(plan, queryset)
        if plan is None or prefetches is None:
            rows, next_cursor = cursor_page(queryset, cursor=pagination.cursor, limit=pagination.limit)
            return {"items": rows, "next_cursor": next_cursor}
        qs = queryset.prefetch_related(None).order_by("pk")
        if pagination.cursor:
            qs = qs.filter(pk__gt=decode_cursor(pagination.cursor))
        columns = plan.columns
        found = list(qs.values_list("pk", *columns)[: pagination.limit + 1])
        more = len(found) > pagination.limit
        found = found[: pagination.limit]
        items = [_Row(zip(columns, row[1:], strict=True)) for row in found]
        if plan.lists:
            _read_lists(plan, prefetches, items, [row[0] for row in found])
        return {"items": items, "next_cursor": encode_cursor(found[-1][0]) if more and found else None}


def _list_prefetches(plan: ValuePlan, queryset: models.QuerySet[Any]) -> dict[str, Any] | None:
    """The querysets of ``queryset``'s prefetches by lookup when each is a ``prefetch(lookup)`` of one of ``plan``'s
    related lists (its queryset or None); None when it prefetches anything else (the page then reads instances)."""
    lookups = {lst.spec.lookup for lst in plan.lists}
    found: dict[str, Any] = {}
    for lookup in getattr(queryset, "_prefetch_related_lookups", ()):
        if not (
            isinstance(lookup, models.Prefetch)
            and lookup.prefetch_through in lookups
            and lookup.to_attr == _prefetched(lookup.prefetch_through)
        ):
            return None
        found[lookup.prefetch_through] = lookup.queryset
    return found


def cursor_page(queryset: models.QuerySet[Any], *, cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    """One page of ``queryset`` in primary-key order and the cursor of the next page (None on the last one).

    For operations that add computed data to each row of a page (``@paginate`` could not), with the same cursor.
    """
    qs = queryset.order_by("pk")
    if cursor:
        qs = qs.filter(pk__gt=decode_cursor(cursor))
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].pk) if more and rows else None


# --- dates -----------------------------------------------------------------------------------------------------

EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2100, 12, 31)


def check_day(value: dt.date | None, field: str) -> None:
    """400 for a day outside 1900–2100: deadlines are computed from it, and year 9999 plus a month overflows."""
    if value is not None and not EARLIEST_DAY <= value <= LATEST_DAY:
        message = f"{field} は {EARLIEST_DAY.isoformat()} から {LATEST_DAY.isoformat()} までの日付にしてください。"
        raise ApiError(400, "invalid", message, [{"field": field, "message": message}])


# --- imports ---------------------------------------------------------------------------------------------------


def file_bytes(payload: FileIn) -> bytes:
    """The bytes of the file in ``payload`` (exactly one of ``content`` / ``content_base64``), within the size limit.

    The file name is stored with the import, so it is checked for a 個人番号 like any text field.
    """
    refuse_my_number(payload.file_name, field_label="file_name")
    if (payload.content is None) == (payload.content_base64 is None):
        message = "content（テキスト）か content_base64（Base64）のどちらか一方にファイルの内容を指定してください。"
        raise ApiError(400, "invalid", message, [{"field": "content", "message": message}])
    if payload.content is not None:
        data = payload.content.encode("utf-8")
    else:
        try:
            data = base64.b64decode(payload.content_base64 or "", validate=True)
        except (binascii.Error, ValueError) as exc:
            message = "content_base64 を Base64 として読めません。"
            raise ApiError(400, "invalid", message, [{"field": "content_base64", "message": message}]) from exc
    if len(data) > settings.PIAOPS_MAX_UPLOAD_BYTES:
        limit = settings.PIAOPS_MAX_UPLOAD_BYTES
        raise ApiError(413, "too_large", f"ファイルが大きすぎます（上限 {limit:,} バイト）。")
    return data


_LINE = re.compile(r"^\s*(\d+)行目")


def import_rejected(errors: Iterable[Any], *, total: int | None = None) -> ApiError:
    """422 listing every problem of a refused import: ``details`` = ``[{"line": n or null, "message": ...}]``.

    ``errors`` are the importer's own: Japanese sentences that start with「N行目」, or objects with ``line`` and
    ``message`` (line 0 = the file as a whole).
    """
    details: list[dict[str, Any]] = []
    for error in errors:
        if hasattr(error, "line") and hasattr(error, "message"):
            details.append({"line": error.line or None, "message": str(error)})
            continue
        text = str(error)
        found = _LINE.match(text)
        details.append({"line": int(found.group(1)) if found else None, "message": text})
    count = total if total is not None else len(details)
    first = details[0]["message"] if details else ""
    message = (
        first
        if count == 1
        else f"取り込めません（誤り {count} 件）。details の各行を直してから、もう一度送ってください。"
    )
    return ApiError(422, "import_rejected", message or "取り込めません。", details)


class GuardedSchema(Schema):
    """Base of every API input with text: each ``str`` field (also optional, and each item of a ``list[str]``)
    refuses a 個人番号 — or masks it under ``PIAOPS_MYNUMBER_POLICY=mask`` — before the operation runs.

    The refusal is a Django ``ValidationError`` keyed by the field, so the answer is the one error format's
    ``invalid`` with the field's ``title`` (else its name) in the Japanese message and never the value.
    ``tests/lib/test_every_input_is_guarded.py`` proves every input schema of the API is one of these.
    """

    # Fields whose text an importer scans itself (with line/cell numbers in its message); listed in the test too.
    unguarded_fields: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _guard_my_numbers(self) -> GuardedSchema:
        for name, field in type(self).model_fields.items():
            if name in self.unguarded_fields:
                continue
            value = getattr(self, name, None)
            label = field.title or name
            try:
                if isinstance(value, str):
                    setattr(self, name, guard_text(value, field_label=label))
                elif isinstance(value, list):
                    setattr(self, name, [guard_text(v, field_label=label) if isinstance(v, str) else v for v in value])
            except MyNumberRefused as exc:
                raise DjangoValidationError({name: exc.messages}) from None
        return self


class FileIn(GuardedSchema):
    """A file to import, sent as text (``content``, UTF-8) or as bytes (``content_base64``: CP932 CSV, XLSX…).

    ``dry_run`` checks every row and answers what would be saved, without saving. Otherwise all rows are saved or,
    at the first bad row, none: the answer lists every bad row with its line number.
    """

    file_name: str = Field("import.csv", min_length=1, max_length=255, description="ファイル名（形式の判定と記録用）")
    content: str | None = Field(None, description="ファイルの内容（テキスト）")
    content_base64: str | None = Field(None, description="ファイルの内容（Base64。XLSX や Shift_JIS の CSV）")
    # The file's content is scanned by the importer itself, which names the line or cell of a 個人番号.
    unguarded_fields: ClassVar[frozenset[str]] = frozenset({"content", "content_base64"})

    dry_run: bool = Field(False, description="true なら検査だけして保存しない")
