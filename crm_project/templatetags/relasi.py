from django import template

from crm_project.formatting import format_money

register = template.Library()


@register.filter
def money(amount, currency: str | None = None) -> str:
    return format_money(amount, currency)
