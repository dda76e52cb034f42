"""Speaker memory's write paths: a member saves their own voiceprint (their consent, dated and audited),
confirms or rejects what a voiceprint suggested, and deletes their voiceprint with every copy of its
vectors. Matching new meetings' speakers against voiceprints is in `matching`."""

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import Membership
from meetings.models import Speaker, Voiceprint, VoiceRecording
from meetings.transcript.services import _reindex_after_commit
from nexochat.errors import ServiceError


def unit(vector):
    """The vector scaled to length 1 (cosine similarity is then a dot product); None for a zero vector."""
    array = np.asarray(vector, dtype=np.float64)
    norm = np.linalg.norm(array)
    return array / norm if norm > 0 and np.all(np.isfinite(array)) else None


# a 30 s browser recording (Opus) is well under 1 MB; a WAV of 60 s at 48 kHz stereo is 11 MB
MAX_RECORDING_BYTES = 20 * 2**20
# decoding a minute of audio and one diarizer pass: seconds on CPU; the queue's default is for meetings
RECORDING_TASK_TIMEOUT = 300


def _organization_id(speaker):
    return speaker.meeting.organization_id


def _add_sample(voiceprint, embedding):
    """The running mean of the (unit) embeddings confirmed as this member's voice."""
    sample = unit(embedding)
    if sample is None:
        return voiceprint
    mean = np.asarray(voiceprint.vector, dtype=np.float64)
    count = voiceprint.samples
    voiceprint.vector = [float(x) for x in (mean * count + sample) / (count + 1)]
    voiceprint.samples = count + 1
    voiceprint.save(update_fields=["vector", "samples", "updated_at"])
    return voiceprint


@transaction.atomic
def enrol_from_speaker(user, speaker):
    """ "This is me": the member linked to `speaker` saves (or adds to) their voiceprint from its voice.
    Only that member may: nobody enrols another person's voice. Returns (voiceprint, created)."""
    if speaker.member_id is None:
        raise ServiceError(_("Link this speaker to yourself first."), "not_linked")
    if speaker.member_id != user.pk:
        raise ServiceError(_("Only the person who spoke can save their own voice."), "not_yours")
    if speaker.embedding is None or unit(speaker.embedding) is None:
        raise ServiceError(
            _("No voice was kept for this speaker; separate the speakers again and try once more."), "no_voice"
        )
    organization_id = _organization_id(speaker)
    if not Membership.objects.filter(user=user, organization_id=organization_id).exists():
        raise ServiceError(_("That person is not a member of this organization."), "not_member")
    return _save_voice(user, organization_id, speaker.embedding, timezone.now(), meeting=speaker.meeting_id)


def _save_voice(user, organization_id, embedding, consented_at, **source):
    """Create the member's voiceprint from `embedding` (their consent, dated and audited) or add the embedding
    to the one they have. `source` says where the voice came from, for the audit log. Returns
    (voiceprint, created)."""
    voiceprint = Voiceprint.objects.select_for_update().filter(organization_id=organization_id, member=user).first()
    if voiceprint is None:
        voiceprint = Voiceprint.objects.create(
            organization_id=organization_id,
            member=user,
            vector=[float(x) for x in unit(embedding)],
            samples=1,
            consented_at=consented_at,
        )
        audit.record(
            user,
            voiceprint.organization,
            "voiceprint.consent",
            voiceprint,
            consented_at=consented_at.isoformat(),
            **source,
        )
        return voiceprint, True
    _add_sample(voiceprint, embedding)
    audit.record(user, voiceprint.organization, "voiceprint.sample", voiceprint, **source)
    return voiceprint, False


def clean_recording(upload, consent):
    """The upload of a recording of one's own voice, or ServiceError: consent must be given with it."""
    if not consent:
        raise ServiceError(
            _("Tick the box to agree that NexoChat keeps your voice to recognise you in meetings."), "no_consent"
        )
    if upload is None or not upload.size:
        raise ServiceError(_("No recording was received."), "no_audio")
    if upload.size > MAX_RECORDING_BYTES:
        raise ServiceError(
            _("The recording is too large (at most %(mb)d MB).") % {"mb": MAX_RECORDING_BYTES // 2**20}, "too_large"
        )
    return upload


def _member_organization(user, organization):
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise ServiceError(_("That person is not a member of this organization."), "not_member")


@transaction.atomic
def queue_recording(user, organization, upload, consent):
    """Keep a recording of the member's own voice until a speech worker has taken their voice out of it
    (meetings.voiceprints.tasks), and queue that once the transaction commits. Ticking the consent box and
    sending the recording is the consent, dated now."""
    from meetings.processing.services import enqueue_task

    clean_recording(upload, consent)
    _member_organization(user, organization)
    recording = VoiceRecording(organization=organization, member=user, consented_at=timezone.now())
    recording.store_audio(upload, "voice")
    transaction.on_commit(
        lambda: enqueue_task(
            "meetings.voiceprints.tasks.enrol_from_recording",
            recording.pk,
            task_name=f"voiceprint-recording-{recording.pk}",
            speech=True,
            timeout=RECORDING_TASK_TIMEOUT,
        )
    )
    return recording


@transaction.atomic
def enrol_from_embedding(recording, embedding):
    """The voice the worker took out of the member's own recording saves (or adds to) their voiceprint."""
    if unit(embedding) is None:
        raise ServiceError(_("No voice could be taken from this recording; please record again."), "no_voice")
    _member_organization(recording.member, recording.organization)
    return _save_voice(
        recording.member, recording.organization_id, embedding, recording.consented_at, recording=recording.pk
    )


def latest_recording(user, organization):
    return VoiceRecording.objects.filter(member=user, organization=organization).first()


def recording_state(user, organization):
    """Where the member's latest recording of their voice in the organization is, for the page and the API."""
    recording = latest_recording(user, organization)
    voiceprint = voiceprint_of(user, organization)
    return {
        "recording": recording.pk if recording else None,
        "state": recording.state if recording else None,
        "state_label": recording.get_state_display() if recording else "",
        "finished": recording.is_finished if recording else True,
        "error": recording.error_message if recording else "",
        "speech_seconds": recording.speech_seconds if recording else None,
        "samples": voiceprint.samples if voiceprint else 0,
    }


@transaction.atomic
def confirm_suggestion(actor, speaker):
    """One click: the suggested member becomes the speaker's member, and this voice adds to their voiceprint."""
    speaker = Speaker.objects.select_for_update().select_related("meeting").get(pk=speaker.pk)
    if speaker.suggested_member_id is None:
        raise ServiceError(_("This speaker has no suggested name."), "no_suggestion")
    if Speaker.objects.filter(meeting_id=speaker.meeting_id, member_id=speaker.suggested_member_id).exists():
        raise ServiceError(_("That person is already another speaker of this meeting."), "member_taken")
    speaker.member_id = speaker.suggested_member_id
    speaker.named_by_voiceprint = True
    speaker.suggested_member = None
    speaker.save(update_fields=["member", "named_by_voiceprint", "suggested_member"])
    voiceprint = Voiceprint.objects.select_for_update().filter(
        organization_id=speaker.meeting.organization_id, member_id=speaker.member_id
    )
    voiceprint = voiceprint.first()
    if voiceprint is not None and speaker.embedding is not None:
        _add_sample(voiceprint, speaker.embedding)
    audit.record(actor, speaker.meeting.organization, "voiceprint.confirm", speaker, member=speaker.member_id)
    _reindex_after_commit(speaker.meeting_id)
    return speaker


def reject_suggestion(actor, speaker):
    """The suggestion was wrong: it is removed, and the speaker stays as it was."""
    if speaker.suggested_member_id is None:
        raise ServiceError(_("This speaker has no suggested name."), "no_suggestion")
    speaker.suggested_member = None
    speaker.suggestion_confidence = None
    speaker.save(update_fields=["suggested_member", "suggestion_confidence"])
    return speaker


def decide_suggestion(actor, speaker, decision):
    if decision == "confirm":
        return confirm_suggestion(actor, speaker)
    if decision == "reject":
        return reject_suggestion(actor, speaker)
    raise ServiceError(_("Choose confirm or reject."), "bad_decision")


@transaction.atomic
def delete_voiceprint(user, organization, actor, reason="member"):
    """Remove the member's voiceprint in the organization and every copy of their voice's vectors: the
    embeddings of the speakers linked to them, and the suggestions it made. Returns whether there was one."""
    deleted, _rows = Voiceprint.objects.filter(organization=organization, member=user).delete()
    for recording in VoiceRecording.objects.filter(organization=organization, member=user):
        recording.discard_audio()
        recording.delete()
    in_organization = Speaker.objects.filter(meeting__organization=organization)
    cleared = in_organization.filter(member=user).exclude(embedding=None).update(embedding=None)
    in_organization.filter(suggested_member=user).update(suggested_member=None, suggestion_confidence=None)
    if deleted:
        audit.record(
            actor,
            organization,
            "voiceprint.delete",
            None,
            member=user.pk,
            member_email=user.email,
            reason=reason,
            speakers_cleared=cleared,
        )
    return bool(deleted)


def voiceprint_of(user, organization):
    return Voiceprint.objects.filter(organization=organization, member=user).first()


def meetings_named(user, organization):
    """The speakers (with their meetings) that a voiceprint named as this member, newest meeting first."""
    from django.db.models import Q

    return (
        Speaker.objects.filter(meeting__organization=organization)
        .filter(Q(member=user, named_by_voiceprint=True) | Q(suggested_member=user))
        .select_related("meeting")
        .order_by("-meeting__held_at", "label")
    )


def expire_voiceprints(organization, now=None):
    """Retention: a voiceprint of someone no longer a member goes, and so does one not confirmed for longer
    than the organization's retention period. Returns how many were deleted."""
    import datetime

    from accounts.models import User

    now = now or timezone.now()
    stale = Voiceprint.objects.filter(organization=organization).exclude(member__memberships__organization=organization)
    if organization.retention_days and organization.retention_days >= 1:
        cutoff = now - datetime.timedelta(days=organization.retention_days)
        stale = stale | Voiceprint.objects.filter(organization=organization, updated_at__lt=cutoff)
    members = list(stale.values_list("member_id", flat=True).distinct())
    for user in User.objects.filter(pk__in=members):
        delete_voiceprint(user, organization, actor=None, reason="retention")
    return len(members)


def summaries_for(user):
    """[(organization, voiceprint or None, speakers it named, latest recording or None)] for each organization of
    the user (profile page)."""
    from accounts.models import Organization

    return [
        (
            organization,
            voiceprint_of(user, organization),
            list(meetings_named(user, organization)[:20]),
            latest_recording(user, organization),
        )
        for organization in Organization.objects.filter(memberships__user=user).order_by("name")
    ]
