"""Token authentication for staff calls (kept apart from the views, since
DRF imports it while it is itself being imported)."""

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

# DRF's keys are 40 hex digits.
MAX_TOKEN_LENGTH = 40


class StrictTokenAuthentication(TokenAuthentication):
    """DRF token authentication that refuses a key no token can have.

    A NUL character in the key would otherwise reach PostgreSQL, which
    cannot compare text holding one, and answer 500 instead of 401.
    """

    def authenticate_credentials(self, key: str):
        if "\x00" in key or len(key) > MAX_TOKEN_LENGTH:
            raise AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(key)
