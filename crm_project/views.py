from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from accounts.selectors import customer_counts, upcoming_birthdays
from communications.views_day import day_compact_context, day_context
from relationships import selectors as programme

from . import selectors
from .duties import DUTIES_TITLE, ROLE_DUTIES
from .roles import Role, role_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own dashboard."""
    role = role_of(request.user)
    if role is None:
        return render(request, "dashboards/no_role.html", status=403)
    context: dict = {"role": role, "duties": ROLE_DUTIES[role], "duties_title": DUTIES_TITLE[role]}
    if role in (Role.SALES_REP, Role.RELATIONSHIP_MANAGER, Role.GENERAL_MANAGER):
        context["customer_counts"] = customer_counts(user=request.user)
    if role in (Role.SALES_REP, Role.RELATIONSHIP_MANAGER):
        context["birthdays"] = upcoming_birthdays(user=request.user, days=14)[:8]
    if role is Role.SALES_REP:
        # A rep's home is "my day" (communications:my_day), with their customers beside it.
        context.update(day_context(request.user))
    if role is Role.RELATIONSHIP_MANAGER:
        context.update(day_compact_context(request.user))
        context.update(programme.rm_home_context(request.user))
    if role is Role.GENERAL_MANAGER:
        # The RMs with their load and training (relationships.selectors.rm_user_list): the same
        # single query as crm_project.selectors.relationship_managers, shared by two cards.
        context["relationship_managers"] = programme.rm_user_list()
        context.update(programme.gm_home_context(request.user))
        context["sales_reps"] = selectors.users_in_role(Role.SALES_REP)
    if role is Role.ADMIN:
        context["role_counts"] = selectors.role_counts()
        context["lockouts"] = selectors.recent_lockouts()
    return render(request, f"dashboards/{role.slug}.html", context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: answers without touching the session."""
    return JsonResponse({"status": "ok"})


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error(request: HttpRequest, status: int, template: str, detail: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": detail}, status=status)
    return render(request, template, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "400.html", _("Bad request."))


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "403.html", _("You do not have permission to perform this action."))


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "404.html", _("Not found."))


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors here: whatever broke may be one of them.
    if _is_api(request):
        return JsonResponse({"detail": _("Server error. It has been logged.")}, status=500)
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, 403, "403_csrf.html", _("CSRF verification failed. Reload the page and try again."))
