"""Background tasks for django-q2: `async_task("meetings.search.tasks.index_meeting_task", meeting_id)`."""

import logging

logger = logging.getLogger(__name__)


def index_meeting_task(meeting_id):
    """(Re)index one meeting; a meeting deleted meanwhile has its passages dropped."""
    from meetings.models import Meeting
    from meetings.search.indexing import index_meeting, remove_meeting

    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        remove_meeting(meeting_id)
        return 0
    count = index_meeting(meeting)
    logger.info("indexed meeting %s: %s passages", meeting_id, count)
    return count


def schedule_index(meeting_id):
    """Queue a reindex (runs inline when django-q2 is in sync mode)."""
    from django_q.tasks import async_task

    return async_task("meetings.search.tasks.index_meeting_task", meeting_id, task_name=f"index-{meeting_id}")
