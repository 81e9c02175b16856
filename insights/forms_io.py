"""Forms of the purchase upload: the shape of the input; the rules are in purchase_io.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import purchase_io


class PurchaseImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Comma, semicolon or tab separated, up to 20 MB; UTF-8 or Excel's Windows encoding. "
            "The first line names the columns."
        ),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )
    source = forms.SlugField(
        label=gettext_lazy("Source system"),
        max_length=50,
        initial="csv",
        help_text=gettext_lazy(
            "Where the purchases come from, e.g. erp. Together with the external id (invoice number) it "
            "recognises purchases already imported."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > purchase_io.MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is %(size)s; the limit is %(limit)s. Split it, or ask an administrator to import it."),
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(purchase_io.MAX_UPLOAD_BYTES)},
                code="too_big",
            )
        self.csv_text = purchase_io.csv_decode(upload.read())
        return upload


class PurchaseImportMappingForm(forms.Form):
    """One select per column of the file: the purchase field it fills, or ignore."""

    def __init__(self, *args: Any, preview: purchase_io.ImportPreview, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header = preview.header
        self.samples = preview.samples
        for index, title in enumerate(self.header):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=title,
                choices=purchase_io.mapping_choices(),
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-import-mapping": ""}),
            )

    def columns(self) -> list[tuple[forms.BoundField, str]]:
        return [(self[f"column_{index}"], sample) for index, sample in enumerate(self.samples)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.mapping = [cleaned.get(f"column_{index}", "") for index in range(len(self.header))]
        purchase_io.mapping_validate(self.mapping, header=self.header)
        return cleaned
