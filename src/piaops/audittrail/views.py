"""The audit-log page: admins and auditors browse their municipality's trail, and may export it as CSV."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from piaops.audittrail.forms import AuditFilterForm, object_type_label
from piaops.audittrail.labels import model_of
from piaops.audittrail.models import AuditEntry
from piaops.audittrail.services import record_export
from piaops.lib.dates import japan_time_json
from piaops.lib.mynumber import mask_my_numbers
from piaops.lib.safeexport import csv_writer
from piaops.tenancy.access import Perm, municipality_of, scoped, tenant_view
from piaops.tenancy.models import User

PAGE_SIZE = 50


@dataclass(frozen=True)
class DiffRow:
    field: str
    label: str
    before: str
    after: str
    changed: bool


def _text(value: Any) -> str:
    """A stored before/after value for a reader: instants (stored as UTC ISO text) in Japan time."""
    if value is None:
        return ""
    value = japan_time_json(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# Keys of entries that describe an action rather than a model's fields (exports, imports, transitions), or that
# name no field of the model (its id lists, counts): their Japanese names, so that no raw key reaches the page.
ACTION_KEYS = {
    "format": "形式",
    "rows": "件数",
    "count": "件数",
    "criteria": "条件",
    "bytes": "サイズ（バイト）",
    "filename": "ファイル名",
    "file_name": "ファイル名",
    "file": "ファイル",
    "note": "備考",
    "from": "変更前",
    "to": "変更後",
    "targets": "対象",
    "works": "個人番号利用事務",
    "courses": "研修",
    "alerts": "警告",
    "exception_count": "例外の件数",
    "list_date": "リストの日付",
    "copied_from": "複写元",
    "check": "確認",
}


def _label(object_type: str, key: str) -> str:
    """The field's Japanese name when the model still has it (``unit_id`` → ``所属``), else the name of a known
    action key (``rows`` → ``件数``), else the key."""
    # Any: get_field() may return a relation, which has no verbose_name (the AttributeError below).
    model: Any = model_of(object_type)
    if model is None:
        return ACTION_KEYS.get(key, key)
    for field in model._meta.concrete_fields:
        if key in (field.name, field.attname):
            return str(field.verbose_name)
    try:
        return str(model._meta.get_field(key).verbose_name)
    except (FieldDoesNotExist, AttributeError):
        return ACTION_KEYS.get(key, key)


def diff(entry: AuditEntry) -> list[DiffRow]:
    """One row per key of ``before`` ∪ ``after``; for an update these are exactly the changed fields."""
    before = entry.before if isinstance(entry.before, dict) else ({} if entry.before is None else {"": entry.before})
    after = entry.after if isinstance(entry.after, dict) else ({} if entry.after is None else {"": entry.after})
    rows = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        rows.append(DiffRow(key, _label(entry.object_type, key), _text(old), _text(new), old != new))
    return rows


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, Any]:
    user = request.user
    entries = scoped(user, AuditEntry).select_related("actor")
    users = scoped(user, User)
    form = AuditFilterForm(request.GET or None, entries=entries, users=users)
    return form, form.apply(entries).order_by("-at", "-seq")


@tenant_view(Perm.VIEW_AUDIT_LOG)
def index(request: HttpRequest) -> HttpResponse:
    form, entries = _filtered(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    for key in query:  # the pager's links repeat the filters: never a refused 個人番号
        query.setlist(key, [mask_my_numbers(v) for v in query.getlist(key)])
    return render(
        request,
        "audittrail/index.html",
        {
            "form": form,
            "page": page,
            "rows": [(e, object_type_label(e.object_type) if e.object_type else "", diff(e)) for e in page],
            "query": query.urlencode(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@tenant_view(Perm.VIEW_AUDIT_LOG)
def export_csv(request: HttpRequest) -> HttpResponse:
    """The filtered trail as CSV (UTF-8 with BOM, so Excel opens it in Japanese). The export itself is recorded."""
    form, entries = _filtered(request)
    if request.GET and not form.is_valid():
        return index(request)
    municipality = municipality_of(request.user)
    count = entries.count()
    criteria = {k: v for k, v in request.GET.items() if k != "page" and v}
    record_export(municipality_id=municipality.pk, what="監査証跡", file_format="CSV", rows=count, criteria=criteria)
    writer = csv_writer(_Echo())
    header = [
        "連番",
        "日時",
        "実行者",
        "操作",
        "対象の種類",
        "対象ID",
        "対象",
        "内容",
        "変更前",
        "変更後",
        "接続元",
        "経由したプロキシ",
        "ハッシュ",
    ]

    def rows() -> Any:
        yield "\ufeff" + writer.writerow(header)
        for e in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    e.seq,
                    timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                    e.actor_name,
                    e.get_action_display(),
                    e.object_type,
                    e.object_id,
                    e.object_repr,
                    e.summary,
                    _text(e.before),
                    _text(e.after),
                    e.remote_addr,
                    e.proxy_addr,
                    e.hash,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{municipality.code}-{stamp}.csv"'
    # tenant_view is typed for HttpResponse; Django handles a streaming response the same way.
    return cast(HttpResponse, response)
