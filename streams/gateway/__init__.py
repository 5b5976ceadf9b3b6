"""The real-time gateway: WebSocket subscribers fed from ``fixstream.fixes``."""

from .core import GatewayCore, PublishOutcome, Subscription
from .globs import glob_matches
from .metrics import GatewayMetrics
from .protocol import PROTOCOL_VERSION, ProtocolError
from .server import GatewayServer

__all__ = [
    "GatewayCore",
    "GatewayMetrics",
    "GatewayServer",
    "PROTOCOL_VERSION",
    "ProtocolError",
    "PublishOutcome",
    "Subscription",
    "glob_matches",
]
