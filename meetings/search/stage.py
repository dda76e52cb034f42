"""The pipeline's "index" stage: after the transcript is saved, the meeting's passages are rebuilt.

Register it in ai_pipeline/stages.py by appending `IndexStage()` after `SaveStage()` for the
process, transcribe and diarize job kinds."""

from django.utils.translation import gettext_noop

from ai_pipeline.pipeline import Stage

LABEL = gettext_noop("Indexing for search")


class IndexStage(Stage):
    name = "index"
    weight = 0.3

    def able_to_run(self, context):
        return context.meeting is not None

    def run(self, context, progress):
        from meetings.search.indexing import index_meeting

        count = index_meeting(context.meeting)
        add_log = getattr(context.job, "add_log", None)
        if add_log:
            add_log(f"indexed {count} passages for search")
        progress(1.0)
