"""A tiny URLconf of views that fail on purpose, to test the problem-details handler."""

from __future__ import annotations

from django.urls import include, path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ontology.storage.exceptions import HeadMoved


class ItemSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    tags = serializers.ListField(child=serializers.IntegerField())


class EchoView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def post(self, request):  # type: ignore[no-untyped-def]
        payload = ItemSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return Response(payload.validated_data)


class DomainErrorView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get(self, request):  # type: ignore[no-untyped-def]
        raise HeadMoved("Branch 'main' moved.", current="abc")


class BugView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get(self, request):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")


class PrivateView(APIView):
    def get(self, request):  # type: ignore[no-untyped-def]
        return Response({})


def admin_bug(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("a bug in an admin page")


urlpatterns = [
    path("admin/bug/", admin_bug),
    path("api/v1/echo/", EchoView.as_view()),
    path("api/v1/domain-error/", DomainErrorView.as_view()),
    path("api/v1/bug/", BugView.as_view()),
    path("api/v1/private/", PrivateView.as_view()),
    path("", include("oms_project.urls")),
]
handler404 = "oms_project.urls.handler404"
handler500 = "oms_project.urls.handler500"
