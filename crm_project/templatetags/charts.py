from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from crm_project.charts import Chart, segment_class

register = template.Library()


@register.simple_tag
def chart(spec: Chart) -> SafeString:
    """`{% chart spec %}`: the SVG drawing of a spec built in crm_project.charts."""
    return render_to_string(spec.template_name, {"chart": spec})


@register.simple_tag
def chart_table(spec: Chart) -> SafeString:
    """`{% chart_table spec %}`: the same numbers as a table, for screen readers and for reading off."""
    return render_to_string("charts/table.html", {"chart": spec})


register.filter("segment_class", segment_class)
