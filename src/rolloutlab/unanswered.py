"""Why an HTTP request got no answer, in the user's words: requests' exception names mean nothing to a student."""

from __future__ import annotations

import requests

from rolloutlab.i18n import _


def reason(exc: requests.RequestException) -> str:
    """A few translated words: refused, timed out, unknown host, TLS, or that the request failed."""
    said = str(exc)
    if isinstance(exc, requests.Timeout):
        return _("no answer in time")
    if isinstance(exc, requests.exceptions.SSLError):
        return _("the TLS handshake failed")
    if isinstance(exc, requests.ConnectionError) and "NameResolutionError" in said:
        return _("its host name is not known")
    if isinstance(exc, requests.ConnectionError) and "refused" in said:
        return _("connection refused: nothing listens there")
    if isinstance(exc, requests.ConnectionError):
        return _("the connection failed")
    return _("the request failed")
