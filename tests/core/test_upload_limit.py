"""The upload limit is enforced before parsing, on every page and API endpoint (``piaops.core.uploads``).

The training-record and door-log pages used to parse a 200 MB CSV for half a minute before refusing it; now the
body is refused from its Content-Length without being read, and a file over the limit inside an acceptable body
stops the parse as soon as it passes the limit.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.test.client import encode_multipart
from pytest_django.fixtures import Settings

from piaops.areas.models import DoorEvent
from piaops.training.models import Record
from tests.areas.conftest import Room, room  # noqa: F401 (fixture)
from tests.conftest import World
from tests.trust import isolation_urls

BOUNDARY = "piaopsboundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


class UnreadBody(io.BytesIO):
    """A request body that fails the test if anyone reads it."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body of a request over the limit was read")

    readline = read


def _post_declaring(client: Client, url: str, length: int, content_type: str = MULTIPART) -> Any:
    return client.generic(
        "POST", url, b"", content_type=content_type, CONTENT_LENGTH=str(length), **{"wsgi.input": UnreadBody()}
    )


@pytest.mark.parametrize("url", ["/training/records/import/", "AREA"])
def test_a_200_mb_upload_to_the_training_and_door_log_pages_is_refused_unread(
    as_admin: Client,
    room: Room,  # noqa: F811
    url: str,
) -> None:
    url = f"/areas/{room.area.pk}/import/" if url == "AREA" else url
    response = _post_declaring(as_admin, url, 200 * 1024 * 1024)
    assert response.status_code == 413
    assert "大きすぎます（上限 20 MB）" in response.content.decode()
    assert not Record.objects.exists() and not DoorEvent.objects.exists()


def _csv_rows(count: int) -> bytes:
    return ("職員番号,研修コード,受講日\n" + "".join(f"{i:06d},C1,2026-05-01\n" for i in range(count))).encode()


@pytest.mark.parametrize(("url", "field"), [("/training/records/import/", "file"), ("AREA", "file")])
def test_a_file_over_the_limit_stops_the_parse_and_names_the_file(
    as_admin: Client,
    room: Room,  # noqa: F811
    settings: Settings,
    url: str,
    field: str,
) -> None:
    settings.PIAOPS_MAX_UPLOAD_BYTES = 4096
    url = f"/areas/{room.area.pk}/import/" if url == "AREA" else url
    big = io.BytesIO(_csv_rows(400))
    big.name = "入退室.csv"
    response = as_admin.post(url, {field: big})
    assert response.status_code == 413
    assert "ファイル「入退室.csv」は大きすぎます" in response.content.decode()
    assert not Record.objects.exists() and not DoorEvent.objects.exists()


def test_every_url_refuses_an_upload_over_the_limit(as_admin: Client, settings: Settings) -> None:
    # The check runs before URL resolution and before any view: every pattern of the project, with any ids.
    settings.PIAOPS_MAX_UPLOAD_BYTES = 1024
    body = encode_multipart(BOUNDARY, {"file": _file("x.csv", b"a" * 2048), "csrfmiddlewaretoken": "x"})
    checked = 0
    for pattern in isolation_urls.url_patterns():
        path = "/" + pattern.route
        for param in pattern.params:
            path = path.replace(f"<int:{param}>", "1").replace(f"<slug:{param}>", "x").replace(f"<str:{param}>", "x")
        if "(?P" in path or "<" in path:
            continue
        response = as_admin.generic("POST", path, body, content_type=MULTIPART)
        assert response.status_code == 413, path
        checked += 1
    assert checked > 100


def _file(name: str, data: bytes) -> Any:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_an_api_body_over_the_limit_is_refused_unread_as_json(world: World) -> None:
    response = _post_declaring(Client(), "/api/v1/training/records/import", 50 * 1024 * 1024, "application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
