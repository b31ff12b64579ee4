"""BashSensor: wait until a bash command exits with 0."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from typing import Any

from airstream.operators.bash import airflow_context_env
from airstream.sensors.base import BaseSensorOperator
from airstream.workflows.context import Context
from airstream.workflows.exceptions import AirflowFailException


class BashSensor(BaseSensorOperator):
    """Exit 0 is success; ``retry_exit_code`` (or any non-zero) means poke again.

    With ``retry_exit_code`` set, any other non-zero exit fails the sensor at once.
    """

    template_fields: Sequence[str] = ("bash_command", "env", "cwd")
    template_ext: Sequence[str] = (".sh", ".bash")

    def __init__(
        self,
        *,
        bash_command: str,
        env: dict[str, str] | None = None,
        output_encoding: str = "utf-8",
        retry_exit_code: int | None = None,
        cwd: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = env
        self.output_encoding = output_encoding
        self.retry_exit_code = retry_exit_code
        self.cwd = cwd

    def poke(self, context: Context) -> bool:
        log = context["ti"].log
        log.info("Running command: %s", self.bash_command)
        env = {**(self.env if self.env is not None else os.environ), **airflow_context_env(context)}
        proc = subprocess.run(
            ["bash", "-c", self.bash_command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.cwd,
            env=env,
            check=False,
        )
        for line in proc.stdout.decode(self.output_encoding, errors="replace").splitlines():
            log.info("%s", line)
        log.info("Command exited with return code %s", proc.returncode)
        if proc.returncode == 0:
            return True
        if self.retry_exit_code is not None and proc.returncode != self.retry_exit_code:
            raise AirflowFailException(
                f"Command exited with return code {proc.returncode}; expected "
                f"{self.retry_exit_code} to retry"
            )
        return False
