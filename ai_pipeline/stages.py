"""The stages of the recording pipeline, and which ones each job kind runs."""

from django.utils.translation import gettext_noop

from meetings.media import MediaError, probe

from .pipeline import PipelineError, Stage

# Stage names are stable keys; the UI translates them.
STAGE_LABELS = {
    "probe": gettext_noop("Checking the recording"),
}


class ProbeStage(Stage):
    """Decode the whole recording once: exact duration, codecs, and damage found early."""

    name = "probe"
    weight = 1.0

    def run(self, context, progress):
        recording = context.recording
        try:
            info = probe(context.local_recording_path())
        except MediaError as exc:
            raise PipelineError(str(exc)) from exc
        recording.duration = info.duration
        recording.media_info = info.as_dict()
        recording.save(update_fields=["duration", "media_info"])
        progress(1.0)


def stages_for(kind, options):
    """The ordered stages a job of this kind runs. Later issues add speech, minutes and index stages."""
    if kind in ("process", "probe"):
        return [ProbeStage()]
    raise PipelineError(f"Unknown job kind {kind!r}.")
