"""``/api/v1/auth/``: identity endpoints."""

from django.urls import path

from integrations.user_service import views

app_name = "auth"
urlpatterns = [
    path("me/", views.MeView.as_view(), name="auth-me"),
    path("token/", views.TokenObtainView.as_view(), name="auth-token"),
    path("token/refresh/", views.TokenRefreshLocalView.as_view(), name="auth-token-refresh"),
]
