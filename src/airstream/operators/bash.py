"""BashOperator: run a bash command; its last line of output is the XCom."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Callable, Container, Sequence
from typing import Any

from airstream.operators.python import context_kwargs
from airstream.workflows.baseoperator import BaseOperator
from airstream.workflows.context import Context
from airstream.workflows.exceptions import AirflowException, AirflowSkipException
from airstream.workflows.taskflow import DecoratedOperator


def airflow_context_env(context: Context) -> dict[str, str]:
    """The ``AIRFLOW_CTX_*`` variables Airflow sets for child processes."""
    ti = context["ti"]
    values = {
        "AIRFLOW_CTX_DAG_ID": ti.dag_id,
        "AIRFLOW_CTX_TASK_ID": ti.task_id,
        "AIRFLOW_CTX_DAG_RUN_ID": ti.run_id,
        "AIRFLOW_CTX_TRY_NUMBER": str(ti.try_number),
        "AIRFLOW_CTX_DAG_OWNER": str(getattr(context["task"], "owner", "airflow")),
    }
    if context.get("logical_date") is not None:
        values["AIRFLOW_CTX_LOGICAL_DATE"] = context["logical_date"].isoformat()
    return values


class BashOperator(BaseOperator):
    """Run ``bash_command`` with ``bash -c``; non-zero exit fails, ``skip_on_exit_code`` skips."""

    template_fields: Sequence[str] = ("bash_command", "env", "cwd")
    template_fields_renderers = {"bash_command": "bash", "env": "json"}
    template_ext: Sequence[str] = (".sh", ".bash")
    ui_color = "#f0ede4"

    def __init__(
        self,
        *,
        bash_command: str | Any,
        env: dict[str, str] | None = None,
        append_env: bool = False,
        output_encoding: str = "utf-8",
        skip_on_exit_code: int | Container[int] | None = 99,
        cwd: str | None = None,
        output_processor: Callable[[str], Any] = lambda result: result,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = env
        self.append_env = append_env
        self.output_encoding = output_encoding
        if isinstance(skip_on_exit_code, int):
            skip_on_exit_code = [skip_on_exit_code]
        self.skip_on_exit_code: Container[int] = skip_on_exit_code or []
        self.cwd = cwd
        self.output_processor = output_processor
        self._process: subprocess.Popen[bytes] | None = None

    def get_env(self, context: Context) -> dict[str, str]:
        env = self.env
        if env is None:
            env = dict(os.environ)
        elif self.append_env:
            env = {**os.environ, **env}
        return {**env, **airflow_context_env(context)}

    def execute(self, context: Context) -> Any:
        if self.cwd is not None and not os.path.isdir(self.cwd):
            raise AirflowException(f"Can not find the cwd: {self.cwd}")
        log = context["ti"].log
        log.info("Running command: %s", ["bash", "-c", self.bash_command])
        self._process = subprocess.Popen(
            ["bash", "-c", self.bash_command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.cwd,
            env=self.get_env(context),
            start_new_session=True,
        )
        try:
            last_line = self._stream_output(self._process, log)
            exit_code = self._process.wait()
        finally:
            self.on_kill()
        log.info("Command exited with return code %s", exit_code)
        if exit_code in self.skip_on_exit_code:
            raise AirflowSkipException(f"Bash command returned exit code {exit_code}. Skipping.")
        if exit_code != 0:
            raise AirflowException(
                f"Bash command failed. The command returned a non-zero exit code {exit_code}."
            )
        return self.output_processor(last_line)

    def _stream_output(self, process: subprocess.Popen[bytes], log: Any) -> str:
        assert process.stdout is not None
        log.info("Output:")
        last_line = ""
        for raw in iter(process.stdout.readline, b""):
            last_line = raw.decode(self.output_encoding, errors="backslashreplace").rstrip("\n")
            log.info("%s", last_line)
        return last_line

    def on_kill(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            # The command may have started its own children: end the whole process group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(os.getpgid(process.pid), signal.SIGTERM)
            process.wait()
        if process is not None and process.stdout is not None:
            process.stdout.close()


class BashDecoratedOperator(DecoratedOperator, BashOperator):
    """``@task.bash``: the function returns the command to run."""

    custom_operator_name = "@task.bash"

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        # multiple_outputs is kept: with an output_processor that returns a dict, each key
        # becomes its own XCom, as in Airflow.
        super().__init__(bash_command="", **kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})

    template_fields: Sequence[str] = ("bash_command", "env", "cwd", "op_args", "op_kwargs")

    def execute(self, context: Context) -> Any:
        kwargs = context_kwargs(self.python_callable, self.op_args, self.op_kwargs, context)
        command = self.python_callable(*self.op_args, **kwargs)
        if not isinstance(command, str) or not command.strip():
            raise TypeError(
                "The returned value from the TaskFlow callable must be a non-empty string."
            )
        self.bash_command = self.render_template(command, context)
        return super().execute(context)
