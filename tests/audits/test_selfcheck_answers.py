"""The audit page shows, per item, what the audited unit answered in its self-inspection of the same 年度."""

from __future__ import annotations

from django.test import Client

from piaops.assessments.models import AssessmentReport, ReportWork
from piaops.audits import services
from piaops.selfcheck import services as selfcheck
from piaops.selfcheck.models import Checklist
from piaops.selfcheck.services import AnswerInput
from tests.audits.helpers import approved_audit
from tests.conftest import World
from tests.selfcheck.helpers import make_campaign


def test_the_audit_page_shows_the_audited_units_own_self_inspection_answers(world: World, as_auditor: Client) -> None:
    a = approved_audit(world, auditors=[world.auditor_a])
    campaign = make_campaign(world.a, [world.tax_a, world.other_a])  # on the 地方税 report
    report = AssessmentReport.objects.get(municipality=world.a, series="地方税")
    ReportWork.objects.create(municipality=world.a, report=report, work=a.works.get())
    services.audit_start(audit=a)
    commitments = {i.commitment_id for i in a.items.all() if i.commitment_id}
    assert commitments, "the audit's items come from the report's commitments"
    for unit, comment in ((world.tax_a, "税政課は毎月点検している"), (world.other_a, "保険年金課の回答")):
        checklist = Checklist.objects.get(campaign=campaign, unit=unit)
        answer = checklist.answers.filter(item__commitment_id__in=commitments).select_related("item").first()
        assert answer is not None
        selfcheck.checklist_save_answers(checklist=checklist, answers={answer.item_id: AnswerInput("yes", comment)})
    page = as_auditor.get(f"/audits/{a.pk}/").content.decode()
    assert "はい: 税政課は毎月点検している" in page
    assert "保険年金課の回答" not in page  # another unit's answers are not this audit's
