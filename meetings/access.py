"""The one place that decides which meetings (and their recordings and jobs) a user may see."""

from django.db.models import Q
from django.http import Http404

from accounts.access import membership_in, organizations_for
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


def withheld_meeting_ids(user, organization_ids):
    """Ids of the meetings in those organizations that meetings_for(user) leaves out (the same rule,
    evaluated for the few meetings shared with selected members only). Search uses it to mask its
    per-organization index; usually no meeting is restricted and this is one small query."""
    restricted = list(
        Meeting.objects.filter(organization_id__in=list(organization_ids))
        .exclude(visibility="organization")
        .values_list("pk", "organization_id", "created_by_id")
    )
    if not restricted:
        return []
    admin_of = {
        organization_id
        for organization_id in {org for _pk, org, _creator in restricted}
        if (membership := membership_in(user, organization_id)) is not None and membership.is_admin
    }
    candidates = [pk for pk, org, creator in restricted if org not in admin_of and creator != user.pk]
    if not candidates:
        return []
    selected = set(
        Meeting.allowed_members.through.objects.filter(user=user, meeting_id__in=candidates).values_list(
            "meeting_id", flat=True
        )
    )
    return sorted(pk for pk in candidates if pk not in selected)


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
