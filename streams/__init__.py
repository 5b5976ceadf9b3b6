"""The streaming layer: settings, event records, Faust agents, gateway and CLI.

Heavy parts (Faust, the gateway server) are imported from their modules on demand so
that ``import streams`` stays cheap.
"""

from .exceptions import BrokerUnavailable, FixstreamError, InvalidEvent
from .records import SCHEMA_VERSION, CodeChange, Feedback, FixResult, change_key
from .settings import Settings, get_settings

__all__ = [
    "SCHEMA_VERSION",
    "BrokerUnavailable",
    "CodeChange",
    "Feedback",
    "FixResult",
    "FixstreamError",
    "InvalidEvent",
    "Settings",
    "change_key",
    "get_settings",
]
