"""Progress of a step loop: a rich bar with the running loss on a terminal, a line every ~10% elsewhere.

Silenced by ``progress=False`` (``--no-progress``) or the environment variable ``VISREC_NO_PROGRESS``.
"""

from __future__ import annotations

import os
import sys
import time

__all__ = ["StepProgress", "progress_wanted"]


def progress_wanted(enabled: bool = True) -> bool:
    return bool(enabled) and not os.environ.get("VISREC_NO_PROGRESS")


class StepProgress:
    """Shows step / total, the running loss and the last recorded validation numbers."""

    def __init__(self, title: str, total: int | None, enabled: bool = True):
        self.title, self.total = title, total
        self.enabled = progress_wanted(enabled)
        self.tty = self.enabled and sys.stderr.isatty()
        self._bar = self._task = None
        self._last_line = 0.0
        self._extra = ""
        self._next_mark = 0
        if self.tty:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[info]}"), TimeElapsedColumn(), transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(title, total=total, info="")

    def start_at(self, step: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=step)
        if self.total:
            self._next_mark = step + max(1, self.total // 10)

    def advance(self, step: int, running_loss: float | None) -> None:
        if not self.enabled:
            return
        info = (f"loss {running_loss:.4f}" if running_loss is not None else "") + self._extra
        if self._bar is not None:
            self._bar.update(self._task, completed=step, info=info)
            return
        now = time.monotonic()
        at_mark = self.total and step >= self._next_mark
        if at_mark or (now - self._last_line > 30):
            total = f"/{self.total}" if self.total else ""
            print(f"{self.title}: step {step}{total}  {info}", file=sys.stderr, flush=True)
            self._last_line = now
            if self.total:
                self._next_mark = step + max(1, self.total // 10)

    def note(self, record: dict) -> None:
        """Show the validation numbers of the latest history record beside the loss."""
        parts = [f"{k} {v:.4f}" for k, v in record.items()
                 if k.startswith("val_") and isinstance(v, int | float) and v is not None]
        self._extra = ("  " + "  ".join(parts)) if parts else ""

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
