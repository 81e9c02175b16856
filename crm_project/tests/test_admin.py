import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.tests.factories import CustomerFactory
from communications.tests.factories import FollowUpFactory, InteractionFactory

pytestmark = pytest.mark.django_db


def test_every_admin_list_and_form_opens(admin_client, rep):
    customer = CustomerFactory(owner=rep)
    InteractionFactory(customer=customer)
    FollowUpFactory(customer=customer)
    opened = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        response = admin_client.get(reverse(f"admin:{info[0]}_{info[1]}_changelist"))
        assert response.status_code == 200, info
        opened.append(info)
    assert ("communications", "cadencerule") in opened and ("accounts", "customer") in opened
    assert admin_client.get(reverse("admin:accounts_customer_change", args=[customer.pk])).status_code == 200


def test_sales_reps_have_no_admin(rep_client):
    response = rep_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
