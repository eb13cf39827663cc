"""Why an HTTP request got no answer, in the user's words: requests' exception names mean nothing to a student.

A recording keeps the short code (`kind`); what is shown is its translation (`describe`)."""

from __future__ import annotations

import requests

from rolloutlab.i18n import N_, _

WORDS = {
    "timeout": N_("no answer in time"),
    "tls": N_("the TLS handshake failed"),
    "unknown-host": N_("its host name is not known"),
    "refused": N_("connection refused: nothing listens there"),
    "connection": N_("the connection failed"),
    "failed": N_("the request failed"),
}
# Recordings made before these codes kept the exception's name.
OLD_NAMES = {"ConnectionError": "connection", "ConnectTimeout": "timeout", "ReadTimeout": "timeout",
             "Timeout": "timeout", "SSLError": "tls"}  # fmt: skip


def kind(exc: requests.RequestException) -> str:
    """A short code for what went wrong: timeout, tls, unknown-host, refused, connection or failed."""
    said = str(exc)
    if isinstance(exc, requests.Timeout):
        return "timeout"
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls"
    if isinstance(exc, requests.ConnectionError) and "NameResolutionError" in said:
        return "unknown-host"
    if isinstance(exc, requests.ConnectionError) and "refused" in said:
        return "refused"
    if isinstance(exc, requests.ConnectionError):
        return "connection"
    return "failed"


def describe(code: str) -> str:
    """A code (or an older recording's exception name) in the user's words; anything else (`HTTP 503`) as is."""
    code = OLD_NAMES.get(code, code)
    return _(WORDS[code]) if code in WORDS else code


def reason(exc: requests.RequestException) -> str:
    return describe(kind(exc))
