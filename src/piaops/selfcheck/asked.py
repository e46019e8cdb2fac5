"""What a checklist asks of a report: the commitments a workplace can check itself, each asked as the question a
unit answers (``assessments.questions``), naming the party when the report names one that is not registered."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from piaops.assessments.models import AssessmentReport, Commitment
from piaops.assessments.questions import as_question
from piaops.assessments.services import PartyResolver
from piaops.assessments.vocab import CommitmentKind
from piaops.selfcheck.models import Category, ChecklistTemplate, TemplateItem
from piaops.tenancy.models import Party

# Commitments a unit cannot check itself: audits are done by the audit team, and measures of other parties
# (J-LIS, contractors, the cloud) are checked through the assurance module.
NOT_UNIT_CHECKABLE = (CommitmentKind.AUDIT,)


def checkable_commitments(report: AssessmentReport) -> list[Commitment]:
    """The report's commitments a workplace can check: the municipality's own measures, not audits, of the sections
    that feed the checklist (``PIAOPS_SELFCHECK_SECTIONS``, default Ⅲ and Ⅳ: most concrete measures stand in Ⅲ)."""
    qs = (
        Commitment.objects.filter(report=report, item__section__number__in=settings.PIAOPS_SELFCHECK_SECTIONS)
        .exclude(kind__in=NOT_UNIT_CHECKABLE)
        .filter(Q(party__isnull=True) | Q(party__kind=Party.Kind.MUNICIPALITY))
        .order_by("order", "id")
    )
    return list(qs)


def items_from_report(template: ChecklistTemplate, report: AssessmentReport) -> list[TemplateItem]:
    """New (unsaved) items of ``template`` for every checkable commitment of ``report``, in the report's order."""
    resolver = PartyResolver(report.municipality)

    def named(c: Commitment) -> str:
        """The party the question names: one the report names that is not registered (so not filtered out as
        another party's) and is not the municipality itself (「【中間サーバー・プラットフォーム】…しているか。」)."""
        if c.party_id is not None or not c.party_name:
            return ""
        kind = resolver.kind_of(name=c.party_name, label=c.block.party_label if c.block else "")
        return "" if kind == Party.Kind.MUNICIPALITY else c.party_name

    return [
        TemplateItem(
            municipality_id=template.municipality_id,
            template=template,
            category=Category.REPORT,
            # Asked as the question a unit answers (「…を実施しているか。」); the admin may reword any item.
            text=as_question(c.text, party=named(c)),
            guidance=f"評価書 {c.item.number_path} {c.item.title}".strip(),
            commitment=c,
            change=c.change if report.previous_id else "",  # marks only mean something on a revision
        )
        for c in Commitment.objects.filter(pk__in=[c.pk for c in checkable_commitments(report)])
        .select_related("item", "block")
        .order_by("order", "id")
    ]
