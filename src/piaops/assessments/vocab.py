"""The words of an assessment report that the rest of piaops checks against (pure; importable anywhere)."""

from __future__ import annotations

from django.db import models


class Tier(models.TextChoices):
    BASIC = "basic", "基礎項目評価"
    FOCUSED = "focused", "重点項目評価"
    FULL = "full", "全項目評価"


class Revision(models.TextChoices):
    """The kind of a new version (特定個人情報保護評価に関する規則第11条・第15条、特定個人情報保護評価指針第6):
    a re-assessment (5年を経過する前の再実施) or a re-assessment before a 重要な変更 restart the 5-year clock; a
    修正 (事前・事後の修正, 文言整理) does not."""

    REASSESSMENT = "reassessment", "全項目評価の再実施"
    SIGNIFICANT_CHANGE = "significant_change", "重要な変更による再評価"
    CORRECTION = "correction", "修正（事前・事後、文言整理を含む）"


CLOCK_REVISIONS = (Revision.REASSESSMENT, Revision.SIGNIFICANT_CHANGE)


class CommitmentKind(models.TextChoices):
    SELF_INSPECTION = "self_inspection", "自己点検"
    AUDIT = "audit", "監査"
    TRAINING = "training", "教育・啓発"
    PHYSICAL = "physical", "物理的安全管理"
    THIRD_PARTY = "third_party", "委託先・契約"
    OPERATIONS = "operations", "運用"
    INCIDENT = "incident", "事故対応"
    OTHER = "other", "その他"


class SectionIVRating(models.TextChoices):
    """The three choices of a Section Ⅳ rated item, in the 様式's order."""

    SPECIAL_EFFORT = "special_effort", "特に力を入れて行っている"
    SUFFICIENT = "sufficient", "十分に行っている"
    INSUFFICIENT = "insufficient", "十分に行っていない"


class SectionIIIRating(models.TextChoices):
    SPECIAL_EFFORT = "special_effort", "特に力を入れている"
    SUFFICIENT = "sufficient", "十分である"
    ISSUES = "issues", "課題が残されている"


class FieldKey(models.TextChoices):
    """The labelled fields of Ⅰ/Ⅱ/Ⅴ/Ⅵ piaops reads (``parser.fields.FIELD_KEYS`` says how each is recognised)."""

    BUSINESS_NAME = "business_name", "事務の名称"
    BUSINESS_CONTENT = "business_content", "事務の内容"
    SYSTEM_NAME = "system_name", "システムの名称"
    FILE_NAME = "file_name", "特定個人情報ファイル名"
    SUBJECTS = "subjects", "対象人数"
    PERSONS = "persons", "対象となる本人の数"
    HANDLERS = "handlers", "取扱者数"
    USERS = "users", "使用者数"
    SERIOUS_ACCIDENT = "serious_accident", "重大事故"
    ENTRUSTMENT = "entrustment", "委託の有無"
    ENTRUSTED_MATTER = "entrusted_matter", "委託事項"
    CONTRACTOR = "contractor", "委託先名"
    PROVISION = "provision", "提供・移転の有無"
    RECIPIENT = "recipient", "提供先・移転先"
    DISCLOSURE_OFFICE = "disclosure_office", "開示請求の請求先"
    DISCLOSURE_METHOD = "disclosure_method", "開示請求の請求方法"
    INQUIRY_CONTACT = "inquiry_contact", "問合せの連絡先"
    INQUIRY_HANDLING = "inquiry_handling", "問合せの対応方法"
    THRESHOLD_ON = "threshold_on", "基礎項目評価の実施日"
    THRESHOLD_RESULT = "threshold_result", "しきい値判断結果"
    HEARING_METHOD = "hearing_method", "意見聴取の方法"
    HEARING_PERIOD = "hearing_period", "意見聴取の実施日・期間"
    HEARING_OPINIONS = "hearing_opinions", "主な意見の内容"
    REVIEW_ON = "review_on", "第三者点検の実施日"
    REVIEW_METHOD = "review_method", "第三者点検の方法"
    REVIEW_RESULT = "review_result", "第三者点検の結果"
