"""The one place that decides which meetings (and their recordings and jobs) a user may see."""

from django.db.models import Q
from django.http import Http404

from accounts.access import organizations_for
from accounts.models import Membership, Role

from .models import Job, Meeting


def meetings_for(user, organization=None):
    """Meetings in the user's organizations; only one organization's when given.

    A meeting shared with selected members only is seen by those members, its creator and the
    organization's owners and admins."""
    queryset = Meeting.objects.filter(organization__in=organizations_for(user))
    if user.is_authenticated:
        admin_of = Membership.objects.filter(user=user, role__in=[Role.OWNER, Role.ADMIN]).values("organization_id")
        selected = Meeting.allowed_members.through.objects.filter(user=user).values("meeting_id")
        queryset = queryset.filter(
            Q(visibility="organization") | Q(organization__in=admin_of) | Q(created_by=user) | Q(pk__in=selected)
        )
    if organization is not None:
        queryset = queryset.filter(organization=organization)
    return queryset


def get_meeting_for(user, pk, organization=None):
    meeting = meetings_for(user, organization).filter(pk=pk).select_related("organization").first()
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting


def jobs_for(user):
    return Job.objects.filter(meeting__in=meetings_for(user))


def get_job_for(user, pk):
    job = jobs_for(user).filter(pk=pk).select_related("meeting").first()
    if job is None:
        raise Http404("No such job.")
    return job
