from django.contrib.auth import authenticate, get_user_model
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm_project.roles import role_of


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs: dict) -> dict:
        request = self.context["request"]
        # Axes reads and flags the plain HttpRequest, so hand it that one.
        user = authenticate(request=request._request, username=attrs["username"], password=attrs["password"])
        if getattr(request._request, "axes_locked_out", False):
            raise LockedOut()
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with the given username and password.")]},
                code="authorization",
            )
        attrs["user"] = user
        return attrs


class LockedOut(Exception):
    """The username and address are locked out after too many failures."""


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class MeSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(
        help_text="sales_rep, relationship_manager, general_manager, admin or null."
    )
    role_name = serializers.SerializerMethodField(help_text="The role's name in the active language.")
    language = serializers.SerializerMethodField(help_text="The language of this answer: en or id.")

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "first_name", "last_name", "email", "role", "role_name", "language", "last_login"]
        read_only_fields = fields

    def get_role(self, user) -> str | None:
        role = role_of(user)
        return role.slug if role else None

    def get_role_name(self, user) -> str | None:
        role = role_of(user)
        return str(role.label) if role else None

    def get_language(self, user) -> str:
        return get_language()
