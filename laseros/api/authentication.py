"""`Authorization: Token <key>`: a named API token (laseros.models.ApiToken, only its hash
stored), or else DRF's one token per user (rest_framework.authtoken), which keeps working for
the clients that have one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from laseros.tokens import token_for_key


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        token = token_for_key(key)
        if token is None:
            return super().authenticate_credentials(key)  # DRF's own token, or "Invalid token."
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
