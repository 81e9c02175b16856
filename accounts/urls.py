from django.urls import include, path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("new/", views.customer_create, name="customer_create"),
    path("birthdays/", views.birthday_list, name="birthday_list"),
    path("<int:pk>/", views.customer_detail, name="customer_detail"),
    path("<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("<int:pk>/archive/", views.customer_archive, name="customer_archive"),
    path("<int:pk>/restore/", views.customer_restore, name="customer_restore"),
    path("<int:pk>/history/", views.customer_history, name="customer_history"),
    path("<int:pk>/team/add/", views.team_add, name="team_add"),
    path("<int:pk>/team/<int:member_pk>/remove/", views.team_remove, name="team_remove"),
    path("<int:pk>/<slug:kind>/add/", views.section_form, name="section_add"),
    path("<int:pk>/<slug:kind>/<int:child_pk>/edit/", views.section_form, name="section_edit"),
    path("<int:pk>/<slug:kind>/<int:child_pk>/delete/", views.section_delete, name="section_delete"),
    path("", include("accounts.urls_io")),
]
