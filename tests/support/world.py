"""One of everything in an organization, for the isolation, security and deletion tests.

Every piece of text carries a marker (ZETA... for the org-wide meeting, PRIV... for the meeting
only its creator may see), so a test can assert that none of it appears in a response body."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import Invitation, Membership, Role
from ai_pipeline.models import Passage, SearchIndexVersion
from meetings.models import (
    ActionItem,
    AgendaItem,
    Attendee,
    ChatMessage,
    Conversation,
    Decision,
    Job,
    JobState,
    LiveChunk,
    LiveSession,
    LiveText,
    Meeting,
    Minutes,
    MinutesTemplate,
    OrganizationAISettings,
    Recording,
    Segment,
    Series,
    ShareLink,
    Speaker,
    UserPreference,
    VoiceQuestion,
)
from tests.support import factories


@dataclass
class MeetingSet:
    marker: str
    meeting: Meeting
    recording: Recording
    job: Job
    speaker: Speaker
    segment: Segment
    minutes: Minutes
    decision: Decision
    action_item: ActionItem
    share_link: ShareLink  # active
    revoked_link: ShareLink
    passage: Passage
    conversation: Conversation
    message: ChatMessage  # the assistant's answer, citing the meeting
    voice: VoiceQuestion  # transcribed into the conversation's question
    live_session: LiveSession  # being recorded live by the meeting's creator, with some live text


@dataclass
class World:
    organization: object
    owner: object
    admin: object
    member: object
    shared: MeetingSet  # visible to the whole organization
    private: MeetingSet  # visibility "selected": the owner (its creator) and admins only
    series: Series
    template: MinutesTemplate
    invitation: Invitation  # usable
    revoked_invitation: Invitation
    feed_token: str
    memberships: dict = field(default_factory=dict)

    @property
    def markers(self):
        return [self.shared.marker, self.private.marker]


def populate(organization, creator, marker, *, title=None, text=None, series=None, visibility="organization"):
    held = timezone.now() - datetime.timedelta(days=2)
    meeting = factories.meeting(
        organization,
        title or f"{marker}-title 분기 전략 회의",
        creator=creator,
        held_at=held,
        description=f"{marker}-description",
        status="ready",
        series=series,
        visibility=visibility,
        location=f"{marker}-room",
    )
    recording = factories.recording(
        meeting,
        1.0,
        name=f"{marker}-recording.wav",
        freq=300 + len(marker),
        content_type="audio/wav",
        sha256=marker.ljust(64, "0")[:64],
    )
    job = Job.objects.create(meeting=meeting, kind="process", state=JobState.DONE, percent=100)
    body = text or f"{marker}-transcript 출시 일정은 비밀입니다."
    speaker_fields = {marker: {"name": f"{marker}-speaker", "color": "#2563eb"}}
    speaker = factories.transcript(meeting, [(marker, body)], every=1.0, speakers=speaker_fields)[marker]
    segment = meeting.segments.get()
    minutes = factories.minutes(
        meeting,
        {"title": meeting.title, "overview": f"{marker}-overview", "key_points": [f"{marker}-point"]},
        job=job,
        decisions=[{"text": f"{marker}-decision", "start": 0.5}],
        action_items=[{"text": f"{marker}-action", "owner_name": "박팀원", "assignee": creator}],
    )
    decision = Decision.objects.get(minutes=minutes)
    action_item = ActionItem.objects.get(minutes=minutes)
    AgendaItem.objects.create(meeting=meeting, title=f"{marker}-agenda")
    Attendee.objects.create(meeting=meeting, email="guest@example.com", name=f"{marker}-guest")
    share_link = ShareLink.objects.create(meeting=meeting, created_by=creator)
    revoked_link = ShareLink.objects.create(meeting=meeting, created_by=creator, revoked_at=timezone.now())
    from meetings.search.indexing import index_meeting

    index_meeting(meeting)
    passage = Passage.objects.filter(meeting=meeting).first()
    conversation = Conversation.objects.create(
        user=creator, organization=organization, meeting=meeting, title=f"{marker}-conversation"
    )
    question = ChatMessage.objects.create(
        conversation=conversation, role="user", content=f"{marker}-question", source="voice"
    )
    voice = VoiceQuestion.objects.create(
        conversation=conversation, user=creator, state="done", text=question.content, question=question
    )
    citation = {"n": 1, "meeting_id": meeting.pk, "position": 0, "start": 0.0, "passage_id": passage.pk}
    message = ChatMessage.objects.create(
        conversation=conversation,
        role="assistant",
        content=f"{marker}-answer [1]",
        citations=[citation],
        source="offline",
    )
    live_session = LiveSession.objects.create(meeting=meeting, owner=creator)
    LiveText.objects.create(session=live_session, start=0.0, end=1.0, text=f"{marker}-live-text")
    return MeetingSet(
        marker,
        meeting,
        recording,
        job,
        speaker,
        segment,
        minutes,
        decision,
        action_item,
        share_link,
        revoked_link,
        passage,
        conversation,
        message,
        voice,
        live_session,
    )


def build_world(organization, owner, admin, member):
    series = Series.objects.create(organization=organization, name="ZETA-series", created_by=owner)
    shared = populate(organization, owner, "ZETA", series=series)
    private = populate(organization, owner, "PRIV", series=series, visibility="selected")
    private.meeting.allowed_members.set([owner])
    template = MinutesTemplate.objects.create(organization=organization, name="ZETA-template", prompt="ZETA-prompt")
    OrganizationAISettings.objects.create(organization=organization, provider="offline", api_key="ZETA-api-key")
    invitation = Invitation.objects.create(organization=organization, role=Role.MEMBER, created_by=owner)
    revoked = Invitation.objects.create(
        organization=organization, role=Role.ADMIN, created_by=owner, revoked_at=timezone.now()
    )
    preference = UserPreference.objects.create(
        user=owner, feed_token="ZETAfeedtoken0123456789", feed_created_at=timezone.now()
    )
    # An archive-wide conversation (no meeting) whose answer cites the shared meeting.
    archive = Conversation.objects.create(user=owner, organization=organization, title="ZETA-archive-chat")
    ChatMessage.objects.create(
        conversation=archive,
        role="assistant",
        content="ZETA-archive-answer [1]",
        source="offline",
        citations=[
            {"n": 1, "meeting_id": shared.meeting.pk, "position": 0, "start": 0.0, "passage_id": shared.passage.pk}
        ],
    )
    SearchIndexVersion.objects.get_or_create(organization=organization, defaults={"version": 1})
    memberships = {m.user_id: m for m in Membership.objects.filter(organization=organization)}
    return World(
        organization,
        owner,
        admin,
        member,
        shared,
        private,
        series,
        template,
        invitation,
        revoked,
        preference.feed_token,
        memberships,
    )


def fingerprint(organization):
    """Everything a refused request must leave exactly as it was."""
    meetings = Meeting.objects.filter(organization=organization)
    rows = {
        "meetings": list(
            meetings.order_by("pk").values_list(
                "pk",
                "title",
                "description",
                "held_at",
                "visibility",
                "status",
                "series_id",
                "location",
                "duration_minutes",
                "recap_sent_at",
            )
        ),
        "allowed": list(
            Meeting.allowed_members.through.objects.filter(meeting__in=meetings)
            .values_list("meeting_id", "user_id")
            .order_by("pk")
        ),
        "participants": list(
            Meeting.participants.through.objects.filter(meeting__in=meetings)
            .values_list("meeting_id", "user_id")
            .order_by("pk")
        ),
        "recordings": list(
            Recording.objects.filter(meeting__in=meetings).values_list("pk", "file", "size").order_by("pk")
        ),
        "jobs": list(Job.objects.filter(meeting__in=meetings).values_list("pk", "kind", "state").order_by("pk")),
        "speakers": list(
            Speaker.objects.filter(meeting__in=meetings).values_list("pk", "name", "member_id").order_by("pk")
        ),
        "segments": list(
            Segment.objects.filter(meeting__in=meetings).values_list("pk", "text", "speaker_id").order_by("pk")
        ),
        "minutes": list(
            Minutes.objects.filter(meeting__in=meetings).values_list("pk", "data", "reviewed_at").order_by("pk")
        ),
        "decisions": list(
            Decision.objects.filter(meeting__in=meetings).values_list("pk", "text", "superseded_by_id").order_by("pk")
        ),
        "actions": list(
            ActionItem.objects.filter(meeting__in=meetings)
            .values_list("pk", "text", "status", "due_date")
            .order_by("pk")
        ),
        "agenda": list(AgendaItem.objects.filter(meeting__in=meetings).values_list("pk", "title").order_by("pk")),
        "attendees": list(
            Attendee.objects.filter(meeting__in=meetings).values_list("pk", "email", "speaker_id").order_by("pk")
        ),
        "links": list(
            ShareLink.objects.filter(meeting__in=meetings).values_list("pk", "revoked_at", "expires_at").order_by("pk")
        ),
        "passages": Passage.objects.filter(organization=organization).count(),
        "series": list(
            Series.objects.filter(organization=organization).values_list("pk", "name", "recurrence").order_by("pk")
        ),
        "templates": list(
            MinutesTemplate.objects.filter(organization=organization).values_list("pk", "name", "prompt").order_by("pk")
        ),
        "ai": list(
            OrganizationAISettings.objects.filter(organization=organization).values_list(
                "provider", "model", "base_url", "encrypted_api_key"
            )
        ),
        "memberships": list(
            Membership.objects.filter(organization=organization).values_list("pk", "user_id", "role").order_by("pk")
        ),
        "invitations": list(
            Invitation.objects.filter(organization=organization)
            .values_list("pk", "revoked_at", "accepted_at")
            .order_by("pk")
        ),
        "conversations": list(
            Conversation.objects.filter(organization=organization)
            .values_list("pk", "title", "meeting_id")
            .order_by("pk")
        ),
        "messages": list(
            ChatMessage.objects.filter(conversation__organization=organization)
            .values_list("pk", "content")
            .order_by("pk")
        ),
        "voice": list(
            VoiceQuestion.objects.filter(conversation__organization=organization)
            .values_list("pk", "state", "text", "question_id")
            .order_by("pk")
        ),
        "live": list(
            LiveSession.objects.filter(meeting__in=meetings).values_list("pk", "state", "owner_id").order_by("pk")
        ),
        "live_chunks": list(
            LiveChunk.objects.filter(session__meeting__in=meetings).values_list("pk", "sha256").order_by("pk")
        ),
        "live_texts": list(
            LiveText.objects.filter(session__meeting__in=meetings).values_list("pk", "text").order_by("pk")
        ),
        "org": (
            organization.__class__.objects.filter(pk=organization.pk).values_list("name", "retention_days").first()
        ),
    }
    return rows
