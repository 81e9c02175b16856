"""Forms of the plan pages: the list's filters, a new plan, the plan's fields, its four
kinds of rows, progress on an approved plan, the GM's decision and action evidence."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from communications.forms import DateTimeLocalInput
from communications.models import Channel, Interaction
from insights.purchase_io import RowProblem, parse_number

from .models import Action, KeyAccount, Objective, RelationshipPlan, Resource, Strategy

User = get_user_model()
AMOUNT_LIMIT = Decimal(10) ** 16
THIS_YEAR = timezone.localdate


def user_label(user: Any) -> str:
    return user.get_full_name() or user.get_username()


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return user_label(obj)


class NumberInput(forms.TextInput):
    """A text box, so that "5.000.000", "5,000,000" and "5000000" are all accepted."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs={"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, Decimal):
            places = 0 if value == value.to_integral_value() else 2
            return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
        return super().format_value(value)


class AmountField(forms.DecimalField):
    """A number as Indonesians and English speakers write it: 5.000.000, 5,000,000, 5000000, 12,5."""

    widget = NumberInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        kwargs.pop("localize", None)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return parse_number(str(value).strip(), places=2, limit=AMOUNT_LIMIT, label=str(self.label or ""))
        except RowProblem as problem:
            raise forms.ValidationError(str(problem), code="invalid") from problem

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # Not <input type=number>: it refuses the thousands separators people type.
        attrs = super().widget_attrs(widget)
        for name in ("min", "max", "step"):
            attrs.pop(name, None)
        return attrs


def _select(form: forms.Form, *names: str) -> None:
    for name in names:
        if name in form.fields:
            form.fields[name].widget.attrs["class"] = "form-select"


# -- the list ----------------------------------------------------------------------------


class PlanFilterForm(forms.Form):
    q = forms.CharField(label=_("Customer"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *RelationshipPlan.Status.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *RelationshipPlan.Kind.choices], required=False
    )
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    rm = UserChoiceField(
        label=_("Relationship manager"), queryset=User.objects.none(), required=False, empty_label=_("All RMs")
    )

    def __init__(self, *args: Any, managers: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rm"].queryset = managers
        self.fields["year"].choices = [("", _("All years")), *((year, year) for year in years)]
        self.fields["q"].widget.attrs.update({"placeholder": _("Search by name"), "type": "search"})
        _select(self, "status", "kind", "year", "rm")

    def selector_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "search": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "kind": data.get("kind") or "",
            "year": data.get("year"),
            "relationship_manager": data.get("rm"),
        }


# -- a new plan --------------------------------------------------------------------------


class LongTermSelect(forms.Select):
    """Each long-term plan says its key account, so that the page offers only the chosen account's."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-key-account"] = instance.key_account_id
            option["attrs"]["data-first"] = instance.start_year
            option["attrs"]["data-last"] = instance.end_year
        return option


class LongTermChoiceField(forms.ModelChoiceField):
    widget = LongTermSelect

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.customer.name} · {obj.years_label} · v{obj.version}"


class KeyAccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.customer.name


def _year_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control"}),
    )


class PlanCreateForm(forms.Form):
    key_account = KeyAccountChoiceField(label=_("Key account"), queryset=KeyAccount.objects.none())
    kind = forms.ChoiceField(
        label=_("Kind of plan"),
        choices=RelationshipPlan.Kind.choices,
        widget=forms.RadioSelect,
        initial=RelationshipPlan.Kind.ANNUAL,
    )
    start_year = _year_field(_("Year"))
    end_year = forms.IntegerField(
        label=_("Last year"),
        min_value=2000,
        max_value=2100,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control"}),
        help_text=_("A long-term plan usually covers three to five years."),
    )
    long_term_plan = LongTermChoiceField(
        label=_("Part of the long-term plan"),
        queryset=RelationshipPlan.objects.none(),
        required=False,
        empty_label=_("The one covering the year (automatic)"),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for a title made from the customer and the years."),
    )
    vision = forms.CharField(
        label=_("Vision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where the relationship should be at the end of the plan."),
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, key_accounts: Any, long_term_plans: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key_account"].queryset = key_accounts
        self.fields["long_term_plan"].queryset = long_term_plans
        self.fields["start_year"].initial = THIS_YEAR().year
        # The page's script relabels the year for the kind chosen.
        self.fields["start_year"].widget.attrs.update(
            {"data-label-annual": _("Year"), "data-label-long_term": _("First year")}
        )
        _select(self, "key_account", "long_term_plan")
        for name in ("title", "vision", "summary"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == RelationshipPlan.Kind.LONG_TERM:
            data["long_term_plan"] = None
            first, last = data.get("start_year"), data.get("end_year")
            if first and not last:
                self.add_error("end_year", _("Give the last year of the long-term plan."))
            elif first and last and last < first:
                self.add_error("end_year", _("The last year cannot be before the first year."))
        else:
            data["end_year"] = None
            data["vision"] = ""
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            "key_account": data["key_account"],
            "kind": data["kind"],
            "start_year": data["start_year"],
            "title": data.get("title") or "",
            "summary": data.get("summary") or "",
        }
        if data["kind"] == RelationshipPlan.Kind.LONG_TERM:
            fields.update(end_year=data["end_year"], vision=data.get("vision") or "")
        elif data.get("long_term_plan"):
            fields["long_term_plan"] = data["long_term_plan"]
        return fields


class CopyPreviousForm(forms.Form):
    key_account = forms.ModelChoiceField(queryset=KeyAccount.objects.none())
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)

    def __init__(self, *args: Any, key_accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key_account"].queryset = key_accounts


# -- the plan's own fields ---------------------------------------------------------------


class PlanFieldsForm(forms.ModelForm):
    class Meta:
        model = RelationshipPlan
        fields = ["title", "start_year", "end_year", "long_term_plan", "vision", "summary"]
        field_classes = {"long_term_plan": LongTermChoiceField}
        widgets = {
            "vision": forms.Textarea(attrs={"rows": 3}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "start_year": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "end_year": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan = self.instance
        if plan.kind == RelationshipPlan.Kind.ANNUAL:
            del self.fields["end_year"], self.fields["vision"]
            self.fields["start_year"].label = _("Year")
            self.fields["long_term_plan"].queryset = (
                RelationshipPlan.objects.latest()
                .filter(key_account_id=plan.key_account_id, kind=RelationshipPlan.Kind.LONG_TERM)
                .select_related("customer")
            )
            self.fields["long_term_plan"].empty_label = _("None")
        else:
            del self.fields["long_term_plan"]
        if plan.version > 1:
            # A revision keeps its years (the service ignores them); say so rather than offer them.
            for name in ("start_year", "end_year"):
                self.fields.pop(name, None)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name == "long_term_plan" else "form-control")

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.instance.kind == RelationshipPlan.Kind.ANNUAL and "start_year" in data:
            data["end_year"] = data["start_year"]
        return data


# -- rows --------------------------------------------------------------------------------


class ItemForm(forms.ModelForm):
    """A row of one of the plan's four lists; the service gets `cleaned_data` as it is."""

    item_type = ""

    def __init__(self, *args: Any, plan: RelationshipPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, (forms.RadioSelect, forms.CheckboxInput)):
                widget.attrs.setdefault("class", "form-control")

    def _post_clean(self) -> None:
        # The service validates the row against the plan (full_clean, links, locking).
        pass

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ObjectiveForm(ItemForm):
    item_type = "objective"

    class Meta:
        model = Objective
        fields = ["title", "metric", "unit", "baseline", "target", "manual_actual"]
        field_classes = {"baseline": AmountField, "target": AmountField, "manual_actual": AmountField}
        widgets = {"title": forms.TextInput(attrs={"placeholder": _("e.g. Grow revenue by a quarter")})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].widget.attrs["data-objective-metric"] = ""
        self.fields["unit"].widget.attrs["placeholder"] = _("e.g. dinners, %, units")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("metric") in Objective.MEASURED:
            data["manual_actual"] = None
            data["unit"] = ""
        return data


class StrategyForm(ItemForm):
    item_type = "strategy"

    class Meta:
        model = Strategy
        fields = ["title", "description"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "title": forms.TextInput(attrs={"placeholder": _("e.g. Become the family's trusted adviser")}),
        }


class ActionForm(ItemForm):
    item_type = "action"

    class Meta:
        model = Action
        fields = ["what", "owner", "due_on", "status", "strategy"]
        field_classes = {"owner": UserChoiceField}
        widgets = {
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "what": forms.TextInput(attrs={"placeholder": _("e.g. Dinner with the owner and his wife")}),
        }

    def __init__(self, *args: Any, owners: Any, strategies: list[Strategy], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["strategy"].queryset = Strategy.objects.filter(plan=self.plan)
        self.fields["strategy"].choices = [("", _("No strategy")), *((s.pk, s.title) for s in strategies)]
        self.fields["strategy"].required = False
        if self.instance.pk is None and not self.is_bound:
            self.initial.setdefault("owner", self.plan.key_account.relationship_manager_id)


class ResourceForm(ItemForm):
    item_type = "resource"

    class Meta:
        model = Resource
        fields = ["kind", "description", "amount", "spent"]
        field_classes = {"amount": AmountField, "spent": AmountField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _("In rupiah: 5.000.000 or 5000000.")
        self.fields["spent"].required = False
        self.fields["amount"].required = True

    def clean_spent(self) -> Decimal:
        return self.cleaned_data.get("spent") or Decimal("0")


ITEM_FORMS: dict[str, type[ItemForm]] = {
    "objective": ObjectiveForm,
    "strategy": StrategyForm,
    "action": ActionForm,
    "resource": ResourceForm,
}


# -- progress on an approved plan --------------------------------------------------------


class ProgressForm(forms.ModelForm):
    def __init__(self, *args: Any, plan: RelationshipPlan | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"
            else:
                field.widget.attrs["class"] = "form-control"

    def _post_clean(self) -> None:
        pass


class ObjectiveActualForm(ProgressForm):
    class Meta:
        model = Objective
        fields = ["manual_actual"]
        field_classes = {"manual_actual": AmountField}


class ActionStatusForm(ProgressForm):
    class Meta:
        model = Action
        fields = ["status"]


class ResourceSpentForm(ProgressForm):
    class Meta:
        model = Resource
        fields = ["spent"]
        field_classes = {"spent": AmountField}

    def clean_spent(self) -> Decimal:
        return self.cleaned_data.get("spent") or Decimal("0")


PROGRESS_FORMS: dict[str, type[ProgressForm]] = {
    "objective": ObjectiveActualForm,
    "action": ActionStatusForm,
    "resource": ResourceSpentForm,
}


# -- the GM's decision -------------------------------------------------------------------


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What should the relationship manager change?"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        required=False,
    )

    def clean_comment(self) -> str:
        comment = self.cleaned_data.get("comment", "").strip()
        if not comment:
            raise forms.ValidationError(_("Tell the relationship manager what to change."))
        return comment


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"),
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        required=False,
    )


# -- evidence ----------------------------------------------------------------------------


class EvidenceLogForm(forms.Form):
    """A visit or call logged from an action: it lands in the customer's communication log."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, widget=forms.RadioSelect)
    occurred_at = forms.DateTimeField(label=_("When"), widget=DateTimeLocalInput(attrs={"class": "form-control"}))
    subject = forms.CharField(
        label=_("Summary"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("What was it about?")}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )
    mark_done = forms.BooleanField(label=_("This completes the action"), required=False, initial=True)

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["channel"].initial = Channel.VISIT
        if not self.is_bound:
            self.initial.setdefault("subject", action.what[:200])

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data = {name: value for name, value in data.items() if value not in ("", None) or name == "mark_done"}
        return data


class InteractionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Interaction) -> str:
        when = timezone.localtime(obj.occurred_at).strftime("%Y-%m-%d")
        return f"{when} · {obj.get_channel_display()} · {obj.subject}"


class EvidenceLinkForm(forms.Form):
    interaction = InteractionChoiceField(
        label=_("Interaction"), queryset=Interaction.objects.none(), widget=forms.RadioSelect, empty_label=None
    )
    mark_done = forms.BooleanField(label=_("This completes the action"), required=False, initial=True)

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [interaction.pk for interaction in choices]
        self.choices = choices
        self.fields["interaction"].queryset = Interaction.objects.filter(pk__in=ids).order_by("-occurred_at")
