"""searchable() (issue 19 §2): a <select> always gets the filter box; a list of checkboxes gets it only once it is
long (more than LONG_LIST boxes), and in both the box is hidden until the script shows it."""

from __future__ import annotations

import pytest
from django import forms

from piaops.lib.picklist import LONG_LIST, searchable


def _form(widget: type[forms.Widget], n: int) -> forms.Form:
    class F(forms.Form):
        things = forms.MultipleChoiceField(label="x", choices=[(str(i), f"課{i}") for i in range(n)], widget=widget)

    form = F()
    searchable(form.fields["things"])
    return form


@pytest.mark.parametrize(
    ("widget", "n", "filtered"),
    [
        (forms.SelectMultiple, 2, True),
        (forms.CheckboxSelectMultiple, LONG_LIST, False),
        (forms.CheckboxSelectMultiple, LONG_LIST + 1, True),
    ],
)
def test_the_filter_box_is_there_hidden_when_the_list_is_searchable(
    widget: type[forms.Widget], n: int, filtered: bool
) -> None:
    html = str(_form(widget, n)["things"])
    assert ('id="id_things_filter"' in html) is filtered
    if filtered:
        assert '<span class="picklist-filter" hidden>' in html
        assert 'aria-controls="id_things"' in html
    assert html.count('value="') == n  # every choice is still there, without script too


def test_radios_are_refused() -> None:
    with pytest.raises(TypeError):
        _form(forms.RadioSelect, 2)
