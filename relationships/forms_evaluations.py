"""Input shapes of the evaluation pages. The rules (who, when, which comment is required) live
in services/evaluations.py; these forms only shape and check the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _

from .forms import person_name
from .models import Evaluation
from .periods import Period
from .selectors.evaluations import ScoreRow

SCORE_WORDS = {
    1: _("Poor"),
    2: _("Below expectations"),
    3: _("Meets expectations"),
    4: _("Above expectations"),
    5: _("Outstanding"),
}
COMMENT_MAX = 2000
SUMMARY_MAX = 5000


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect):
            widget.attrs.setdefault("class", "btn-check")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class EvaluatedRMField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        profile = getattr(obj, "rm_profile", None)
        if profile is None:
            return _("%(name)s · no profile yet") % {"name": person_name(obj)}
        if profile.job_description is None:
            return _("%(name)s · no job description yet") % {"name": person_name(obj)}
        return person_name(obj)


class EvaluationStartForm(forms.Form):
    relationship_manager = EvaluatedRMField(
        label=_("Relationship manager"),
        queryset=None,
        empty_label=_("Choose a relationship manager"),
        error_messages={"invalid_choice": _("Choose a relationship manager from the list.")},
    )
    period = forms.ChoiceField(
        label=_("Period"),
        help_text=_("A quarter or a year. The figures of the period are computed first if needed."),
        error_messages={"invalid_choice": _("Choose a period from the list.")},
    )

    def __init__(self, *args: Any, managers: Any, periods: list[tuple[str, list[Period]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["relationship_manager"].queryset = managers
        self.fields["period"].choices = [
            (str(group), [(period.key, period.label) for period in group_periods]) for group, group_periods in periods
        ]
        _style(self)

    def clean_period(self) -> Period:
        try:
            return Period.parse(self.cleaned_data["period"])
        except ValueError as bad:
            raise forms.ValidationError(str(bad)) from bad


class EvaluationFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), required=False)
    relationship_manager = forms.ModelChoiceField(
        label=_("Relationship manager"), queryset=None, required=False, empty_label=_("All RMs")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Evaluation.Status.choices]
    )

    def __init__(self, *args: Any, managers: Any, periods: list[Period], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["relationship_manager"].queryset = managers
        self.fields["relationship_manager"].label_from_instance = person_name
        self.fields["period"].choices = [("", _("All periods")), *[(period.key, period.label) for period in periods]]
        _style(self)
        for field in self.fields.values():
            field.widget.attrs["data-autosubmit"] = ""

    def selector_kwargs(self) -> dict[str, Any]:
        """Arguments for selectors.evaluation_list; invalid input falls back to no filter."""
        data = self.cleaned_data if self.is_valid() else {}
        period = data.get("period") or ""
        return {
            "period": Period.parse(period) if period else None,
            "relationship_manager": data.get("relationship_manager"),
            "status": data.get("status", ""),
        }


class EvaluationScoresForm(forms.Form):
    """One row per criterion: `score_<id>` (1-5 or empty) and `comment_<id>`; and the summary.

    Manual criteria take the score as a radio group, measured ones as a select preset to the
    measured score (a change needs a comment: the service says so at the row)."""

    summary = forms.CharField(
        label=_("Summary for the relationship manager"),
        required=False,
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What went well, what to work on next period. The RM reads it once the evaluation is final."),
    )

    def __init__(self, *args: Any, evaluation: Evaluation, rows: list[ScoreRow], **kwargs: Any) -> None:
        initial = {"summary": evaluation.summary}
        for row in rows:
            initial[f"score_{row.score.pk}"] = row.score.score
            initial[f"comment_{row.score.pk}"] = row.score.comment
        super().__init__(*args, initial=initial, **kwargs)
        self.rows = rows
        for row in rows:
            score = row.score
            choices = [("", _("Not scored"))]
            if score.is_measured:
                choices = [("", "—")]
                for value in range(1, 6):
                    label = f"{value} · {SCORE_WORDS[value]}"
                    if value == score.measured_score:
                        label = _("%(score)s (measured)") % {"score": label}
                    choices.append((str(value), label))
                attrs = {"data-score": "", "data-measured": score.measured_score or ""}
                widget: forms.Widget = forms.Select(attrs=attrs)
            else:
                choices += [(str(value), str(value)) for value in range(1, 6)]
                widget = forms.RadioSelect(attrs={"data-score": "", "autocomplete": "off"})
            self.fields[f"score_{score.pk}"] = forms.TypedChoiceField(
                label=score.name,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                widget=widget,
                error_messages={"invalid_choice": _("Give a score from 1 to 5.")},
            )
            self.fields[f"comment_{score.pk}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=COMMENT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        _style(self)

    def score_rows(self) -> list[tuple[ScoreRow, BoundField, BoundField]]:
        return [(row, self[f"score_{row.score.pk}"], self[f"comment_{row.score.pk}"]) for row in self.rows]

    def service_scores(self) -> dict[int, tuple[int | None, str]]:
        return {
            row.score.pk: (self.cleaned_data[f"score_{row.score.pk}"], self.cleaned_data[f"comment_{row.score.pk}"])
            for row in self.rows
        }
