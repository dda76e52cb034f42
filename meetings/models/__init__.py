"""The meetings app's models, one module per concern. Everything is re-exported here, so
`from meetings.models import Meeting` keeps working and Django finds every model of the app."""

from .ai_settings import OrganizationAISettings
from .chat import ChatMessage, ChatRole, Conversation, VoiceQuestion, VoiceState, voice_upload_to
from .conference import AgendaItem, Attendee, Recurrence, Series, ShareLink, UserPreference, Visibility
from .job import Job, JobState
from .live import LiveChunk, LiveSession, LiveState, LiveText
from .meeting import Language, Meeting, MeetingStatus, Tag
from .minutes import ActionItem, Decision, ItemStatus, Minutes, MinutesDraft, MinutesItem, MinutesTemplate
from .recording import Recording, recording_upload_to
from .transcript import SPEAKER_COLORS, Segment, Speaker, TranscriptGap
from .voiceprint import Voiceprint, VoiceRecording, VoiceRecordingState

__all__ = [
    "SPEAKER_COLORS",
    "ActionItem",
    "AgendaItem",
    "Attendee",
    "ChatMessage",
    "ChatRole",
    "Conversation",
    "Decision",
    "ItemStatus",
    "Job",
    "JobState",
    "LiveChunk",
    "LiveSession",
    "LiveState",
    "LiveText",
    "Language",
    "Meeting",
    "MeetingStatus",
    "Minutes",
    "MinutesDraft",
    "MinutesItem",
    "MinutesTemplate",
    "OrganizationAISettings",
    "Recording",
    "Recurrence",
    "Segment",
    "Series",
    "ShareLink",
    "Speaker",
    "Tag",
    "TranscriptGap",
    "UserPreference",
    "Visibility",
    "VoiceQuestion",
    "VoiceState",
    "VoiceRecording",
    "VoiceRecordingState",
    "Voiceprint",
    "recording_upload_to",
    "voice_upload_to",
]
