"""The objects one running Tocsin process shares between its faces."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from tocsin.clock import Clock
from tocsin.engine.suppressions import SuppressionDirectory
from tocsin.engine.timers import TimerService
from tocsin.engine.writer import GroupCommitWriter
from tocsin.ingest.routing import KeyDirectory
from tocsin.notify.delivery import DeliveryWorker
from tocsin.notify.links import LinkMaker
from tocsin.observability.metrics import Metrics
from tocsin.settings import Settings


@dataclass
class Runtime:
    """Settings, database, clock, writer, timers, key cache and metrics of this process."""

    settings: Settings
    engine: Engine
    clock: Clock
    writer: GroupCommitWriter
    keys: KeyDirectory
    metrics: Metrics
    timers: TimerService
    suppressions: SuppressionDirectory
    delivery: DeliveryWorker
    links: LinkMaker
