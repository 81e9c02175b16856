from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from crm_project.roles import Role
from crm_project.tests.factories import UserFactory
from relationships.models import RelationshipManagerProfile
from relationships.services import rm_profile_save

pytestmark = pytest.mark.django_db


def test_rm_profile_reports_to_a_general_manager_with_default_capacity(rm, gm):
    profile = rm_profile_save(user=rm, reports_to=gm, languages="Bahasa Indonesia")
    assert profile.reports_to == gm
    assert profile.capacity == 3
    assert list(gm.direct_reports.values_list("user__username", flat=True)) == [rm.username]


def test_saving_again_updates_the_one_profile(rm, gm):
    rm_profile_save(user=rm, reports_to=gm)
    other_gm = UserFactory(role=Role.GENERAL_MANAGER)
    profile = rm_profile_save(user=rm, reports_to=other_gm, capacity=5, start_date=date(2025, 1, 6))
    assert RelationshipManagerProfile.objects.count() == 1
    assert (profile.reports_to, profile.capacity, profile.start_date) == (other_gm, 5, date(2025, 1, 6))


def test_only_relationship_managers_reporting_to_general_managers(rep, rm, gm):
    with pytest.raises(ValidationError) as not_rm:
        rm_profile_save(user=rep, reports_to=gm)
    assert not_rm.value.message_dict == {
        "user": ["Only a relationship manager can have a relationship manager profile."]
    }
    with pytest.raises(ValidationError) as not_gm:
        rm_profile_save(user=rm, reports_to=rep)
    assert not_gm.value.message_dict == {"reports_to": ["A relationship manager reports to a general manager."]}
    assert not RelationshipManagerProfile.objects.exists()


def test_capacity_must_be_at_least_one(rm, gm):
    with pytest.raises(ValidationError) as error:
        rm_profile_save(user=rm, reports_to=gm, capacity=0)
    assert list(error.value.message_dict) == ["capacity"]


def test_database_refuses_a_manager_of_themselves(rm):
    with pytest.raises(IntegrityError):
        RelationshipManagerProfile.objects.create(user=rm, reports_to=rm)
