"""A commitment of the report, rephrased as the question a unit answers in its 自己点検票 (issue 18 §4).

評価書 state what is done (「…研修を実施することとしている。」); a self-inspection item asks whether it is done
(「…研修を実施しているか。」), as the 個人情報保護委員会's 自己点検 examples do. The rewriter is rule-based and
conservative: it changes only the final predicate, by the first matching row of ``ENDINGS`` (the endings found in
real reports), drops a connective opening (「また、」), and names the party when the measure is not the
municipality's own. A text it cannot read is asked as 「次のことを実施しているか：…」 — never guessed. The admin
edits any item afterwards (自己点検票の点検項目の編集); the rewriter only gives the first wording.
"""

from __future__ import annotations

import re

# Openings that join a sentence to the one before it in the report; alone in a checklist they dangle.
CONNECTIVES = ("また", "なお", "さらに", "更に", "加えて", "あわせて", "併せて", "その上で", "そのうえで", "このほか")
_CONNECTIVE = re.compile(rf"^(?:{'|'.join(CONNECTIVES)})[、，,]\s*")

# Godan verbs ending in る (their て-form is って); every other る-verb is read as ichidan (…て).
GODAN_RU = (
    "図る", "守る", "取る", "送る", "作る", "断る", "限る", "切る", "入る", "帰る", "測る", "諮る", "募る", "預かる",
    "当たる", "関わる", "係る", "至る", "残る", "移る", "渡る", "配る", "絞る", "探る", "頼る", "振る", "則る",
)  # fmt: skip
# Godan て-forms by the verb's last kana (ichidan る and する are handled before this table).
_TE = {
    "う": "って",
    "つ": "って",
    "る": "って",
    "む": "んで",
    "ぶ": "んで",
    "ぬ": "んで",
    "く": "いて",
    "ぐ": "いで",
    "す": "して",
}
_IKU = ("行く",)  # 行く → 行って (not 行いて); 行う is う-godan: 行って too


def progressive(verb_phrase: str) -> str | None:
    """「…を実施する」→「…を実施している」: the phrase's final dictionary-form verb in the ている form; None when the
    phrase does not end in a verb this table knows."""
    if verb_phrase.endswith("する"):
        return verb_phrase[:-2] + "している"
    if verb_phrase.endswith("できる"):
        return verb_phrase + "ようにしている"
    if verb_phrase.endswith("ない"):
        return verb_phrase + "ようにしている"
    if verb_phrase.endswith(_IKU):
        return verb_phrase[:-1] + "っている"
    if verb_phrase.endswith("る"):
        if verb_phrase.endswith(GODAN_RU):
            return verb_phrase[:-1] + "っている"
        return verb_phrase[:-1] + "ている"  # ichidan and passive: 受ける→受けている, 記録される→記録されている
    te = _TE.get(verb_phrase[-1:])
    if te is None:
        return None
    return verb_phrase[:-1] + te + "いる"


# (final predicate, what replaces it); "{v}" is the verb phrase before the predicate in its ている form.
# The first row that matches wins, so longer endings come first.
ENDINGS: tuple[tuple[str, str], ...] = (
    ("ことが定められている", "{v}か"),  # 技術基準により、事業者は…を行うことが定められている
    ("ことを義務付けている", "{v}か"),
    ("こととしている", "{v}か"),  # 研修を実施することとしている
    ("ことにしている", "{v}か"),
    ("ことになっている", "{v}か"),
    ("こととする", "{v}か"),
    ("ものとする", "{v}か"),  # …が対応するものとする
    ("必要がある", "{v}か"),
    ("ている", "ているか"),  # 実現している, 残している, ようにしている
    ("である", "であるか"),
    ("を有する", "を有しているか"),  # 責任を有する
)


def _verb_then(body: str, predicate: str, replacement: str) -> str | None:
    stem = body[: -len(predicate)]
    if "{v}" not in replacement:
        return stem + replacement
    verb = progressive(stem)
    return None if verb is None else replacement.replace("{v}", verb)


def as_question(text: str, *, party: str = "") -> str:
    """``text`` (one commitment) as a yes/no question ending in 「か。」.

    ``party``: the name of the body that takes the measure when it is not the municipality itself (「中間サーバー・
    プラットフォーム」); it is named in front unless the text already names it. A text already phrased as a question
    is returned as it is (with the party).
    """
    body = _CONNECTIVE.sub("", text.strip())
    body = body.rstrip("。．. ")
    if party and party not in body:
        prefix = f"【{party}】"
    else:
        prefix = ""
    if body.endswith(("か", "か？", "か?")):
        return f"{prefix}{body.rstrip('？?')}。"
    question = None
    for predicate, replacement in ENDINGS:
        if body.endswith(predicate):
            question = _verb_then(body, predicate, replacement)
            if question is not None:
                break
    if question is None:
        verb = progressive(body)
        question = f"{verb}か" if verb is not None else f"次のことを実施しているか：{body}"
    return f"{prefix}{question}。"
