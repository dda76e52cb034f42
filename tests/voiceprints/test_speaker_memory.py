"""Speaker memory: consent (only the member saves their own voice), matching within the organization,
one member per meeting, confirm and reject, deletion of every vector, retention, and the transcript's shape."""

import datetime

import numpy as np
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditLog, Membership
from meetings.models import Speaker, Voiceprint
from meetings.recordings.retention import apply_retention
from meetings.transcript.services import transcript_document
from meetings.voiceprints import services
from meetings.voiceprints.matching import suggest_members
from tests.support import factories

DIMENSION = 192


def voice(seed):
    return np.random.default_rng(seed).standard_normal(DIMENSION)


def heard(seed, noise=0.3, shift=0):
    """An embedding of voice `seed` as a diarizer would give it in some meeting: the voice plus noise."""
    noisy = voice(seed) + noise * np.random.default_rng(1000 + seed + shift).standard_normal(DIMENSION)
    return [float(x) for x in noisy]


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def meeting_with_voices(organization, voices, creator=None, shift=0):
    """A meeting whose speakers S1, S2... were heard with the given voices (seeds)."""
    meeting = factories.meeting(organization, creator=creator)
    speakers = factories.transcript(meeting, [(f"v{seed}", "안녕하세요") for seed in voices], names=False)
    for seed in voices:
        speakers[f"v{seed}"].embedding = heard(seed, shift=shift)
        speakers[f"v{seed}"].save(update_fields=["embedding"])
    return meeting, [speakers[f"v{seed}"] for seed in voices]


def enrol(user, speaker):
    speaker.member = user
    speaker.save(update_fields=["member"])
    return services.enrol_from_speaker(user, speaker)[0]


@pytest.fixture
def past(org, owner):
    return meeting_with_voices(org, [1, 2, 3], creator=owner)


def test_a_member_saves_their_own_voice_from_a_speaker_linked_to_them(past, member):
    _meeting, (s1, _s2, _s3) = past
    s1.member = member
    s1.save(update_fields=["member"])
    response = api(member).post(f"/api/v1/meetings/{s1.meeting_id}/transcript/speakers/{s1.pk}/voiceprint/")
    assert response.status_code == 201 and response.json()["created"] is True
    voiceprint = Voiceprint.objects.get(member=member)
    assert voiceprint.organization_id == s1.meeting.organization_id and voiceprint.samples == 1
    assert voiceprint.consented_at is not None
    consent = AuditLog.objects.get(action="voiceprint.consent")
    assert consent.actor == member and consent.details["consented_at"] == voiceprint.consented_at.isoformat()
    again = api(member).post(f"/api/v1/meetings/{s1.meeting_id}/transcript/speakers/{s1.pk}/voiceprint/")
    assert again.status_code == 200 and again.json()["voiceprint"]["samples"] == 2


def test_no_voiceprint_without_the_members_own_action(past, owner, member):
    """An admin links a speaker to a member (a suggestion of who it is) but cannot save that member's voice."""
    _meeting, (s1, s2, _s3) = past
    link = api(owner).patch(
        f"/api/v1/meetings/{s1.meeting_id}/transcript/speakers/{s1.pk}/", {"member": member.pk}, format="json"
    )
    assert link.status_code == 200 and not Voiceprint.objects.exists()
    refused = api(owner).post(f"/api/v1/meetings/{s1.meeting_id}/transcript/speakers/{s1.pk}/voiceprint/")
    assert refused.status_code == 403 and refused.json()["code"] == "not_yours"
    unlinked = api(member).post(f"/api/v1/meetings/{s2.meeting_id}/transcript/speakers/{s2.pk}/voiceprint/")
    assert unlinked.status_code == 409 and unlinked.json()["code"] == "not_linked"
    assert not Voiceprint.objects.exists() and not AuditLog.objects.filter(action="voiceprint.consent").exists()
    suggest_members(factories.meeting(s1.meeting.organization))
    assert not Speaker.objects.exclude(suggested_member=None).exists()


def test_a_new_meetings_speakers_are_suggested_above_the_threshold_only(org, past, owner, member, admin_user):
    _meeting, (s1, s2, _s3) = past
    enrol(member, s1)
    enrol(admin_user, s2)
    later, (n2, n1, n9) = meeting_with_voices(org, [2, 1, 9], shift=7)
    chosen = suggest_members(later)
    assert set(chosen) == {n1.pk, n2.pk}
    n1.refresh_from_db(), n2.refresh_from_db(), n9.refresh_from_db()
    assert (n1.suggested_member, n2.suggested_member, n9.suggested_member) == (member, admin_user, None)
    assert n1.member is None and 0.87 <= n1.suggestion_confidence <= 1.0
    data = api(owner).get(f"/api/v1/meetings/{later.pk}/transcript/").json()
    by_id = {speaker["id"]: speaker for speaker in data["speakers"]}
    assert by_id[n1.pk]["suggested"] == member.pk and by_id[n1.pk]["member"] is None
    assert by_id[n1.pk]["confidence"] == n1.suggestion_confidence
    assert by_id[n1.pk]["suggested_name"] == (member.name or str(member))
    assert by_id[n9.pk]["suggested"] is None and by_id[n9.pk]["confidence"] is None


def test_two_speakers_of_one_meeting_never_get_the_same_member(org, past, member):
    _meeting, (s1, _s2, _s3) = past
    enrol(member, s1)
    later, (a, b) = meeting_with_voices(org, [1, 4], shift=3)
    b.embedding = heard(1, noise=0.4, shift=11)  # the same voice, split in two by diarization
    b.save(update_fields=["embedding"])
    chosen = suggest_members(later)
    assert len(chosen) == 1
    assert Speaker.objects.filter(meeting=later, suggested_member=member).count() == 1
    # a member already linked by hand to one speaker is suggested for no other
    Speaker.objects.filter(meeting=later).update(suggested_member=None)
    a.member = member
    a.save(update_fields=["member"])
    assert suggest_members(later) == {}


def test_confirm_links_the_member_and_adds_to_the_voiceprint_reject_removes_the_suggestion(org, past, owner, member):
    _meeting, (s1, s2, _s3) = past
    voiceprint = enrol(member, s1)
    before = np.array(voiceprint.vector)
    later, (n1,) = meeting_with_voices(org, [1], shift=5)
    suggest_members(later)
    url = f"/api/v1/meetings/{later.pk}/transcript/speakers/{n1.pk}/suggestion/"
    response = api(owner).post(url, {"decision": "confirm"}, format="json")
    assert response.status_code == 200
    assert response.json()["member"] == member.pk and response.json()["suggested"] is None
    n1.refresh_from_db(), voiceprint.refresh_from_db()
    assert n1.member == member and n1.named_by_voiceprint
    expected = (before + np.array(n1.embedding) / np.linalg.norm(n1.embedding)) / 2
    assert voiceprint.samples == 2 and np.allclose(voiceprint.vector, expected)
    assert api(owner).post(url, {"decision": "confirm"}, format="json").status_code == 409

    other, (m1,) = meeting_with_voices(org, [1], shift=6)
    suggest_members(other)
    page = owner_client_post(owner, f"/meetings/{other.pk}/transcript/speakers/{m1.pk}/suggestion/", "reject")
    assert page.status_code == 302
    m1.refresh_from_db()
    assert m1.suggested_member is None and m1.suggestion_confidence is None and m1.member is None
    voiceprint.refresh_from_db()
    assert voiceprint.samples == 2


def owner_client_post(user, url, decision):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.post(url, {"decision": decision})


def test_after_deletion_nothing_is_matched_and_the_vectors_are_gone(org, past, member):
    _meeting, (s1, _s2, _s3) = past
    enrol(member, s1)
    later, (n1,) = meeting_with_voices(org, [1], shift=2)
    suggest_members(later)
    assert Speaker.objects.filter(suggested_member=member).exists()
    from django.test import Client

    client = Client()
    client.force_login(member)
    page = client.get("/preferences/")
    assert later.title.encode() in page.content and b"voiceprint/" in page.content
    response = client.post(f"/preferences/voiceprint/{org.pk}/delete/")
    assert response.status_code == 302
    assert not Voiceprint.objects.exists()
    s1.refresh_from_db()
    assert s1.embedding is None  # the enrolled speaker's copy of the voice
    assert not Speaker.objects.filter(suggested_member=member).exists()
    assert suggest_members(meeting_with_voices(org, [1], shift=4)[0]) == {}
    deletion = AuditLog.objects.get(action="voiceprint.delete")
    assert deletion.actor == member and deletion.details["member"] == member.pk
    assert api(member).get(f"/api/v1/organizations/{org.pk}/voiceprint/").json()["enrolled"] is False


def test_an_outsider_never_sees_or_matches_another_organizations_voiceprints(org, other_org, past, member, outsider):
    _meeting, (s1, _s2, _s3) = past
    enrol(member, s1)
    theirs, (t1,) = meeting_with_voices(other_org, [1], shift=1)
    assert suggest_members(theirs) == {}
    t1.refresh_from_db()
    assert t1.suggested_member is None
    assert api(outsider).get(f"/api/v1/organizations/{org.pk}/voiceprint/").status_code == 404
    assert api(outsider).delete(f"/api/v1/organizations/{org.pk}/voiceprint/").status_code == 404
    mine = api(outsider).get(f"/api/v1/organizations/{other_org.pk}/voiceprint/").json()
    assert mine == {"enrolled": False, "samples": 0, "consented_at": None, "updated_at": None, "meetings": []}
    assert Voiceprint.objects.count() == 1


def test_retention_removes_the_voiceprints_of_people_who_left_and_stale_ones(org, past, member, admin_user):
    _meeting, (s1, s2, _s3) = past
    enrol(member, s1)
    enrol(admin_user, s2)
    Membership.objects.filter(user=member, organization=org).delete()
    apply_retention()
    assert list(Voiceprint.objects.values_list("member", flat=True)) == [admin_user.pk]
    org.retention_days = 30
    org.save(update_fields=["retention_days"])
    apply_retention(now=timezone.now() + datetime.timedelta(days=31))
    assert not Voiceprint.objects.exists()
    assert AuditLog.objects.filter(action="voiceprint.delete", details__reason="retention").count() == 2


def test_the_json_export_carries_member_and_suggestion(org, past, owner, member):
    _meeting, (s1, _s2, _s3) = past
    enrol(member, s1)
    later, (n1,) = meeting_with_voices(org, [1], shift=8)
    suggest_members(later)
    data = transcript_document(later)
    assert data["speakers"][0]["suggested"] == member.pk and data["speakers"][0]["member"] is None


def test_the_diarizers_embeddings_reach_the_saved_speakers_and_are_matched(org, past, member, settings):
    """Diarize -> align -> save, as a processing job runs them: the embeddings follow the engine's labels to
    S1, S2..., are stored on the speakers, and the saved speakers are matched against the voiceprints."""
    from ai_pipeline.stages import AlignStage
    from meetings.models import Job
    from meetings.processing.stages import JobContext, SaveStage

    settings.STT_LOW_CONFIDENCE = 0.0
    _meeting, (s1, _s2, _s3) = past
    enrol(member, s1)
    later = factories.meeting(org)
    job = Job.objects.create(meeting=later, kind="process")
    words = [{"w": " 안녕", "s": 0.2, "e": 0.8, "p": 0.9}, {"w": " 네", "s": 2.2, "e": 2.6, "p": 0.9}]
    context = JobContext(job=job, meeting=later)
    context.data.update(
        words=words,
        speech=[(0.0, 3.0)],
        duration=3.0,
        level_gain_db=0.0,
        turns=[(0.0, 1.0, "SPEAKER_02"), (2.0, 3.0, "SPEAKER_01")],
        speaker_embeddings={"SPEAKER_02": heard(9, shift=1), "SPEAKER_01": heard(1, shift=2)},
    )
    AlignStage().run(context, lambda done: None)
    assert set(context.data["speaker_embeddings"]) == {"S1", "S2"}
    SaveStage().run(context, lambda done: None)
    first, second = Speaker.objects.filter(meeting=later).order_by("label")
    assert np.allclose(first.embedding, heard(9, shift=1)) and np.allclose(second.embedding, heard(1, shift=2))
    assert (first.suggested_member, second.suggested_member) == (None, member)


def test_the_transcript_panel_offers_this_is_me_and_the_suggestion(org, past, member):
    from django.test import Client

    _meeting, (s1, _s2, _s3) = past
    s1.member = member
    s1.save(update_fields=["member"])
    client = Client()
    client.force_login(member)
    panel = client.get(f"/meetings/{s1.meeting_id}/transcript/", HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    assert f"/transcript/speakers/{s1.pk}/voiceprint/".encode() in panel.content
    saved = client.post(f"/meetings/{s1.meeting_id}/transcript/speakers/{s1.pk}/voiceprint/", HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and Voiceprint.objects.filter(member=member).exists()
    later, (n1,) = meeting_with_voices(org, [1], shift=12)
    suggest_members(later)
    panel = client.get(f"/meetings/{later.pk}/transcript/", HTTP_HX_REQUEST="true")
    assert f"/transcript/speakers/{n1.pk}/suggestion/".encode() in panel.content
    assert b'value="confirm"' in panel.content and b'value="reject"' in panel.content
    assert f"/transcript/speakers/{n1.pk}/voiceprint/".encode() not in panel.content  # not linked to anyone
