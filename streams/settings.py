"""One frozen settings object, read from ``FIXSTREAM_*`` environment variables.

Every command (worker, gateway, produce, subscribe, up) reads the same names, and the
defaults need nothing installed: the broker address points at the embedded broker that
``fixstream up`` starts, and without ``FIXSTREAM_REDIS_URL`` the cache lives in memory.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Configuration shared by every fixstream process."""

    model_config = SettingsConfigDict(env_prefix="FIXSTREAM_", frozen=True, extra="ignore")

    app_id: str = Field("fixstream", description="Faust application id (consumer group prefix).")
    kafka_brokers: str = Field(
        "kafka://127.0.0.1:9092",
        description="Kafka bootstrap servers, comma separated, `kafka://` prefix optional.",
    )
    topic_prefix: str = Field("fixstream", description="Prefix of every topic name.")
    topic_partitions: int = Field(4, ge=1, description="Partitions of the topics it creates.")
    redis_url: str | None = Field(
        None, description="Redis URL for the result cache; unset = in-memory cache."
    )
    cache_namespace: str = Field("fixstream", description="Prefix of every Redis key.")
    cache_ttl_s: float = Field(3600.0, gt=0, description="Lifetime of a cached fix result.")
    cache_max_entries: int = Field(10_000, ge=1, description="Size of the in-memory cache.")
    max_content_bytes: int = Field(
        1_000_000, ge=1, description="Largest accepted file content (UTF-8 bytes)."
    )
    min_reliability: float = Field(
        0.0, ge=0.0, le=1.0, description="Fixes of rules below this reliability are not applied."
    )
    gateway_host: str = Field("127.0.0.1", description="Address the WebSocket gateway binds.")
    gateway_port: int = Field(8765, ge=0, le=65535, description="Port of the WebSocket gateway.")
    gateway_queue_size: int = Field(
        1000, ge=1, description="Messages buffered per subscriber before it counts as slow."
    )
    gateway_max_message_bytes: int = Field(
        2_000_000, ge=1024, description="Largest WebSocket message a client may send."
    )
    gateway_token_key: SecretStr | None = Field(
        None, description="Key that signs client tokens; unset = loopback clients only."
    )
    gateway_token_algorithms: str = Field(
        "HS256", description="Accepted token algorithms, comma separated (HS256/384/512)."
    )
    gateway_history_size: int = Field(
        1000, ge=1, description="Fixes kept per repo for clients that resume."
    )
    reliability_prior_strength: float = Field(
        10.0, ge=0, description="How many verdicts a rule's prior reliability is worth."
    )
    model_dir: Path = Field(
        Path(".cache/fixstream-models"),
        description="Planner checkpoints and replay files (shared by the workers).",
    )
    plan_deadline_ms: float = Field(
        20.0, gt=0, description="Planning time after which the greedy plan is used."
    )
    train_interval_s: float = Field(
        600.0, ge=0, description="How often a worker retrains the planner; 0 = never."
    )
    train_min_transitions: int = Field(
        200, ge=1, description="Transitions needed before the planner trusts a model."
    )
    data_dir: Path = Field(
        Path(".cache/fixstream-data"), description="Working folder of the worker's local state."
    )
    log_level: str = Field("info", description="Logging level: debug, info, warning, error.")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.lower()
        if level not in {"debug", "info", "warning", "error", "critical"}:
            raise ValueError(f"unknown log level {value!r}: use debug, info, warning or error")
        return level

    @property
    def bootstrap_servers(self) -> str:
        """Brokers as aiokafka wants them: ``host:port,host:port`` without a scheme."""
        parts = [p.strip() for p in self.kafka_brokers.split(",") if p.strip()]
        return ",".join(p.split("://", 1)[-1] for p in parts)

    @property
    def faust_broker(self) -> str:
        """Brokers as Faust wants them: ``kafka://host:port;host:port``."""
        return "kafka://" + ";".join(self.bootstrap_servers.split(","))

    def topic(self, stage: str) -> str:
        """Full topic name of a stage (``changes``, ``fixes``, ...)."""
        return f"{self.topic_prefix}.{stage}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
