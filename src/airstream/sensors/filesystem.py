"""FileSensor: wait until a file (or a glob match, or a non-empty directory) exists."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airstream.sensors.base import BaseSensorOperator
from airstream.workflows.connections import get_connection
from airstream.workflows.context import Context
from airstream.workflows.exceptions import AirflowNotFoundException


class FileSensor(BaseSensorOperator):
    """``filepath`` is relative to the ``fs_conn_id`` connection's ``path`` extra, if any."""

    template_fields: Sequence[str] = ("filepath",)
    ui_color = "#91818a"

    def __init__(
        self,
        *,
        filepath: str,
        fs_conn_id: str = "fs_default",
        recursive: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.filepath = filepath
        self.fs_conn_id = fs_conn_id
        self.recursive = recursive

    def _base_path(self) -> str:
        try:
            conn = get_connection(self.fs_conn_id)
        except AirflowNotFoundException:
            return ""
        return str(conn.extra_dejson.get("path", ""))

    def poke(self, context: Context) -> bool:
        full = os.path.join(self._base_path(), self.filepath)
        context["ti"].log.info("Poking for file %s", full)
        for match in glob.glob(full, recursive=self.recursive):
            path = Path(match)
            if path.is_file():
                context["ti"].log.info("Found File %s", match)
                return True
            if path.is_dir() and any(path.iterdir()):
                return True
        return False
