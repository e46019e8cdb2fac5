"""Keyboard use and labels, as a person without a mouse or with a screen reader meets them.

``assert_every_field_labelled`` fails when a visible input, select or textarea has no visible ``<label>`` tied to
it (``for=`` or wrapping). ``type_into`` reaches a field with the Tab key only (failing when Tab never gets there)
and fills it the way the keyboard does: typing text, arrow keys in a select, the space bar on a checkbox.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# Every visible form field in ``scope`` without a visible, non-empty label, described for the failure message.
_UNLABELLED_JS = """
(scope) => {
  const root = document.querySelector(scope) || document;
  // Seen on the screen: rendered (not in a closed <details>, not hidden) and larger than the 1-pixel box of a
  // visually-hidden (screen-reader only) element.
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true}) && r.width > 1 && r.height > 1;
  };
  const fields = root.querySelectorAll('input, select, textarea');
  const bad = [];
  for (const f of fields) {
    const type = (f.getAttribute('type') || '').toLowerCase();
    if (['hidden', 'submit', 'button', 'reset', 'image'].includes(type) || !shown(f)) continue;
    const labels = Array.from(f.labels || []).filter((l) => shown(l) && l.innerText.trim() !== '');
    if (labels.length === 0) bad.push(`${f.tagName.toLowerCase()}[name=${f.name || ''}][id=${f.id || ''}]`);
  }
  return bad;
}
"""


def assert_every_field_labelled(page: Page, scope: str = "main") -> None:
    """Every visible input/select/textarea under ``scope`` has a visible ``<label>`` with text."""
    unlabelled = page.evaluate(_UNLABELLED_JS, scope)
    assert unlabelled == [], f"{page.url}: ラベルのない入力欄 {unlabelled}"


def _focused(page: Page, field: Locator) -> bool:
    return bool(field.evaluate("(el) => el === document.activeElement"))


def tab_to(page: Page, field: Locator, *, limit: int = 200) -> None:
    """Press Tab (from wherever the focus is) until ``field`` has the focus; fail if it never does."""
    for _ in range(limit):
        if _focused(page, field):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{page.url}: Tab キーで {field} に届きません")


def type_into(page: Page, field: Locator, value: str | bool) -> None:
    """Reach ``field`` with Tab and fill it from the keyboard.

    Text fields and textareas: the text is typed (an existing value is selected first and replaced). Selects: arrow
    keys until the option whose label is ``value`` is chosen. Checkboxes: the space bar when the state must change.
    Date fields: the digits in the ja-JP order (year, month, day); ``value`` is ``YYYY-MM-DD``.
    """
    tab_to(page, field)
    tag = field.evaluate("(el) => el.tagName.toLowerCase()")
    kind = (field.get_attribute("type") or "").lower()
    if kind == "checkbox":
        if field.is_checked() != bool(value):
            page.keyboard.press("Space")
        assert field.is_checked() == bool(value)
        return
    assert isinstance(value, str)
    if tag == "select":
        labels = [t.strip() for t in field.locator("option").all_inner_texts()]
        assert value in labels, f"{value} は選択肢にありません: {labels}"
        page.keyboard.press("Home")
        for _ in range(len(labels)):
            if field.evaluate("(el) => el.options[el.selectedIndex]?.text.trim()") == value:
                return
            page.keyboard.press("ArrowDown")
        raise AssertionError(f"矢印キーで {value} を選べません")
    if kind in ("date", "datetime-local"):
        _type_date(page, field, value)
        return
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    assert field.input_value() == value


def _first_part(page: Page, field: Locator) -> None:
    """Put the focus on the first part (年 or 月) of a date field: Shift+Tab out of it, then Tab back in."""
    for _ in range(8):
        if not _focused(page, field):
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert _focused(page, field)


def _type_date(page: Page, field: Locator, value: str) -> None:
    """Type ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM`` part by part.

    Chromium orders the parts by its own UI language, which is en-US (月/日/年, 12-hour clock) where its
    translations (Debian's chromium-l10n) are not installed, and 年/月/日 with a 24-hour clock in Japanese: both
    orders are tried, each from the first part.
    """
    day_part, _, time_part = value.partition("T")
    y, m, d = day_part.split("-")
    ja = [y, "ArrowRight", m + d]
    us = [m + d + y]
    if time_part:
        hh, mm = (int(x) for x in time_part.split(":"))
        ja += [f"{hh:02d}{mm:02d}"]
        us += ["ArrowRight", f"{(hh % 12) or 12:02d}{mm:02d}", "P" if hh >= 12 else "A"]
    for keys in (ja, us):
        _first_part(page, field)
        for k in keys:
            if k.startswith("Arrow"):
                page.keyboard.press(k)
            else:
                page.keyboard.type(k)
        if field.input_value() == value:
            return
    raise AssertionError(f"{value} を入力できません（{field.input_value()}）")


def choose(page: Page, group: Locator, label: str) -> None:
    """In the radio group ``group`` (a fieldset), Tab into it and use the arrow keys until ``label`` is chosen."""
    radios = group.locator("input[type=radio]")
    checked = group.locator("input[type=radio]:checked")
    tab_to(page, checked.first if checked.count() else radios.first)
    for _ in range(radios.count() + 1):
        chosen = group.locator("label", has=page.locator("input:checked"))
        if chosen.count() and chosen.first.inner_text().strip() == label:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"矢印キーで「{label}」を選べません")


def press_submit(page: Page, button: Locator) -> None:
    """Tab to ``button`` and press Enter (the keyboard's way of clicking), then wait for the next page."""
    tab_to(page, button)
    with page.expect_navigation():
        page.keyboard.press("Enter")


# The focused element's focus indicator as drawn: an outline of at least 2px or a box-shadow ring, and the element
# itself on the screen (not a focus that has gone to a hidden element).
_FOCUS_RING_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'nothing has the focus';
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
    || (s.boxShadow && s.boxShadow !== 'none');
  const text = (el.innerText || el.name || '').trim().slice(0, 20);
  const where = `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}[${text}]`;
  if (!ring) return `${where}: no focus ring (outline ${s.outlineStyle} ${s.outlineWidth}, box-shadow ${s.boxShadow})`;
  if (r.width < 1 || r.height < 1) return `${where}: focused but not on the screen`;
  return '';
}
"""


def assert_focus_visible(page: Page) -> None:
    """The element with the keyboard focus shows a focus ring (DADS: a 4px outline with a yellow ring)."""
    problem = page.evaluate(_FOCUS_RING_JS)
    assert problem == "", f"{page.url}: {problem}"


def follow(page: Page, link: Locator) -> None:
    """Tab to ``link`` (its focus ring visible) and press Enter, then wait for the next page."""
    tab_to(page, link)
    assert_focus_visible(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
