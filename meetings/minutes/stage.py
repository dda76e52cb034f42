"""The minutes stage of the pipeline: write minutes from the meeting's saved transcript.

In a "minutes" job (on demand) a failing provider fails the job with its reason and a failure code (the
previous minutes and the meeting's state are left as they were; the minutes panel explains the code).
After transcription (the "process" job, MINUTES_AUTO) a failing provider falls back to extractive minutes,
so a recording never ends up without minutes because an API key expired."""

import logging

from django.utils.translation import gettext_noop

from ai_pipeline.pipeline import PipelineError, Stage
from nexochat.errors import ServiceError

logger = logging.getLogger(__name__)

STAGE_LABEL = gettext_noop("Writing the minutes")


class MinutesStage(Stage):
    name = "minutes"
    weight = 1.5

    def __init__(self, automatic=False):
        self.automatic = automatic

    def run(self, context, progress):
        from ai_pipeline.llm import LLMError
        from meetings.minutes import services

        meeting = context.meeting
        if meeting is None:
            raise PipelineError("Minutes need a meeting.")
        if self.automatic and not services.has_transcript(meeting):
            return  # no speech was found: nothing to write minutes about
        options = context.options or {}
        user = None
        if options.get("user"):
            from accounts.models import User

            user = User.objects.filter(pk=options["user"]).first()
        try:
            minutes = services.generate_for_meeting(
                meeting,
                template_key=options.get("template", "") if not self.automatic else "",
                provider_name=options.get("provider", "") if not self.automatic else "",
                job=context.job,
                user=user,
                on_progress=progress,
                fallback_to_extractive=self.automatic,
            )
        except ServiceError as exc:
            raise PipelineError(str(exc), code=exc.code) from exc
        except LLMError as exc:
            # The reason names settings and servers: it is for operators (the job's log and reason in the
            # admin, and the worker's log); the minutes panel explains the failure code instead.
            logger.warning("minutes for meeting %s failed: %s", meeting.pk, exc)
            context.job.add_log(f"minutes: {exc}")
            code = services.failure_code(exc)
            raise PipelineError(f"Minutes could not be written: {exc}", retryable=exc.retryable, code=code) from exc
        context.data["minutes_id"] = minutes.pk
        from meetings.conference.recap import send_recap_after_minutes

        send_recap_after_minutes(meeting)
        progress(1.0)
