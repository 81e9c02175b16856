"""The purchase upload pages: upload, mapping and dry run, progress, result; the work is in purchase_io.py.

The check and the import run as Celery tasks (in this process in embedded
mode); while one runs, the page polls a small progress fragment with htmx.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import purchase_io
from .forms_io import PurchaseImportMappingForm, PurchaseImportUploadForm
from .models import PurchaseImport

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
may_import = permission_required("insights.add_purchase", raise_exception=True)


def _import_or_404(request: HttpRequest, pk: int, *, light: bool = False) -> PurchaseImport:
    try:
        return purchase_io.purchase_import_get(user=request.user, pk=pk, light=light)
    except PurchaseImport.DoesNotExist as error:
        raise Http404 from error


def _step(purchase_import: PurchaseImport) -> int:
    if purchase_import.status in (PurchaseImport.Status.DONE, PurchaseImport.Status.IMPORTING):
        return 3
    return 2


@login_required
@may_import
@require_http_methods(["GET", "POST"])
def purchase_import(request: HttpRequest) -> HttpResponse:
    """Step 1: upload; below it the user's past imports."""
    form = PurchaseImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        created = purchase_io.purchase_import_create(
            by=request.user,
            file_name=form.cleaned_data["file"].name,
            upload=form.csv_text,
            source=form.cleaned_data["source"],
        )
        return redirect(created)
    context = {
        "form": form,
        "past_imports": purchase_io.purchase_import_list(user=request.user),
        "sample_headers": purchase_io.SAMPLE_HEADERS,
        "step": 1,
    }
    return render(request, "insights/purchase_import.html", context)


@login_required
@may_import
@require_http_methods(["GET", "POST"])
def purchase_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2 (mapping, dry run and its rejected rows) and step 3 (import and result), on one URL."""
    item = _import_or_404(request, pk)
    preview = purchase_io.purchase_import_preview(item)
    initial = {f"column_{index}": name for index, name in enumerate(item.mapping)}
    form = PurchaseImportMappingForm(request.POST or None, preview=preview, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("action") == "import" and form.mapping == item.mapping:
                purchase_io.purchase_import_commit(purchase_import=item)
            else:
                purchase_io.purchase_import_remap(purchase_import=item, mapping=form.mapping)
                if request.POST.get("action") == "import":
                    messages.warning(request, _("You changed the columns: check the new result, then import."))
        except ValidationError as error:  # a second submit, or the file is being processed
            messages.info(request, error.messages[0])
        return redirect(item)
    context = {
        "purchase_import": item,
        "preview": preview,
        "form": form,
        "errors_page": purchase_io.purchase_import_errors_page(item, request.GET.get("page")),
        "step": _step(item),
        "running": item.status in purchase_io.ACTIVE,
        "mapping_open": item.status in purchase_io.CHECKABLE,
    }
    return render(request, "insights/purchase_import_detail.html", context)


@login_required
@may_import
@require_GET
def purchase_import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone, polled every second; once the run is over, the page reloads with the result."""
    item = _import_or_404(request, pk, light=True)
    running = item.status in purchase_io.ACTIVE
    response = render(request, "insights/_purchase_import_progress.html", {"purchase_import": item, "running": running})
    if not running and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@may_import
@require_GET
def purchase_import_rejects(request: HttpRequest, pk: int) -> HttpResponse:
    item = _import_or_404(request, pk)
    response = HttpResponse(purchase_io.purchase_import_rejects_csv(item), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{purchase_io.purchase_import_rejects_filename(item)}"'
    return response
