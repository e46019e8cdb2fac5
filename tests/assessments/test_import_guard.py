"""Report import: every published vector is refused with its line, never echoed, nothing saved."""

from __future__ import annotations

import pytest

from piaops.assessments.models import AssessmentReport
from piaops.assessments.services import ReportImportError, report_import
from piaops.tenancy.models import Work
from tests.assessments.test_import_reference import REFERENCE, work  # noqa: F401 (fixture)
from tests.conftest import World
from tests.samples import VECTORS, not_echoed


@pytest.mark.parametrize("number", VECTORS)
@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_each_vector_is_refused(world: World, work: Work, number: str, encoding: str) -> None:  # noqa: F811
    text = REFERENCE.read_text(encoding="utf-8").replace("自己点検票による確認を行う。", f"番号{number}を確認する。")
    with pytest.raises(ReportImportError) as caught:
        report_import(municipality=world.a, works=[work], data=text.encode(encoding), filename="x.txt", user=None)
    assert "8行目" in caught.value.message and not_echoed(caught.value.message)
    assert not AssessmentReport.objects.exists()
