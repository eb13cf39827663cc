"""Why a request got no answer is said in words, never as a Python exception's name."""

import socket

import pytest
import requests

from rolloutlab import unanswered


def _error(url: str, *, timeout: float) -> requests.RequestException:
    with pytest.raises(requests.RequestException) as caught:
        requests.get(url, timeout=timeout)
    return caught.value


def test_a_port_nobody_listens_on_is_a_refused_connection():
    """Nothing listens on the port: 'connection refused'."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free, and nobody listens once the socket is closed
    error = _error(f"http://127.0.0.1:{port}/", timeout=5)
    assert unanswered.kind(error) == "refused"
    assert unanswered.reason(error) == "connection refused: nothing listens there"


def test_a_server_that_accepts_and_never_answers_is_no_answer_in_time():
    """A server that takes the connection and says nothing: 'no answer in time'."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        assert unanswered.reason(_error(f"http://127.0.0.1:{port}/", timeout=0.5)) == "no answer in time"
