"""What the short recordings a speech worker reads once have in common (a spoken question, a sample of a
member's own voice): the audio is kept only until the worker has read it, or until it is too old to wait for
one (meetings.recordings.short_audio), and the row says how it went."""

from django.utils import timezone

RUNNING, DONE, FAILED, EXPIRED = "running", "done", "failed", "expired"


class ShortAudioJob:
    """Mixed into a model with `audio` (FileField), `state` (whose choices include queued, running, done,
    failed and expired), `error` and `finished_at`; `expired_message` tells the user what became of one no
    worker read in time."""

    expired_message = ""

    @property
    def is_finished(self):
        return self.state in (DONE, FAILED, EXPIRED)

    @property
    def error_message(self):
        """Why nothing came of it, for the user, in the language active now."""
        if self.state == EXPIRED and not self.error:
            return str(self.expired_message)
        return self.error

    def store_audio(self, upload, default_name):
        """Save the upload and the row together: a row that cannot be saved leaves no file behind."""
        self.audio.save(upload.name or default_name, upload, save=False)
        try:
            self.save()
        except Exception:
            self.audio.storage.delete(self.audio.name)
            raise

    def mark_running(self):
        self.state = RUNNING
        self.save(update_fields=["state"])

    def mark_failed(self, error):
        self.state = FAILED
        self.error = str(error)[:2000]
        self.finished_at = timezone.now()
        self.save(update_fields=["state", "error", "finished_at"])

    def discard_audio(self):
        if not self.audio:
            return
        self.audio.storage.delete(self.audio.name)
        self.audio = ""
        self.save(update_fields=["audio"])
