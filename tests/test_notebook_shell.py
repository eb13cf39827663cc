"""What a lab's kernel does to `!` commands' output: lines ending in "\\n", whatever the pty's chunks."""

import io

from jupyter_client import KernelManager

from rolloutlab.lab.notebook import TerminalLines


def test_pty_lines_end_in_newline_even_when_a_chunk_ends_in_carriage_return():
    """A "\\r" ending one chunk and its "\\n" starting the next come out as one "\\n"; an unended last line is ended,
    as a terminal's prompt would; a command that printed nothing gets nothing."""
    out = io.StringIO()
    lines = TerminalLines(out)
    for chunk in ("Waiting for deployment...\r", "\ndeployment \"first-app\" successfully rolled out\r", "\n",
                  "first-app-k8s"):  # fmt: skip
        lines.write(chunk)
    lines.end()
    shown = 'Waiting for deployment...\ndeployment "first-app" successfully rolled out\nfirst-app-k8s\n'
    assert out.getvalue() == shown
    quiet = io.StringIO()
    TerminalLines(quiet).end()
    assert quiet.getvalue() == ""


def test_a_kernel_with_the_lab_open_sends_bang_output_with_plain_newlines(tmp_path):
    """In a real IPython kernel, once installed, a `!` command's pty output reaches the notebook with "\\n" line
    ends and its last line ended, so the next command's output starts a line of its own."""
    km = KernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / "k"))
    km.start_kernel()
    client = km.client()
    client.start_channels()
    said: list[str] = []
    try:
        client.wait_for_ready(timeout=60)
        # `lines` and `name` are the student's own names: a `!` line expands them from the student's code.
        code = ("from rolloutlab.lab import notebook\nnotebook.end_lines_as_a_terminal_does()\n"
                "lines = 'one'\n!printf '{lines}\\ntwo'\n"
                "def f(name):\n    !printf '{name}\\n'\nf('three')")  # fmt: skip
        client.execute_interactive(code, timeout=60, output_hook=lambda m: said.append(m["content"].get("text", ""))
                                   if m["msg_type"] == "stream" else None)  # fmt: skip
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)
    assert "".join(said) == "one\ntwo\nthree\n"
