"""CSV export of the customer list and the CSV import pages; the work is in csv_io.py.

The two forms live here rather than in forms.py because they exist only for
these pages; they check the shape of the input and leave the rules to csv_io.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from . import csv_io
from .forms import CustomerFilterForm
from .models import CustomerImport
from .selectors import customer_list

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
may_import = permission_required("accounts.add_customer", raise_exception=True)


class CustomerImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8, comma or semicolon separated, up to 5 MB. The first line names the columns."),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > csv_io.MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files."),
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(csv_io.MAX_UPLOAD_BYTES)},
                code="too_big",
            )
        self.csv_text = csv_io.csv_decode(upload.read())
        return upload


class CustomerImportMappingForm(forms.Form):
    """One select per column of the file: the customer field it fills, or ignore."""

    def __init__(self, *args: Any, preview: csv_io.ImportPreview, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header = preview.header
        self.samples = preview.samples
        for index, title in enumerate(self.header):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=title,
                choices=csv_io.mapping_choices(),
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-import-mapping": ""}),
            )

    def columns(self) -> list[tuple[forms.BoundField, str]]:
        return [(self[f"column_{index}"], sample) for index, sample in enumerate(self.samples)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.mapping = [cleaned.get(f"column_{index}", "") for index in range(len(self.header))]
        csv_io.mapping_validate(self.mapping, header=self.header)
        return cleaned


def _customer_import_or_404(request: HttpRequest, pk: int) -> CustomerImport:
    try:
        return csv_io.customer_import_get(user=request.user, pk=pk)
    except CustomerImport.DoesNotExist as error:
        raise Http404 from error


@login_required
@require_GET
def customer_export(request: HttpRequest) -> StreamingHttpResponse:
    """The customer list as CSV, with the list page's search, filters and sorting."""
    form = CustomerFilterForm(request.GET, owners=csv_io.customer_export_owners(user=request.user))
    customers = customer_list(user=request.user, **form.selector_kwargs())
    response = StreamingHttpResponse(csv_io.customer_export_csv(customers), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{csv_io.customer_export_filename()}"'
    return response


@login_required
@may_import
@require_http_methods(["GET", "POST"])
def customer_import(request: HttpRequest) -> HttpResponse:
    form = CustomerImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        customer_import = csv_io.customer_import_create(
            by=request.user, file_name=form.cleaned_data["file"].name, upload=form.csv_text
        )
        return redirect(customer_import)
    context = {
        "form": form,
        "recent_imports": csv_io.customer_import_list(user=request.user),
        "sample_headers": csv_io.SAMPLE_HEADERS,
        "step": 1,
    }
    return render(request, "accounts/customer_import.html", context)


@login_required
@may_import
@require_http_methods(["GET", "POST"])
def customer_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2 (check the mapping and the dry run) and step 3 (import), on one URL."""
    customer_import = _customer_import_or_404(request, pk)
    preview = csv_io.customer_import_preview(customer_import)
    initial = {f"column_{index}": field for index, field in enumerate(customer_import.mapping)}
    form = CustomerImportMappingForm(request.POST or None, preview=preview, initial=initial)
    if request.method == "POST" and not customer_import.is_draft:
        messages.info(request, _("This file has already been imported."))
        return redirect(customer_import)
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "import" and form.mapping == customer_import.mapping:
            try:
                csv_io.customer_import_commit(customer_import=customer_import, by=request.user)
            except ValidationError as error:  # a second submit of the same import
                messages.info(request, error.messages[0])
        else:
            csv_io.customer_import_remap(customer_import=customer_import, by=request.user, mapping=form.mapping)
            if request.POST.get("action") == "import":
                messages.warning(request, _("You changed the columns: check the new result, then import."))
        return redirect(customer_import)
    step = 2 if customer_import.is_draft else 3
    context = {"customer_import": customer_import, "preview": preview, "form": form, "step": step}
    return render(request, "accounts/customer_import.html", context)


@login_required
@may_import
@require_GET
def customer_import_rejects(request: HttpRequest, pk: int) -> HttpResponse:
    customer_import = _customer_import_or_404(request, pk)
    response = HttpResponse(csv_io.customer_import_rejects_csv(customer_import), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="{csv_io.customer_import_rejects_filename(customer_import)}"'
    )
    return response
