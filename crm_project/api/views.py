from django.contrib.auth import user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from crm_project.auth import lockout_message

from .serializers import LockedOut, MeSerializer, TokenObtainSerializer, TokenSerializer


class TokenView(APIView):
    """Exchange a username and password for an API token (covered by the lockout)."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenObtainSerializer, responses={200: TokenSerializer}, auth=[], tags=["auth"])
    def post(self, request: Request) -> Response:
        serializer = TokenObtainSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except LockedOut:
            return Response({"detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": token.key})


class MeView(generics.RetrieveAPIView):
    """The current user and their role."""

    serializer_class = MeSerializer

    @extend_schema(tags=["auth"])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_object(self):
        return self.request.user
