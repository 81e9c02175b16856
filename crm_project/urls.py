from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

admin.site.site_header = _("Relasi administration")
admin.site.site_title = _("Relasi admin")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", views.home, name="home"),
    path("customers/", include("accounts.urls")),
    path("contact/", include("communications.urls")),
    path("insights/", include("insights.urls")),
    path("programme/", include("relationships.urls")),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz/", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("crm_project.api.urls", "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api_docs"),
]

handler400 = "crm_project.views.bad_request"
handler403 = "crm_project.views.permission_denied"
handler404 = "crm_project.views.page_not_found"
handler500 = "crm_project.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
