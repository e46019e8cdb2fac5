from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import load_workbook

from piaops.audittrail.models import AuditEntry
from piaops.selfcheck.models import Checklist, ChecklistStatus
from piaops.selfcheck.xlsx import FIRST_ROW, META, SHEET
from tests import factories as f
from tests.conftest import World, login
from tests.jobs.runner import job_result
from tests.selfcheck.helpers import make_campaign


@pytest.fixture
def checklists(world: World) -> tuple[Checklist, Checklist]:
    campaign = make_campaign(world.a, [world.tax_a, world.other_a])
    return (
        Checklist.objects.get(campaign=campaign, unit=world.tax_a),
        Checklist.objects.get(campaign=campaign, unit=world.other_a),
    )


def _download(client: Client, checklist: Checklist) -> bytes:
    response = client.get(f"/selfcheck/checklists/{checklist.pk}/checklist.xlsx")
    assert response.status_code == 200
    return response.content


def _fill(data: bytes, values: dict[str, object]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    for ref, value in values.items():
        sheet, cell = ref.split("!") if "!" in ref else (SHEET, ref)
        wb[sheet][cell] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client: Client, checklist: Checklist, data: bytes, name: str = "回答.xlsx") -> str:
    response = client.post(
        f"/selfcheck/checklists/{checklist.pk}/upload/", {"file": SimpleUploadedFile(name, data)}, follow=True
    )
    return response.content.decode()


def _web_save(client: Client, checklist: Checklist, item_id: int, value: str, comment: str = "") -> None:
    """Save one answer on the web page, as loaded now (its version in the form)."""
    body = client.get(f"/selfcheck/checklists/{checklist.pk}/").content.decode()
    version = re.search(r'name="version" value="(\d+)"', body)
    assert version is not None
    data = {"version": version.group(1), f"v{item_id}": value, f"c{item_id}": comment}
    assert client.post(f"/selfcheck/checklists/{checklist.pk}/", data).status_code == 302


def _answers(checklist: Checklist) -> list[tuple[str, str]]:
    return list(checklist.answers.order_by("item__order").values_list("value", "comment"))


def test_the_workbook_has_a_drop_down_protected_cells_and_hidden_ids(
    checklists: tuple[Checklist, Checklist], as_head: Client
) -> None:
    checklist = checklists[0]
    wb = load_workbook(io.BytesIO(_download(as_head, checklist)))
    ws = wb[SHEET]
    assert ws.protection.sheet is True
    assert ws[f"C{FIRST_ROW}"].protection.locked is True
    assert ws[f"D{FIRST_ROW}"].protection.locked is False
    validation = ws.data_validations.dataValidation[0]
    assert validation.formula1 == '"はい,いいえ,該当なし"'
    assert f"D{FIRST_ROW}" in str(validation.sqref)
    assert wb[META].sheet_state == "veryHidden"
    meta = {r[0]: r[1] for r in wb[META].iter_rows(max_row=8, max_col=2, values_only=True)}
    assert meta["checklist"] == checklist.pk and meta["version"] == 1 and meta["checklist_version"] == 1
    assert meta["template"] == checklist.campaign.template_id


def test_a_workbook_filled_offline_is_imported_as_a_draft(
    checklists: tuple[Checklist, Checklist], as_head: Client
) -> None:
    checklist = checklists[0]
    data = _fill(
        _download(as_head, checklist),
        {
            f"D{FIRST_ROW}": "はい",
            f"D{FIRST_ROW + 1}": "いいえ",
            f"E{FIRST_ROW + 1}": "一部の端末が未対応",
            f"F{FIRST_ROW + 1}": "端末を更新する",
            f"G{FIRST_ROW + 1}": dt.datetime(2027, 2, 26),
        },
    )
    body = _upload(as_head, checklist, data)
    assert "を取り込みました" in body
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.DRAFT
    answers = list(checklist.answers.order_by("item__order").values_list("value", "improvement_plan", "target_date"))
    assert answers == [("yes", "", None), ("no", "端末を更新する", dt.date(2027, 2, 26))]
    # the next download carries the answers back
    wb = load_workbook(io.BytesIO(_download(as_head, checklist)))
    assert wb[SHEET][f"D{FIRST_ROW + 1}"].value == "いいえ"


def test_another_units_workbook_is_refused(
    checklists: tuple[Checklist, Checklist], as_head: Client, as_admin: Client
) -> None:
    mine, other = checklists
    data = _fill(_download(as_admin, other), {f"D{FIRST_ROW}": "はい"})
    body = _upload(as_head, mine, data)
    assert "別の所属（保険年金課）の自己点検票です" in body
    assert not mine.answers.exclude(value="").exists() and not other.answers.exclude(value="").exists()


def test_an_old_template_version_is_refused(checklists: tuple[Checklist, Checklist], as_head: Client) -> None:
    checklist = checklists[0]
    data = _fill(_download(as_head, checklist), {f"{META}!B5": 0, f"D{FIRST_ROW}": "はい"})
    body = _upload(as_head, checklist, data)
    assert "自己点検票の版が違います（ファイル: 第0版、現在: 第1版）" in body
    assert not checklist.answers.exclude(value="").exists()


def test_every_bad_cell_is_named_and_nothing_is_saved(checklists: tuple[Checklist, Checklist], as_head: Client) -> None:
    checklist = checklists[0]
    data = _fill(
        _download(as_head, checklist),
        {
            f"C{FIRST_ROW}": "点検項目を書き換えた",
            f"D{FIRST_ROW}": "○",
            f"D{FIRST_ROW + 1}": "いいえ",
            f"E{FIRST_ROW + 1}": "対象者 123456789018 の書類",
            f"G{FIRST_ROW + 1}": "来月",
        },
    )
    body = _upload(as_head, checklist, data, name="税政課.xlsx")
    assert "何も保存していません" in body
    assert f"税政課.xlsx!自己点検票!C{FIRST_ROW}: 点検項目の文が変更されています" in body
    assert f"税政課.xlsx!自己点検票!D{FIRST_ROW}: 回答は「はい」「いいえ」「該当なし」から選んでください" in body
    assert f"税政課.xlsx!自己点検票!E{FIRST_ROW + 1}: 個人番号と思われる12桁の数字" in body
    assert f"税政課.xlsx!自己点検票!F{FIRST_ROW + 1}: 「いいえ」の場合は改善計画を入力してください" in body
    assert f"税政課.xlsx!自己点検票!G{FIRST_ROW + 1}: 改善予定日は日付" in body
    assert "123456789018" not in body
    assert not checklist.answers.exclude(value="").exists()


def test_a_file_that_is_not_a_workbook_is_refused(checklists: tuple[Checklist, Checklist], as_head: Client) -> None:
    body = _upload(as_head, checklists[0], b"not a workbook", name="memo.xlsx")
    assert "Excel ファイル（.xlsx）として読み込めません" in body


def test_read_only_roles_cannot_upload_and_outsiders_get_404(
    checklists: tuple[Checklist, Checklist], as_head: Client, as_viewer: Client, as_outsider: Client
) -> None:
    checklist = checklists[0]
    data = _fill(_download(as_head, checklist), {f"D{FIRST_ROW}": "はい"})
    url = f"/selfcheck/checklists/{checklist.pk}/upload/"
    assert as_viewer.post(url, {"file": SimpleUploadedFile("a.xlsx", data)}).status_code == 403
    assert as_outsider.post(url, {"file": SimpleUploadedFile("a.xlsx", data)}).status_code == 404
    assert as_outsider.get(f"/selfcheck/checklists/{checklist.pk}/checklist.xlsx").status_code == 404
    assert not checklist.answers.exclude(value="").exists()


def test_the_admin_downloads_every_units_workbook_as_one_zip(
    checklists: tuple[Checklist, Checklist], as_admin: Client, as_head: Client
) -> None:
    campaign_id = checklists[0].campaign_id
    response = job_result(as_admin, f"/selfcheck/campaigns/{campaign_id}/jobs/zip/")
    names = zipfile.ZipFile(io.BytesIO(response.getvalue())).namelist()
    assert sorted(names) == ["2026_A210_税政課.xlsx", "2026_A300_保険年金課.xlsx"]
    assert as_head.post(f"/selfcheck/campaigns/{campaign_id}/jobs/zip/").status_code == 403


def test_the_cli_exports_imports_all_or_nothing_and_reports_status(
    checklists: tuple[Checklist, Checklist], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine, other = checklists
    call_command("selfcheck_export_xlsx", str(mine.campaign_id), "--out", str(tmp_path))
    tax = tmp_path / "2026_A210_税政課.xlsx"
    ins = tmp_path / "2026_A300_保険年金課.xlsx"
    tax.write_bytes(_fill(tax.read_bytes(), {f"D{FIRST_ROW}": "はい"}))
    ins.write_bytes(_fill(ins.read_bytes(), {f"D{FIRST_ROW}": "たぶん"}))
    with pytest.raises(CommandError, match="何も取り込みませんでした"):
        call_command("selfcheck_import_xlsx", str(tax), str(ins))
    assert f"2026_A300_保険年金課.xlsx!自己点検票!D{FIRST_ROW}" in capsys.readouterr().err
    assert not mine.answers.exclude(value="").exists()
    ins.write_bytes(_fill(ins.read_bytes(), {f"D{FIRST_ROW}": "該当なし", f"E{FIRST_ROW}": "窓口業務なし"}))
    call_command("selfcheck_import_xlsx", str(tax), str(ins))
    assert mine.answers.filter(value="yes").count() == 1
    assert other.answers.filter(value="na", comment="窓口業務なし").count() == 1
    capsys.readouterr()
    call_command("selfcheck_status", str(mine.campaign_id), "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["draft"] == 2
    assert [(u["unit"], u["status_label"]) for u in data["units"]] == [("税政課", "作成中"), ("保険年金課", "作成中")]


def test_an_upload_after_someone_saved_on_the_web_saves_nothing_and_shows_both(
    world: World, checklists: tuple[Checklist, Checklist], as_head: Client
) -> None:
    """Monday the 所属長 downloads; Tuesday a colleague answers on the web; Wednesday the upload must not overwrite."""
    checklist = checklists[0]
    first, second = checklist.answers.order_by("item__order").values_list("item_id", flat=True)
    downloaded = _download(as_head, checklist)
    staff = login(f.user(world.a, "staff_a", f.Role.UNIT_STAFF, unit=world.tax_a))
    _web_save(staff, checklist, first, "na", "窓口業務なし")
    entries = AuditEntry.objects.count()

    data = _fill(downloaded, {f"D{FIRST_ROW}": "はい", f"D{FIRST_ROW + 1}": "はい"})
    response = as_head.post(
        f"/selfcheck/checklists/{checklist.pk}/upload/", {"file": SimpleUploadedFile("月曜.xlsx", data)}
    )

    assert response.status_code == 409
    body = response.content.decode()
    assert "ダウンロードした後に保存されています" in body
    assert "月曜.xlsx: この自己点検票は、このファイルをダウンロードした後に保存されています" in body
    assert "ファイルの版: 第1版、現在の版: 第2版" in body
    assert re.search(r"最新の内容: 第2版（\d{4}-\d{2}-\d{2} \d{2}:\d{2} staff_aが保存：", body)  # who saved last, when
    table = body[body.index("<table>") : body.index("</table>")]
    assert "窓口業務なし" in table and "ファイルの内容" in table  # No.1: stored 該当なし vs the file's はい
    assert table.count("<tr><td>") == 2  # and No.2: stored 未回答 vs the file's はい
    assert "ダウンロードし直し" in body and "お手元のファイルはそのままです" in body
    assert _answers(checklist) == [("na", "窓口業務なし"), ("", "")]  # the web answers stand
    assert AuditEntry.objects.count() == entries  # the refused upload left no trace of a save
    checklist.refresh_from_db()
    assert checklist.version == 2

    # The form below holds the file's answers at the current version: saving it, having seen both, is the user's
    # explicit choice (the only way the file's answers get in; there is no "upload anyway").
    form_version = re.search(r'name="version" value="(\d+)"', body)
    assert form_version is not None and form_version.group(1) == "2"
    assert re.search(rf'name="v{first}" value="yes" checked', body)
    saved = as_head.post(
        f"/selfcheck/checklists/{checklist.pk}/",
        {"version": "2", f"v{first}": "yes", f"v{second}": "yes"},
    )
    assert saved.status_code == 302
    assert _answers(checklist) == [("yes", ""), ("yes", "")]


def test_an_upload_without_anyone_saving_in_between_is_saved_and_moves_the_version(
    checklists: tuple[Checklist, Checklist], as_head: Client, as_admin: Client
) -> None:
    checklist = checklists[0]
    data = _fill(_download(as_head, checklist), {f"D{FIRST_ROW}": "はい"})
    as_admin.get(f"/selfcheck/checklists/{checklist.pk}/checklist.xlsx")  # someone else's download changes nothing
    assert "を取り込みました" in _upload(as_head, checklist, data)
    assert _answers(checklist)[0] == ("yes", "")
    checklist.refresh_from_db()
    assert checklist.version == 2
    assert AuditEntry.objects.filter(summary__startswith="回答を保存（Excel取込 回答.xlsx").count() == 1


def test_the_same_file_uploaded_again_changes_nothing_but_an_edited_one_conflicts(
    checklists: tuple[Checklist, Checklist], as_head: Client
) -> None:
    """The first upload moved the version. Uploading the same file again would overwrite nothing, so it is no
    conflict; a file edited after that upload cannot be told apart from a colleague's save, so it is one."""
    checklist = checklists[0]
    data = _fill(_download(as_head, checklist), {f"D{FIRST_ROW}": "はい"})
    assert "を取り込みました" in _upload(as_head, checklist, data)
    entries = AuditEntry.objects.count()

    assert "を取り込みました" in _upload(as_head, checklist, data)
    assert AuditEntry.objects.count() == entries  # nothing changed, nothing recorded
    checklist.refresh_from_db()
    assert checklist.version == 2

    edited = _fill(data, {f"D{FIRST_ROW + 1}": "はい"})
    assert "ダウンロードした後に保存されています" in _upload(as_head, checklist, edited)
    assert _answers(checklist) == [("yes", ""), ("", "")]


def test_a_workbook_of_the_format_before_the_version_check_is_refused(
    checklists: tuple[Checklist, Checklist], as_head: Client
) -> None:
    """Refused rather than accepted with a warning: it cannot be told whether someone saved after its download."""
    checklist = checklists[0]
    wb = load_workbook(io.BytesIO(_download(as_head, checklist)))
    wb[META]["B1"] = "piaops-selfcheck-2"
    wb[META].delete_rows(8)  # the checklist_version row did not exist
    wb[SHEET][f"D{FIRST_ROW}"] = "はい"
    out = io.BytesIO()
    wb.save(out)
    body = _upload(as_head, checklist, out.getvalue())
    assert "何も保存していません" in body
    assert "以前の形式の自己点検票のため" in body and "最新の自己点検票をダウンロードし直し" in body
    assert not checklist.answers.exclude(value="").exists()


@pytest.mark.parametrize("cell", ["123456789018", "第1版", -1, 0, 2, 1.5, None])
def test_a_damaged_checklist_version_is_refused_without_echoing_it(
    checklists: tuple[Checklist, Checklist], as_head: Client, cell: object
) -> None:
    """2 is beyond the stored version 1: no download could have written it."""
    checklist = checklists[0]
    data = _fill(_download(as_head, checklist), {f"{META}!B8": cell, f"D{FIRST_ROW}": "はい"})
    body = _upload(as_head, checklist, data)
    assert "様式の情報（自己点検票の版数）が壊れています。ダウンロードし直してください。" in body
    assert "123456789018" not in body
    assert not checklist.answers.exclude(value="").exists()


def test_the_cli_imports_nothing_when_a_checklist_was_saved_after_the_export(
    world: World, checklists: tuple[Checklist, Checklist], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine, other = checklists
    call_command("selfcheck_export_xlsx", str(mine.campaign_id), "--out", str(tmp_path))
    _web_save(
        login(world.head_a), mine, mine.answers.order_by("item__order").values_list("item_id", flat=True)[0], "yes"
    )
    tax = tmp_path / "2026_A210_税政課.xlsx"
    ins = tmp_path / "2026_A300_保険年金課.xlsx"
    tax.write_bytes(_fill(tax.read_bytes(), {f"D{FIRST_ROW}": "該当なし", f"E{FIRST_ROW}": "窓口業務なし"}))
    ins.write_bytes(_fill(ins.read_bytes(), {f"D{FIRST_ROW}": "はい"}))
    with pytest.raises(CommandError, match="何も取り込みませんでした"):
        call_command("selfcheck_import_xlsx", str(ins), str(tax))
    assert (
        "2026_A210_税政課.xlsx: この自己点検票は、このファイルをダウンロードした後に保存されています"
        in capsys.readouterr().err
    )
    assert _answers(mine)[0] == ("yes", "")
    assert not other.answers.exclude(value="").exists()  # the other, valid file is not saved either


@pytest.mark.parametrize("cell", ["令和9年2月26日", "R9.2.26", "2027/2/26", "46444"])
def test_a_target_date_typed_in_wareki_or_as_a_serial_is_read_by_the_one_reader(
    checklists: tuple[Checklist, Checklist], as_head: Client, cell: str
) -> None:
    """Issue 14 §6: the checklist workbook reads 改善予定日 as every other import does (``piaops.lib.dates``)."""
    checklist = checklists[0]
    values = {f"D{FIRST_ROW}": "いいえ", f"E{FIRST_ROW}": "未対応", f"F{FIRST_ROW}": "更新する", f"G{FIRST_ROW}": cell}
    body = _upload(as_head, checklist, _fill(_download(as_head, checklist), values))
    assert "を取り込みました" in body, re.findall(r"<li>([^<]*)</li>", body)
    answer = checklist.answers.order_by("item__order").first()
    assert answer is not None and answer.target_date == dt.date(2027, 2, 26)
