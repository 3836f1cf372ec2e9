"""The loop scaffolding every trainer shares: run directory, progress with the running loss, NaN guard,
wall-clock budget, Ctrl-C, and how to resume.

>>> from visrec.runs import TrainRunConfig
>>> import tempfile, os
>>> cfg = TrainRunConfig(out=os.path.join(tempfile.mkdtemp(), "run"), progress=False)
>>> with TrainSession(cfg, command="doc", total_steps=3) as s:
...     for step in s.steps():
...         s.log(loss=1.0 / (step + 1))
...     metrics = s.finish({"final_loss": s.running_loss})
>>> s.status, s.step
('completed', 3)
"""

from __future__ import annotations

import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from visrec.runs.progress import StepProgress
from visrec.runs.rundir import RunDir
from visrec.utils.errors import ParameterError, TrainingDiverged

__all__ = ["TrainSession", "InterruptFlag", "Budget", "check_finite", "check_budget_left"]


def check_finite(name: str, value: float, step: int) -> float:
    """Raise TrainingDiverged when a loss is NaN or infinite (the Lecture 6 babysitting guard)."""
    if not math.isfinite(value):
        raise TrainingDiverged(
            f"The {name} became {value} at step {step}. Lower --lr (try 10x smaller), add --grad-clip, "
            "or check the data; the last good checkpoint is kept."
        )
    return value


class Budget:
    """A wall-clock budget over the whole run (training and evaluation); ``minutes`` <= 0 means none."""

    def __init__(self, minutes: float):
        self.minutes = float(minutes or 0.0)
        self.start = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    @property
    def fraction(self) -> float:
        """Share of the budget used so far (0 when there is no budget)."""
        return self.elapsed / (60 * self.minutes) if self.minutes > 0 else 0.0

    def exhausted(self) -> bool:
        return self.minutes > 0 and self.fraction >= 1.0

    def spend(self, seconds: float) -> None:
        """Count ``seconds`` as already used (a resumed run continues its clock)."""
        self.start -= max(0.0, float(seconds))


def check_budget_left(minutes: float, used: float) -> None:
    """Refuse, before any work, to resume a run that already spent its ``--max-minutes`` budget (``used``
    seconds): it would stop after one step."""
    if minutes > 0 and used >= 60 * minutes:
        spent = f"{used / 60:.1f} minutes" if used >= 60 else f"{used:.1f} s"
        raise ParameterError(
            f"--resume: the run already used its {minutes:g}-minute budget (--max-minutes; {spent} spent). "
            "Pass a larger --max-minutes to train on from where it stopped."
        )


class InterruptFlag:
    """First Ctrl-C: set a flag so the loop stops cleanly after the current step. Second: abort at once."""

    def __init__(self):
        self.set = False
        self._old = None

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        self._old = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, frame):
        self.set = True
        print("\ninterrupted: finishing this step and saving a checkpoint (Ctrl-C again to abort now)",
              file=sys.stderr, flush=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def uninstall(self) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
            self._old = None


class TrainSession:
    """Open a run directory for ``cfg`` and drive a step loop with the shared guards.

    Parameters
    ----------
    cfg : a TrainRunConfig (``out``, ``resume``, ``overwrite``, ``max_minutes``, ``progress`` are read)
    command : the command name (default folder ``runs/<command>-<time>``; the resume hint)
    total_steps : the number of steps planned (the bar's length and the end of :meth:`steps`)
    on_interrupt : called (with the session) when the run is aborted by a second Ctrl-C, to save a checkpoint
    write_config : write config.json on entry (pass False to write it yourself with a data fingerprint)
    """

    def __init__(self, cfg, command: str, total_steps: int | None = None,
                 on_interrupt: Callable[[TrainSession], None] | None = None, write_config: bool = True,
                 resume_hint: str | None = None):
        self.cfg = cfg
        self.command = command
        self.total_steps = total_steps
        self.on_interrupt = on_interrupt
        self._write_config = write_config
        self.resume_hint = resume_hint
        self.run: RunDir | None = None
        self.resumed = bool(getattr(cfg, "resume", None))
        self.step = 0
        self.status = "running"
        self.running_loss: float | None = None
        self.interrupt = InterruptFlag()
        self.budget = Budget(getattr(cfg, "max_minutes", 0.0))
        self._budget_continued = False
        self.progress: StepProgress | None = None
        self.tb = None  # a runs.tensorboard.TensorBoardWriter when cfg.tensorboard: record() writes to it

    # ------------------------------------------------------------------ context
    def __enter__(self) -> TrainSession:
        out = getattr(self.cfg, "out", None)
        self._made_folder = not self.resumed and (out is None or not Path(out).exists())
        self.run = RunDir.open(self.cfg, self.command)
        if self._write_config:
            self.run.write_config(self.cfg)
        self.interrupt.install()
        self.progress = StepProgress(self.command, self.total_steps, enabled=getattr(self.cfg, "progress", True))
        if getattr(self.cfg, "tensorboard", False):
            from visrec.runs.tensorboard import open_writer

            self.tb = open_writer(self.run.path / "tensorboard")
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.interrupt.uninstall()
        if self.progress is not None:
            self.progress.close()
        if self.tb is not None:
            self.tb.close()
        if exc_type is KeyboardInterrupt:
            self.status = "interrupted"
            if self.on_interrupt is not None:
                self.on_interrupt(self)
            print(f"stopped at step {self.step}. {self.how_to_resume()}", file=sys.stderr)
            raise SystemExit(130)
        if exc_type is None and self.interrupt.set:
            print(f"interrupted at step {self.step}. {self.how_to_resume()}", file=sys.stderr)
        if exc_type is not None and self._made_folder:
            self.run.discard_if_empty()  # refused before the first write: leave no empty folder of ours behind
        return False

    def how_to_resume(self) -> str:
        if self.run is None:
            return ""
        return self.resume_hint or f"Resume with: visrec {self.command} --resume {self.run.path}"

    # ------------------------------------------------------------------ the loop
    def steps(self, start: int = 0, total: int | None = None) -> Iterator[int]:
        """Yield step indices from ``start``; stop at ``total``, at the budget, or after a Ctrl-C."""
        total = self.total_steps if total is None else total
        self.continue_budget(start)
        self.step = start
        if self.progress is not None:
            self.progress.start_at(start)
        while total is None or self.step < total:
            if self.should_stop():
                return
            yield self.step
            self.step += 1
            if self.progress is not None:
                self.progress.advance(self.step, self.running_loss)
        if self.status == "running":
            self.status = "completed"

    def continue_budget(self, step: int) -> None:
        """On a resumed run, count the seconds its history recorded up to ``step`` (the checkpoint's) as
        spent, so ``--max-minutes`` and the history's ``elapsed_s`` go on from where the run stopped instead
        of starting over. Refuses a run whose budget is already spent. Called by :meth:`steps`; an engine with
        its own loop calls it after loading its checkpoint. Only the first call counts."""
        if not self.resumed or step <= 0 or self._budget_continued:
            return
        self._budget_continued = True
        used = max((float(r.get("elapsed_s") or 0.0) for r in self.run.history() if r.get("step", 0) <= step),
                   default=0.0)
        check_budget_left(self.budget.minutes, used)
        self.budget.spend(used)

    def should_stop(self) -> bool:
        """True (and the status says why) once Ctrl-C was pressed or the budget is spent."""
        if self.interrupt.set:
            self.status = "interrupted"
        elif self.budget.exhausted():
            self.status = f"stopped at the {self.budget.minutes:g}-minute budget"
        return self.status != "running" and self.status != "completed"

    def log(self, loss: float | None = None, smoothing: float = 0.95, **extra) -> None:
        """Record a training-step loss: NaN guard, then the running average shown on the bar."""
        if loss is None:
            return
        loss = check_finite("loss", float(loss), self.step)
        self.running_loss = loss if self.running_loss is None else (
            smoothing * self.running_loss + (1 - smoothing) * loss)

    def due(self, every: int) -> bool:
        """True on the step that completes a multiple of ``every`` (call inside the loop, after the step)."""
        return every > 0 and (self.step + 1) % every == 0

    def record(self, epoch: float | None = None, **metrics) -> dict:
        """Append one history record at the current step (``step`` counts completed steps)."""
        rec = {"step": self.step + 1 if self.status == "running" else self.step, "epoch": epoch,
               "elapsed_s": round(self.budget.elapsed, 3), **metrics}
        self.run.append_history(rec)
        if self.tb is not None:
            self.tb.scalars(rec, step=rec["step"])
            self.tb.flush()
        if self.progress is not None:
            self.progress.note(rec)
        return rec

    def finish(self, metrics: dict | None = None) -> dict:
        """Write metrics.json with the status, steps and seconds added."""
        if self.status == "running":
            self.status = "completed"
        out = {"status": self.status, "steps": self.step, "seconds": round(self.budget.elapsed, 3),
               **(metrics or {})}
        self.run.write_metrics(out)
        return out

