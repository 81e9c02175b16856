"""Programme pages under /programme/ (plans are in urls_plans.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("key-accounts/", views.key_account_list, name="key_account_list"),
    path("key-accounts/nominate/", views.key_account_nominate, name="key_account_nominate"),
    path("key-accounts/<int:pk>/", views.key_account_detail, name="key_account_detail"),
    path("key-accounts/<int:pk>/assign/", views.key_account_assign, name="key_account_assign"),
    path("key-accounts/<int:pk>/retire/", views.key_account_retire, name="key_account_retire"),
    path("customers/<int:pk>/key-account/", views.customer_key_account, name="customer_key_account"),
    path("relationship-managers/", views.rm_list, name="rm_list"),
    path("relationship-managers/<int:pk>/", views.rm_detail, name="rm_detail"),
    path("relationship-managers/<int:pk>/edit/", views.rm_edit, name="rm_edit"),
    path("trainings/", views.training_list, name="training_list"),
    path("trainings/new/", views.training_create, name="training_create"),
    path("trainings/<int:pk>/edit/", views.training_edit, name="training_edit"),
    path("trainings/<int:pk>/delete/", views.training_delete, name="training_delete"),
    path("trainings/<int:pk>/certificate/", views.training_certificate, name="training_certificate"),
    path("job-descriptions/", views.job_description_list, name="job_description_list"),
    path("job-descriptions/new/", views.job_description_create, name="job_description_create"),
    path("job-descriptions/<int:pk>/", views.job_description_detail, name="job_description_detail"),
    path("job-descriptions/<int:pk>/edit/", views.job_description_edit, name="job_description_edit"),
]
