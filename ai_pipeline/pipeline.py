"""The processing pipeline: ordered stages, one progress reporter, cleanup that always runs.

A stage is a small class: `name` (a stable key shown in the UI and stored on the Job),
`weight` (its share of the overall percent), `able_to_run(context)`, `run(context, progress)`
and `cleanup(context)`. Stages talk to each other only through the PipelineContext."""

import logging
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)


class PipelineError(Exception):
    """A failure with a reason a user can read. `retryable` says whether trying again may help; `code`
    (stored as the job's failure_code) lets a page say what went wrong in the reader's language."""

    def __init__(self, message, retryable=False, code=""):
        super().__init__(message)
        self.retryable = retryable
        self.code = code


@dataclass
class PipelineContext:
    """What the stages share: the job they report to (anything with `pk`, `percent`, `report(stage,
    percent)` and optionally `add_log(line)`: a Job row, or the transcribe command's stderr stand-in),
    the options, a scratch folder, and `data`, where each stage leaves what the next one needs. The
    engine stages read the recording from data["input_path"], a local file the caller provides."""

    job: object
    options: dict = field(default_factory=dict)
    workdir: Path | None = None
    data: dict = field(default_factory=dict)  # what stages hand on: audio, speech regions, turns, words...

    def log(self, line):
        """A line for the job's log (and the debug log)."""
        logger.debug("job %s: %s", getattr(self.job, "pk", None), line)
        add_log = getattr(self.job, "add_log", None)
        if add_log:
            add_log(line)


class Stage:
    name = "stage"
    weight = 1.0

    def able_to_run(self, context):
        return True

    def run(self, context, progress):
        raise NotImplementedError

    def cleanup(self, context):
        pass


class ProgressReporter:
    """Maps each stage's 0..1 progress onto the job's overall percent and writes it,
    at most once per `min_interval` seconds (or when the stage or whole percent changes).

    A stage whose engine reports in bursts (Whisper finishes a 30 s window, then says nothing while it
    decodes the next) runs inside `paced(step)`: between real reports a heartbeat writes every
    `heartbeat` seconds, moving on at the pace measured so far but never past the last real report
    plus `step` (the part the engine is working on), so the bar moves and the page knows the job lives."""

    def __init__(self, job, stages, min_interval=0.5, heartbeat=1.0):
        self.job = job
        total = sum(stage.weight for stage in stages) or 1.0
        self.offsets = {}
        running = 0.0
        for stage in stages:
            self.offsets[stage.name] = (running / total, stage.weight / total)
            running += stage.weight
        self.min_interval = min_interval
        self.heartbeat = heartbeat
        self._last_write = 0.0
        self._lock = threading.Lock()
        self.current = None
        self._stage_started = 0.0
        self._reported = (0.0, 0.0)  # (fraction, when) of the stage's last real report
        self._shown = 0.0  # the fraction last written, real or paced; never goes back

    def start(self, stage_name):
        with self._lock:
            self.current = stage_name
            self._stage_started = time.monotonic()
            self._reported = (0.0, self._stage_started)
            self._shown = 0.0
            self._write(stage_name, 0.0, force=True)

    def __call__(self, fraction):
        with self._lock:
            self._reported = (max(fraction, self._reported[0]), time.monotonic())
            self._write(self.current, fraction)

    @contextmanager
    def paced(self, step):
        """Heartbeat writes while the block runs (see the class docstring); step is a 0..1 fraction."""
        stop = threading.Event()

        def beat():
            try:
                while not stop.wait(self.heartbeat):
                    with self._lock:
                        self._write(self.current, self._paced_fraction(step), force=True)
            finally:
                _close_thread_database_connection()

        thread = threading.Thread(target=beat, name="progress-heartbeat", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()

    def _paced_fraction(self, step):
        fraction, when = self._reported
        spent = when - self._stage_started
        if fraction <= 0 or spent <= 0:
            return fraction  # no pace measured yet: say only what is known
        ahead = fraction / spent * (time.monotonic() - when)
        return min(fraction + ahead, fraction + step, 0.99)

    def _write(self, stage_name, fraction, force=False):
        fraction = max(fraction, self._shown)
        self._shown = fraction
        offset, share = self.offsets[stage_name]
        percent = int(100 * (offset + share * max(0.0, min(1.0, fraction))))
        now = time.monotonic()
        if force or (percent != self.job.percent and now - self._last_write >= self.min_interval):
            self.job.report(stage_name, min(percent, 99))
            self._last_write = now


def _close_thread_database_connection():
    """A thread that wrote to the job through the ORM opened its own database connection; close it."""
    try:
        from django.db import connection
    except ImportError:  # the pipeline used without Django
        return
    connection.close()


def run_stages(context, stages):
    """Run the stages in order; returns {stage name: seconds}. Cleanup runs for every stage
    that started, whatever happens. The caller owns the job's state transitions."""
    runnable = [stage for stage in stages if stage.able_to_run(context)]
    reporter = ProgressReporter(context.job, runnable)
    timings = {}
    started = []
    own_workdir = context.workdir is None
    if own_workdir:
        context.workdir = Path(tempfile.mkdtemp(prefix=f"nexochat-job{context.job.pk}-"))
    try:
        for stage in runnable:
            started.append(stage)
            reporter.start(stage.name)
            began = time.perf_counter()
            stage.run(context, reporter)
            timings[stage.name] = round(time.perf_counter() - began, 3)
            logger.info("job %s: stage %s took %.2fs", context.job.pk, stage.name, timings[stage.name])
    finally:
        for stage in reversed(started):
            try:
                stage.cleanup(context)
            except Exception:  # cleanup must never hide the real error
                logger.exception("cleanup of stage %s failed", stage.name)
        if own_workdir:
            shutil.rmtree(context.workdir, ignore_errors=True)
    return timings
