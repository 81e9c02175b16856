"""Input shapes of the programme pages: key accounts, relationship managers, trainings and
job descriptions. Rules live in services.py; these forms only shape and check the input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from crm_project.roles import Role
from insights.models import Segment

from .models import EvaluationCriterion, JobDescription, Metric, RelationshipPlan, Training
from .selectors import NO_PLAN, NO_RM

User = get_user_model()

CERTIFICATE_MAX_BYTES = 10 * 1024 * 1024
CERTIFICATE_TYPES = {
    ".pdf": {"application/pdf"},
    ".png": {"image/png"},
    ".jpg": {"image/jpeg", "image/pjpeg"},
    ".jpeg": {"image/jpeg", "image/pjpeg"},
    ".webp": {"image/webp"},
}
# What a file of each kind starts with: the browser's content type alone is whatever the client says.
CERTIFICATE_MAGIC = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".webp": (b"RIFF",),
}


def person_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs={"class": "form-control", **(attrs or {})}, format="%Y-%m-%d")


def _style(form: forms.Form) -> None:
    """Bootstrap classes on every widget, so the templates render fields one by one."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


def rm_label(user: Any) -> str:
    """ "Rina Wijaya · 2 of 3 key accounts" (the user annotated by selectors.rm_user_list)."""
    profile = getattr(user, "rm_profile", None)
    if profile is None:
        return _("%(name)s · no profile yet") % {"name": person_name(user)}
    full = _(" · full") if user.load >= profile.capacity else ""
    return _("%(name)s · %(load)d of %(capacity)d key accounts%(full)s") % {
        "name": person_name(user),
        "load": user.load,
        "capacity": profile.capacity,
        "full": full,
    }


class RMChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return rm_label(obj)


# -- key accounts ----------------------------------------------------------------------------


class KeyAccountFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    rm = forms.CharField(label=_("Relationship manager"), required=False, max_length=20)
    segment = forms.ChoiceField(label=_("Segment"), required=False, choices=[("", _("All segments")), *Segment.choices])
    plan = forms.ChoiceField(
        label=_("Plan this year"),
        required=False,
        choices=[("", _("Any plan status")), (NO_PLAN, _("No plan yet")), *RelationshipPlan.Status.choices],
    )
    retired = forms.BooleanField(label=_("Retired"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def clean_rm(self) -> str:
        value = self.cleaned_data["rm"].strip()
        if value and value != NO_RM and not value.isdigit():
            raise forms.ValidationError(_("Choose a relationship manager from the list."))
        return value

    def selector_kwargs(self) -> dict[str, Any]:
        """Arguments for selectors.key_account_list; invalid input falls back to no filter."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": data.get("q", "").strip(),
            "rm": data.get("rm", ""),
            "segment": data.get("segment", ""),
            "plan_status": data.get("plan", ""),
            "retired": bool(data.get("retired")),
        }


def default_review_on() -> dt.date:
    today = timezone.localdate()
    month = today.month + 6
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for day in (today.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return today + dt.timedelta(days=182)


class _RaiseCapacityMixin(forms.Form):
    """The explicit "raise capacity to N" checkbox, offered once the service refused a full RM."""

    raise_capacity = forms.BooleanField(label=_("Raise the capacity by one key account"), required=False)

    offered_capacity: int | None = None

    def offer_raise(self, *, rm: Any, load: int) -> None:
        self.offered_capacity = load + 1
        label = _("Raise %(name)s's capacity to %(capacity)d key accounts") % {
            "name": person_name(rm),
            "capacity": load + 1,
        }
        # The bound field was made (and its label copied) while the form was validated.
        self.fields["raise_capacity"].label = self["raise_capacity"].label = label


class NominateForm(_RaiseCapacityMixin):
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.none(),
        error_messages={"invalid_choice": _("Choose an active customer that is not a key account yet.")},
    )
    reason = forms.CharField(
        label=_("Why a key account"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("The GM's reasoning: size, growth, strategic value. Kept in the nomination history."),
    )
    review_on = forms.DateField(
        label=_("Review on"),
        widget=DateInput(),
        help_text=_("When you look at this nomination again. Six months from today by default."),
    )
    relationship_manager = RMChoiceField(
        label=_("Relationship manager"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Assign later"),
        help_text=_("Optional: you can assign one now or later from the key account's page."),
    )
    field_order = ["customer", "reason", "review_on", "relationship_manager", "raise_capacity"]

    def __init__(self, *args: Any, customers: Any, managers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        self.fields["relationship_manager"].queryset = managers
        self.fields["review_on"].initial = default_review_on
        _style(self)

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "customer": data["customer"],
            "reason": data["reason"],
            "review_on": data["review_on"],
            "relationship_manager": data.get("relationship_manager"),
            "raise_capacity": bool(data.get("raise_capacity")),
        }


class AssignForm(_RaiseCapacityMixin):
    relationship_manager = RMChoiceField(
        label=_("Relationship manager"),
        queryset=User.objects.none(),
        error_messages={"required": _("Choose the relationship manager.")},
    )
    reason = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text=_('Kept in the assignment history, e.g. "Speaks the owner\'s language".'),
    )
    field_order = ["relationship_manager", "reason", "raise_capacity"]

    def __init__(self, *args: Any, managers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["relationship_manager"].queryset = managers
        _style(self)


class RetireForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this customer no longer a key account?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("Say why this customer is no longer a key account.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


# -- relationship managers -------------------------------------------------------------------


class RMProfileForm(forms.Form):
    reports_to = forms.ModelChoiceField(label=_("Reports to"), queryset=User.objects.none())
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=50,
        help_text=_("How many active key accounts this relationship manager may hold."),
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    languages = forms.CharField(
        label=_("Languages"), required=False, max_length=200, help_text=_("For example: Bahasa Indonesia, English")
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    job_description = forms.ModelChoiceField(
        label=_("Job description"),
        queryset=JobDescription.objects.none(),
        required=False,
        empty_label=_("None yet"),
    )

    def __init__(self, *args: Any, managers: Any, job_descriptions: Any, load: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reports_to"].queryset = managers
        self.fields["reports_to"].label_from_instance = person_name
        self.fields["job_description"].queryset = job_descriptions
        self.load = load
        _style(self)

    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        if capacity < self.load:
            raise forms.ValidationError(
                _(
                    "This relationship manager already holds %(load)d key accounts; "
                    "reassign some before lowering the capacity below that."
                )
                % {"load": self.load}
            )
        return capacity

    def profile_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in ("reports_to", "capacity", "start_date", "languages", "notes")}


# -- trainings -------------------------------------------------------------------------------


class TrainingForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    course = forms.CharField(label=_("Course"), max_length=200)
    topic = forms.ChoiceField(label=_("Topic"), choices=Training.Topic.choices)
    provider = forms.CharField(label=_("Provider"), max_length=200, required=False)
    completed_on = forms.DateField(label=_("Completed on"), widget=DateInput())
    valid_until = forms.DateField(
        label=_("Valid until"), widget=DateInput(), required=False, help_text=_("Leave empty if it does not expire.")
    )
    certificate = forms.FileField(
        label=_("Certificate"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.webp"}),
        help_text=_("PDF or image (PNG, JPEG, WebP), at most 10 MB."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is None:
            del self.fields["person"]
        else:
            self.fields["person"].queryset = people
            self.fields["person"].label_from_instance = person_name
        _style(self)

    @classmethod
    def initial_from(cls, training: Training) -> dict[str, Any]:
        return {
            "person": training.user_id,
            "course": training.course,
            "topic": training.topic,
            "provider": training.provider,
            "completed_on": training.completed_on,
            "valid_until": training.valid_until,
            "certificate": training.certificate,
            "notes": training.notes,
        }

    def clean_certificate(self) -> Any:
        upload = self.cleaned_data.get("certificate")
        if not isinstance(upload, UploadedFile):
            return upload  # None: unchanged; False: cleared; a stored file: unchanged
        suffix = Path(upload.name).suffix.lower()
        if suffix not in CERTIFICATE_TYPES:
            raise forms.ValidationError(_("Upload the certificate as a PDF or an image (PNG, JPEG or WebP)."))
        if upload.size > CERTIFICATE_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; a certificate may be at most 10 MB.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}"}
            )
        content_type = getattr(upload, "content_type", "") or ""
        head = upload.read(8)
        upload.seek(0)
        if (content_type and content_type not in CERTIFICATE_TYPES[suffix]) or not head.startswith(
            CERTIFICATE_MAGIC[suffix]
        ):
            raise forms.ValidationError(_("This file is not a valid PDF or image; upload the certificate itself."))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        completed, until = data.get("completed_on"), data.get("valid_until")
        if completed and until and until < completed:
            self.add_error("valid_until", _("A training cannot expire before it was completed."))
        if completed and completed > timezone.localdate():
            self.add_error("completed_on", _("Record a training once it is completed."))
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {name: data[name] for name in ("course", "topic", "provider", "completed_on", "valid_until", "notes")}
        certificate = data.get("certificate")
        if certificate is False:
            fields["certificate"] = ""
        elif isinstance(certificate, UploadedFile):
            fields["certificate"] = certificate
        return fields


class TrainingFilterForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = person_name
        self.fields["person"].empty_label = _("Everyone")
        _style(self)


def training_people() -> Any:
    """Whose trainings a GM records: reps, relationship managers and GMs."""
    roles = [Role.SALES_REP.value, Role.RELATIONSHIP_MANAGER.value, Role.GENERAL_MANAGER.value]
    return (
        User.objects.filter(is_active=True, groups__name__in=roles)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# -- job descriptions ------------------------------------------------------------------------


class JobDescriptionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    reports_to = forms.CharField(
        label=_("Reporting line"), max_length=200, help_text=_("Who this role reports to, e.g. General manager.")
    )
    objectives = forms.CharField(label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 4}))
    responsibilities = forms.CharField(label=_("Responsibilities"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    @classmethod
    def initial_from(cls, job_description: JobDescription) -> dict[str, Any]:
        return {name: getattr(job_description, name) for name in cls.base_fields}


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=200)
    description = forms.CharField(label=_("How it is judged"), required=False, widget=forms.Textarea(attrs={"rows": 1}))
    weight = forms.DecimalField(
        label=_("Weight (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "max": "100", "inputmode": "decimal"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=EvaluationCriterion.Kind.choices)
    metric = forms.ChoiceField(label=_("Metric"), required=False, choices=[("", "—"), *Metric.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)
        self.fields["weight"].widget.attrs["class"] = "form-control ka-weight"
        self.fields["kind"].widget.attrs["class"] = "form-select ka-kind"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == EvaluationCriterion.Kind.MEASURED and not data.get("metric"):
            self.add_error("metric", _("Choose the metric that measures this criterion."))
        if data.get("kind") == EvaluationCriterion.Kind.MANUAL:
            data["metric"] = ""
        return data

    def service_row(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in ("name", "description", "weight", "kind", "metric")}


class BaseCriterionFormSet(forms.BaseFormSet):
    def kept_forms(self) -> list[CriterionForm]:
        """The rows to save, in order: filled in and not removed."""
        initial = self.initial_form_count()
        return [
            form
            for index, form in enumerate(self.forms)
            if (index < initial or form.has_changed()) and not self._should_delete_form(form)
        ]


CriterionFormSet = forms.formset_factory(
    CriterionForm, formset=BaseCriterionFormSet, extra=0, can_delete=True, max_num=30, absolute_max=30
)
# A new description starts with one empty row; rows left empty are not saved.
NewCriterionFormSet = forms.formset_factory(
    CriterionForm, formset=BaseCriterionFormSet, extra=1, can_delete=True, max_num=30, absolute_max=30
)


def criteria_initial(job_description: JobDescription) -> list[dict[str, Any]]:
    return [
        {
            "name": criterion.name,
            "description": criterion.description,
            "weight": int(criterion.weight) if criterion.weight == criterion.weight.to_integral() else criterion.weight,
            "kind": criterion.kind,
            "metric": criterion.metric,
        }
        for criterion in job_description.criteria.all()
    ]
