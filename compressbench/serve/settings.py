"""What a serve job reads from config.yaml's `serve` section (defaults: the schema)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..config import FromConfig, settings_from


@dataclass(frozen=True)
class BatchingSettings:
    """How one server batches and sheds: max_batch_size 1 is batching off."""

    max_batch_size: int
    max_queue_delay_us: int
    max_queue_size: int

    def label(self) -> str:
        return "on" if self.max_batch_size > 1 else "off"

    def cli_args(self) -> list[str]:
        return [
            f"--max-batch-size={self.max_batch_size}",
            f"--max-queue-delay-us={self.max_queue_delay_us}",
            f"--max-queue-size={self.max_queue_size}",
        ]


@dataclass(frozen=True)
class ServeSettings(FromConfig):
    """One serve job (one target, one repeat): the `serve` keys it reads plus the run's threads."""

    section: ClassVar[str] = "serve"

    rates: str | list[float]
    auto_fractions: list[float]
    step_seconds: float
    probe_seconds: float
    max_batch_size: int
    max_queue_delay_us: int
    max_queue_size: int
    compare_unbatched: bool
    request_timeout_seconds: float
    client_connections: int
    parity_images: int
    threads: int

    @classmethod
    def job_params(cls, section: dict) -> dict:
        """The keys a serve job reads: changing enabled, targets, repeats or the SLO reruns none."""
        return {key: value for key, value in section.items() if key in cls.__dataclass_fields__}

    @classmethod
    def from_config(cls, section: dict, threads: int) -> ServeSettings:
        return settings_from(cls, cls.section, cls.job_params(section), threads=threads)

    def batching_modes(self) -> list[BatchingSettings]:
        """The configured batching, then batching off when compare_unbatched (and batching is on)."""
        configured = BatchingSettings(self.max_batch_size, self.max_queue_delay_us, self.max_queue_size)
        modes = [configured]
        if self.compare_unbatched and self.max_batch_size > 1:
            modes.append(BatchingSettings(1, 0, self.max_queue_size))
        return modes
