"""Fixtures shared across the test folders."""

import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest


@pytest.fixture
def local_server(tmp_path):
    """Start a server command on 127.0.0.1, wait until it is healthy, and always stop it afterwards.

    Returns ``start(command, health_path, **popen) -> base_url``; the command is
    given the port through ``{port}`` in its arguments.
    """
    running = []

    def start(command: list[str], health_path: str, *, timeout_s: float = 180, attempts: int = 3, **popen) -> str:
        for attempt in range(attempts):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            log_path = tmp_path / f"server-{port}.log"
            log = open(log_path, "wb")
            proc = subprocess.Popen([str(part).format(port=port) for part in command], stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True, **popen)
            running.append((proc, log))
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + timeout_s
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(url + health_path, timeout=2) as response:
                        if response.status == 200:
                            return url
                except OSError:
                    time.sleep(0.5)
            output = log_path.read_text(errors="replace")
            # the free port was taken by another process (a test beside this one) before the server bound it: try another
            if proc.poll() is not None and "address already in use" in output and attempt + 1 < attempts:
                continue
            pytest.fail(f"{command[0]} did not come up at {url}: {output[-2000:]}")

    yield start
    for proc, log in running:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and its workers are one process group
            proc.wait(timeout=20)
        except ProcessLookupError:  # it had already stopped (a server that could not start)
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()
