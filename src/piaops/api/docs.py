"""The API reference page, rendered by the server from the OpenAPI document itself.

ninja's own docs page loads Swagger UI from a CDN; piaops makes no outside request and runs no inline script, so
``/api/v1/docs`` is an ordinary page of the app: every operation (grouped by tag) with its parameters, request
body and responses, then every schema with its fields. Being built from ``api.get_openapi_schema()``, it cannot
drift from ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REF_PREFIX = "#/components/schemas/"


@dataclass(frozen=True)
class TypeRef:
    """A type as shown: its text, and the schema it names (a link target) if any."""

    text: str
    schema: str = ""


@dataclass(frozen=True)
class Field:
    name: str
    types: list[TypeRef]
    required: bool
    description: str
    location: str = ""  # path / query / header for a parameter


@dataclass(frozen=True)
class Response:
    status: str
    description: str
    types: list[TypeRef]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    anchor: str
    parameters: list[Field]
    body: list[TypeRef]
    responses: list[Response]


@dataclass
class Tag:
    name: str
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class Schema:
    name: str
    description: str
    fields: list[Field]
    enum: list[str]


def types_of(schema: dict[str, Any]) -> list[TypeRef]:
    """The types a JSON schema allows, e.g. ``[UnitOut]``, ``[array of UnitOut]``, ``[string (date), null]``."""
    if ref := schema.get("$ref"):
        name = str(ref).removeprefix(REF_PREFIX)
        return [TypeRef(name, name)]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return [t for part in schema[key] for t in types_of(part)]
    kind = schema.get("type", "")
    if kind == "array":
        return [TypeRef(f"array of {t.text}", t.schema) for t in types_of(schema.get("items", {}))]
    text = str(kind or "any")
    if fmt := schema.get("format"):
        text += f" ({fmt})"
    if "enum" in schema:
        text += ": " + " / ".join(str(v) for v in schema["enum"])
    return [TypeRef(text)]


def _limits(schema: dict[str, Any]) -> str:
    parts = [
        f"{label} {schema[key]}"
        for key, label in (
            ("minimum", "最小"),
            ("maximum", "最大"),
            ("minLength", "最小文字数"),
            ("maxLength", "最大文字数"),
            ("default", "既定値"),
        )
        if key in schema
    ]
    return "（" + "、".join(parts) + "）" if parts else ""


def _content_types(content: dict[str, Any]) -> list[TypeRef]:
    return [t for media in content.values() for t in types_of(media.get("schema", {}))]


def reference(document: dict[str, Any]) -> tuple[list[Tag], list[Schema]]:
    """The document's operations grouped by tag (in the document's order) and its schemas sorted by name."""
    tags: dict[str, Tag] = {}
    for path, operations in document.get("paths", {}).items():
        for method, op in operations.items():
            parameters = [
                Field(
                    name=p["name"],
                    types=types_of(p.get("schema", {})),
                    required=bool(p.get("required")),
                    description=(p.get("description", "") + _limits(p.get("schema", {}))),
                    location=p.get("in", ""),
                )
                for p in op.get("parameters", [])
            ]
            body = _content_types(op.get("requestBody", {}).get("content", {}))
            responses = [
                Response(status, answer.get("description", ""), _content_types(answer.get("content", {})))
                for status, answer in op.get("responses", {}).items()
            ]
            operation = Operation(
                method=method.upper(),
                path=path,
                summary=op.get("summary", ""),
                description=op.get("description", ""),
                anchor=op.get("operationId", f"{method}-{path}"),
                parameters=parameters,
                body=body,
                responses=responses,
            )
            for tag in op.get("tags", ["その他"]):
                tags.setdefault(tag, Tag(tag)).operations.append(operation)
    schemas = []
    for name, schema in sorted(document.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        fields = [
            Field(
                name=prop,
                types=types_of(spec),
                required=prop in required,
                description=spec.get("description", "") + _limits(spec),
            )
            for prop, spec in schema.get("properties", {}).items()
        ]
        enum = [str(v) for v in schema.get("enum", [])]
        schemas.append(Schema(name, schema.get("description", ""), fields, enum))
    return list(tags.values()), schemas
