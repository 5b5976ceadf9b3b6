"""`fixstream up --demo` on the embedded default: nothing else running, clean Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]


@pytest.mark.timeout(300)
def test_up_demo_streams_the_sample_project_and_stops_on_ctrl_c(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIXSTREAM_")}
    # Point the optional Redis probe at a closed port: the embedded default needs nothing.
    env["FIXSTREAM_REDIS_URL"] = f"redis://127.0.0.1:{_free_port()}/0"
    broker_port, gateway_port = _free_port(), _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "up", "--demo", "--broker-port",
         str(broker_port), "--port", str(gateway_port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 240
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "demo done" in line:
                break
        output = "".join(lines)
        assert "demo done" in output, output
        assert f"ws://127.0.0.1:{gateway_port}" in output
        assert "src/cart.js" in output and "no-spaced-equals" in output
        assert "+  if (coupon && coupon.code == \"FREESHIP\") {" in output
        assert "web/retry.js" in output
        children = _children(process.pid)
        assert len(children) >= 3, "broker, worker and gateway run as child processes"
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output + rest
        assert "stopped." in rest
        time.sleep(0.5)
        alive = [pid for pid in children if Path(f"/proc/{pid}").exists()
                 and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()]
        assert alive == [], "every child process is gone after Ctrl-C"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
