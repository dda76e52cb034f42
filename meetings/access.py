"""The one place that decides which meetings (and their recordings and jobs) a user may see."""

from django.http import Http404

from accounts.access import organizations_for

from .models import Job, Meeting


def meetings_for(user, organization=None):
    """Meetings in the user's organizations; only one organization's when given."""
    queryset = Meeting.objects.filter(organization__in=organizations_for(user))
    if organization is not None:
        queryset = queryset.filter(organization=organization)
    return queryset


def get_meeting_for(user, pk, organization=None):
    meeting = meetings_for(user, organization).filter(pk=pk).select_related("organization").first()
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting


def jobs_for(user):
    return Job.objects.filter(meeting__organization__in=organizations_for(user))


def get_job_for(user, pk):
    job = jobs_for(user).filter(pk=pk).select_related("meeting").first()
    if job is None:
        raise Http404("No such job.")
    return job
