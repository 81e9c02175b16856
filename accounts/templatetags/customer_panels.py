from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def panel_url(panel, customer) -> str:
    """The URL of a registered tab or fact for this customer."""
    return reverse(panel.url_name, args=[customer.pk])
