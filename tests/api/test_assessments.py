"""Assessment reports over the API, tenant-isolated."""

from __future__ import annotations

from piaops.assessments.models import AssessmentReport
from tests.api.conftest import TokenFor
from tests.conftest import World


def test_reports_are_read_and_an_outsider_sees_none(world: World, token_for: TokenFor) -> None:
    report = AssessmentReport.objects.create(municipality=world.a, series="税", title="地方税に関する事務 全項目評価書")
    viewer = token_for(world.viewer_a)
    assert [r["title"] for r in viewer.get("/assessments/reports").json()["items"]] == [report.title]
    assert viewer.get(f"/assessments/reports/{report.pk}").json()["series"] == "税"
    assert viewer.get(f"/assessments/reports/{report.pk}/commitments").json() == {"items": [], "next_cursor": None}
    outsider = token_for(world.user_b)
    assert outsider.get("/assessments/reports").json()["items"] == []
    assert outsider.get(f"/assessments/reports/{report.pk}").status_code == 404
    assert outsider.get(f"/assessments/reports/{report.pk}/commitments").status_code == 404
