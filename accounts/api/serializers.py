"""The shape of the customer knowledge base over the API.

Serializers only read and check input; the views hand `validated_data` to the
services in accounts/services.py, which hold every rule and write.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm_project.roles import role_of

from ..models import (
    SEES_ALL,
    AccountTeamMember,
    CompetitorIntel,
    ContactPerson,
    Customer,
    Feedback,
    Household,
    HouseholdMember,
    Interest,
)
from ..services import CUSTOMER_FIELDS

User = get_user_model()

RECORD_TIMESTAMPS = ("created_at", "updated_at")


def _request_user(serializer_field: serializers.Field) -> Any:
    request = serializer_field.context.get("request")
    return getattr(request, "user", None)


class VisibleCustomerField(serializers.PrimaryKeyRelatedField):
    """A customer id among those the user may see: any other id reads as "does not exist"."""

    def get_queryset(self) -> QuerySet[Customer]:
        return Customer.objects.visible_to(_request_user(self))


class VisibleContactField(serializers.PrimaryKeyRelatedField):
    """A contact person id among the customers the user may see; the services check it is the same customer."""

    def get_queryset(self) -> QuerySet[ContactPerson]:
        return ContactPerson.objects.visible_to(_request_user(self))


class AccountTeamMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountTeamMember
        fields = ["user", "role", "can_edit"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text=_(
            "User id of the owner. Only general managers and admins may set it; for everyone else it is "
            "read-only and a new customer belongs to its creator."
        ),
    )
    account_team = AccountTeamMemberSerializer(source="team_members", many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            *CUSTOMER_FIELDS,
            "owner",
            "account_team",
            "tier",
            "archived_at",
            *RECORD_TIMESTAMPS,
        ]
        read_only_fields = ["tier", "archived_at", *RECORD_TIMESTAMPS]
        # Duplicates are refused by services.customer_create/update, which name the
        # existing customer when the user may see it and hide it otherwise.
        extra_kwargs = {field: {"validators": []} for field in ("email", "tax_id", "external_ref")}

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request = self.context.get("request")
        # The schema documents the field as writable (for general managers);
        # at run time it is read-only for every other role.
        generating_schema = getattr(self.context.get("view"), "swagger_fake_view", False)
        if request is not None and not generating_schema and role_of(request.user) not in SEES_ALL:
            fields["owner"].read_only = True
        return fields


class CustomerRecordSerializer(serializers.ModelSerializer):
    """Base for records that belong to one customer, which never changes afterwards."""

    customer = VisibleCustomerField(help_text=_("Id of the customer the record belongs to; it cannot change later."))

    def validate_customer(self, customer: Customer) -> Customer:
        if self.instance is not None and customer.pk != self.instance.customer_id:
            raise serializers.ValidationError(
                _("A record cannot move to another customer. Delete it and record it there again.")
            )
        return customer


class ContactPersonSerializer(CustomerRecordSerializer):
    class Meta:
        model = ContactPerson
        fields = [
            "id",
            "customer",
            "name",
            "job_title",
            "department",
            "email",
            "phone",
            "birthday",
            "decision_role",
            "notes",
            "is_active",
            *RECORD_TIMESTAMPS,
        ]
        read_only_fields = RECORD_TIMESTAMPS


class HouseholdMemberSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(
        required=False,
        help_text=_("Give it to change an existing member of this household; leave it out to add a member."),
    )
    relative_of = VisibleContactField(
        required=False,
        allow_null=True,
        help_text=_("Id of the contact person of the same customer this member is related to; null: the customer."),
    )
    linked_customer = VisibleCustomerField(
        required=False, allow_null=True, help_text=_("Id of a customer this member also is.")
    )
    linked_contact = VisibleContactField(
        required=False, allow_null=True, help_text=_("Id of a contact person this member also is.")
    )

    class Meta:
        model = HouseholdMember
        fields = [
            "id",
            "name",
            "relation",
            "relative_of",
            "birthday",
            "occupation",
            "interests",
            "notes",
            "linked_customer",
            "linked_contact",
        ]


class HouseholdSerializer(CustomerRecordSerializer):
    members = HouseholdMemberSerializer(
        many=True,
        required=False,
        help_text=_(
            "When given, replaces the members: an item with an id changes that member, an item without one "
            "adds a member, and members left out are removed. Left out entirely, the members stay as they are."
        ),
    )

    class Meta:
        model = Household
        fields = ["id", "customer", "name", "address", "members", *RECORD_TIMESTAMPS]
        read_only_fields = RECORD_TIMESTAMPS

    def validate_members(self, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
        existing = set(self.instance.members.values_list("pk", flat=True)) if self.instance is not None else set()
        seen: set[int] = set()
        # Keyed by position, like DRF's own errors for list items.
        errors: dict[int, dict[str, list[str]]] = {}
        for index, member in enumerate(members):
            pk = member.get("id")
            if pk is not None and (pk not in existing or pk in seen):
                errors[index] = {"id": [_("No member with this id in this household (or it is listed twice).")]}
            seen.add(pk)
        if errors:
            raise serializers.ValidationError(errors)
        return members


class InterestSerializer(CustomerRecordSerializer):
    topic = serializers.CharField(
        max_length=100,
        help_text=_("The interest by name, for example golf; names are shared and matched without regard to case."),
    )
    contact = VisibleContactField(
        required=False,
        allow_null=True,
        help_text=_("Id of the contact person of the same customer whose interest it is; null: the customer's."),
    )

    class Meta:
        model = Interest
        fields = ["id", "customer", "contact", "topic", "sentiment", "note", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"sentiment": {"default": Interest.Sentiment.LIKE}}


class FeedbackSerializer(CustomerRecordSerializer):
    contact = VisibleContactField(
        required=False,
        allow_null=True,
        help_text=_("Id of the contact person of the same customer who answered."),
    )

    class Meta:
        model = Feedback
        fields = [
            "id",
            "customer",
            "contact",
            "asked_on",
            "channel",
            "wants",
            "would_buy",
            "likes",
            "dislikes",
            "sentiment",
            "recorded_by",
            *RECORD_TIMESTAMPS,
        ]
        read_only_fields = ["recorded_by", *RECORD_TIMESTAMPS]


class CompetitorIntelSerializer(CustomerRecordSerializer):
    class Meta:
        model = CompetitorIntel
        fields = [
            "id",
            "customer",
            "competitor_brand",
            "product_category",
            "estimated_annual_spend",
            "reason_not_us",
            "what_would_win",
            "last_confirmed_on",
            "recorded_by",
            *RECORD_TIMESTAMPS,
        ]
        read_only_fields = ["recorded_by", *RECORD_TIMESTAMPS]


class IdempotencyConflictSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("Why the Idempotency-Key was refused."))
