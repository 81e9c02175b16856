"""The shape of the communication loop over the API.

Serializers only read and check input; the views hand `validated_data` to the
services in communications/services.py, which hold every rule and write.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.api.serializers import VisibleContactField, VisibleCustomerField
from accounts.models import Customer

from ..models import Channel, FollowUp, Interaction, Purpose

User = get_user_model()

# Before 1970 a time zone may still have run on local mean time (Jakarta: +07:07:12), an
# offset that ISO 8601 date-times cannot express; no contact that old is worth logging.
EARLIEST_CONTACT = datetime(1970, 1, 1, tzinfo=UTC)


class CustomerBoundSerializer(serializers.ModelSerializer):
    """Base for records that stay with the customer they were created for."""

    moved_message = _("It cannot move to another customer.")

    customer = VisibleCustomerField(help_text=_("Id of the customer; it cannot change later."))

    def validate_customer(self, customer: Customer) -> Customer:
        if self.instance is not None and customer.pk != self.instance.customer_id:
            raise serializers.ValidationError(self.moved_message)
        return customer


class InteractionSerializer(CustomerBoundSerializer):
    """A contact with a customer: a call, visit, letter, email, web contact or event."""

    moved_message = _("An interaction cannot move to another customer. Log it again for the right one.")

    contacts = VisibleContactField(
        many=True,
        required=False,
        help_text=_("Ids of the customer's contact persons who took part. Left out on an update: unchanged."),
    )
    editable = serializers.SerializerMethodField(
        help_text=_("Whether you may still correct it: only its author, within 48 hours of logging it.")
    )

    class Meta:
        model = Interaction
        fields = [
            "id",
            "customer",
            "contacts",
            "channel",
            "direction",
            "purpose",
            "occurred_at",
            "duration_minutes",
            "subject",
            "notes",
            "outcome",
            "next_step",
            "follow_up_on",
            "location",
            "logged_by",
            "created_at",
            "editable",
        ]
        read_only_fields = ["logged_by", "created_at"]
        extra_kwargs = {
            "occurred_at": {
                "help_text": _("When it took place, from 1970 on; left out: now. It cannot be in the future.")
            },
            "follow_up_on": {
                "help_text": _(
                    "The day to follow up (not before the interaction); on create it plans a follow-up for you."
                )
            },
        }

    def validate_occurred_at(self, occurred_at: datetime) -> datetime:
        if occurred_at < EARLIEST_CONTACT:
            raise serializers.ValidationError(_("Give a moment from 1970 on."))
        return occurred_at

    def get_editable(self, interaction: Interaction) -> bool:
        request = self.context.get("request")
        return request is not None and interaction.editable_by(request.user)


class FollowUpSerializer(CustomerBoundSerializer):
    """Something to do for a customer by a day: planned by hand, from an interaction or by the cadence job."""

    moved_message = _("A follow-up cannot move to another customer. Mark it done and plan one there.")

    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text=_("User id of who is to do it; someone who works with the customer. Left out on create: you."),
    )
    done = serializers.BooleanField(
        source="is_done",
        required=False,
        help_text=_("true marks it done (by you, now); a done follow-up is not reopened."),
    )

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "customer",
            "assignee",
            "due_on",
            "what",
            "source",
            "source_interaction",
            "done",
            "done_at",
            "done_by",
        ]
        read_only_fields = ["source", "source_interaction", "done_at", "done_by"]
        extra_kwargs = {
            "due_on": {"help_text": _("When it is due; moving it earlier than planned cannot go before today.")},
        }


class TimelineQuerySerializer(serializers.Serializer):
    """The timeline's query parameters."""

    channel = serializers.ChoiceField(choices=Channel.choices, required=False, help_text=_("Only this channel."))
    purpose = serializers.ChoiceField(choices=Purpose.choices, required=False, help_text=_("Only this purpose."))


class CadenceStatusSerializer(serializers.Serializer):
    """One customer whose contact is overdue or due soon (selectors.CadenceStatus)."""

    customer = serializers.IntegerField(source="customer.pk", read_only=True, help_text=_("Id of the customer."))
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    # A plain string: an enum here would share the interaction's channel choices across two
    # components, which the schema can only name with ENUM_NAME_OVERRIDES.
    channel = serializers.CharField(
        read_only=True, help_text=_("The channel the rule counts, as on interactions; empty: any contact.")
    )
    max_gap_days = serializers.IntegerField(read_only=True, help_text=_("The longest gap the rule allows."))
    last_contact_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("The last contact the rule counts; null: never.")
    )
    due_on = serializers.DateField(read_only=True, help_text=_("When the next contact is (or was) due."))
    days_overdue = serializers.IntegerField(
        read_only=True, help_text=_("Days past due_on; zero or negative: due today or within the next days.")
    )
