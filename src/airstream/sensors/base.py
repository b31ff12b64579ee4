"""BaseSensorOperator: poke until true, in ``poke`` mode (sleeping) or ``reschedule`` mode.

In reschedule mode each poke is one short attempt; the task is put back as
``up_for_reschedule`` and its ``timeout`` counts from the first poke.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from airstream.workflows.baseoperator import BaseOperator
from airstream.workflows.context import Context
from airstream.workflows.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    AirflowTaskTimeout,
)

VALID_MODES = ("poke", "reschedule")


@dataclass
class PokeReturnValue:
    """A poke result that also carries an XCom value."""

    is_done: bool
    xcom_value: Any = None

    def __bool__(self) -> bool:
        return self.is_done


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class BaseSensorOperator(BaseOperator):
    """Subclasses implement :meth:`poke`; ``execute`` repeats it until done or timed out."""

    ui_color = "#e6f1f2"

    def __init__(
        self,
        *,
        poke_interval: float | timedelta = 60,
        timeout: float | timedelta = 60 * 60 * 24 * 7,
        soft_fail: bool = False,
        mode: str = "poke",
        exponential_backoff: bool = False,
        max_wait: float | timedelta | None = None,
        silent_fail: bool = False,
        never_fail: bool = False,
        deferrable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # No triggerer: a deferrable sensor pokes like any other (same outcome, same timeout).
        self.deferrable = deferrable
        self.poke_interval = _seconds(poke_interval)
        self.timeout = _seconds(timeout)
        self.soft_fail = soft_fail
        self.mode = mode
        self.exponential_backoff = exponential_backoff
        self.max_wait = _seconds(max_wait) if max_wait is not None else None
        self.silent_fail = silent_fail
        self.never_fail = never_fail
        if self.poke_interval < 0:
            raise AirflowException("The poke_interval must be a non-negative number")
        if self.timeout < 0:
            raise AirflowException("The timeout must be a non-negative number")
        if mode not in VALID_MODES:
            raise AirflowException(
                f"The mode must be one of {VALID_MODES},'{self.dag_id}.{self.task_id}'; "
                f"received '{mode}'."
            )
        if soft_fail and never_fail:
            raise ValueError("soft_fail and never_fail are mutually exclusive")

    @property
    def reschedule(self) -> bool:
        return self.mode == "reschedule"

    def poke(self, context: Context) -> bool | PokeReturnValue:
        raise NotImplementedError(f"{type(self).__name__} must implement poke()")

    def seconds_until_due(self, context: Context) -> float | None:
        """For sensors waiting for a known moment: the seconds left until it (else None)."""
        return None

    def _interval(self, context: Context, poke_number: int) -> float:
        interval = self.next_poke_interval(poke_number)
        due = self.seconds_until_due(context) if self.deferrable else None
        if due is not None:
            # A deferred time sensor wakes when its trigger fires, not at the next poke.
            interval = min(interval, max(due, 0.0) + 0.01)
        return interval

    def next_poke_interval(self, poke_number: int) -> float:
        if not self.exponential_backoff:
            return self.poke_interval
        delay = float(self.poke_interval * (2 ** (poke_number - 1)))
        return min(delay, self.max_wait) if self.max_wait is not None else delay

    def execute(self, context: Context) -> Any:
        try:
            return self._wait(context)
        except (AirflowSensorTimeout, AirflowTaskTimeout, AirflowFailException) as exc:
            if self.soft_fail:
                raise AirflowSkipException("Skipping due to soft_fail is set to True.") from exc
            if self.never_fail:
                raise AirflowSkipException("Skipping due to never_fail is set to True.") from exc
            raise

    def _wait(self, context: Context) -> Any:
        ti = context["ti"]
        now = datetime.now(UTC)
        started = (ti.get_first_reschedule_date() or now) if self.reschedule else now
        poke_number = 1
        while True:
            result = self._poke_once(context)
            if result:
                value = result.xcom_value if isinstance(result, PokeReturnValue) else None
                ti.log.info("Success criteria met. Exiting.")
                return value
            elapsed = (datetime.now(UTC) - started).total_seconds()
            if elapsed > self.timeout:
                raise AirflowSensorTimeout(
                    f"Sensor has timed out; run duration of {elapsed} seconds exceeds the "
                    f"specified timeout of {self.timeout}."
                )
            interval = self._interval(context, poke_number)
            if self.reschedule:
                raise AirflowRescheduleException(datetime.now(UTC) + timedelta(seconds=interval))
            time.sleep(interval)
            poke_number += 1

    def _poke_once(self, context: Context) -> bool | PokeReturnValue:
        try:
            return self.poke(context)
        except (
            AirflowSensorTimeout,
            AirflowTaskTimeout,
            AirflowFailException,
            AirflowSkipException,
        ):
            raise
        except Exception:
            if self.silent_fail:
                context["ti"].log.exception("Sensor poke failed; silent_fail is set, poking again.")
                return False
            if self.never_fail:
                raise AirflowSkipException("Skipping due to never_fail is set to True.") from None
            raise


def poke_mode_only(cls: type[BaseSensorOperator]) -> type[BaseSensorOperator]:
    """Class decorator kept for DAG files that use it; airstream sensors support both modes."""
    return cls
