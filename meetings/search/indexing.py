"""Write side of the index: a meeting's passages replaced in one transaction, the organization's
version moved forward in the same transaction so every process's cache notices. With an external index
(SEARCH_BACKEND=milvus) the same job then writes the passages there, from the rows just saved
(write_external: retried, then the meeting marked out of date)."""

import hashlib
import logging
import time

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ai_pipeline.models import OutOfDateIndex, Passage, PassageKind, SearchIndexVersion, SegmentEmbedding
from ai_pipeline.search.chunking import (
    DEFAULT_OVERLAP,
    DEFAULT_TARGET_CHARS,
    SegmentData,
    group_passages,
    passage_tokens,
)
from ai_pipeline.search.embeddings import combine, from_blob, get_engine, text_hash, to_blob
from ai_pipeline.search.engine import backend_name
from ai_pipeline.search.text import morphemes_many

logger = logging.getLogger(__name__)

TOKENIZER_VERSION = "kiwi-content-2"  # 2: Latin-script words read from the text


def bump_version(organization_id):
    updated = SearchIndexVersion.objects.filter(organization_id=organization_id).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        _row, created = SearchIndexVersion.objects.get_or_create(
            organization_id=organization_id, defaults={"version": 1}
        )
        if not created:
            bump_version(organization_id)


def passage_settings():
    chars = getattr(settings, "SEARCH_PASSAGE_CHARS", None) or DEFAULT_TARGET_CHARS
    overlap = getattr(settings, "SEARCH_PASSAGE_OVERLAP", None)
    return int(chars), DEFAULT_OVERLAP if overlap is None else int(overlap)


def meeting_segments(meeting):
    rows = meeting.segments.select_related("speaker", "speaker__member").order_by("position")
    return [
        SegmentData(
            position=s.position,
            start=s.start,
            end=s.end,
            text=s.text or "",
            speaker_label=s.speaker.label if s.speaker else "",
            speaker_name=s.speaker.display_name if s.speaker else "",
        )
        for s in rows
    ]


def metadata_text(meeting):
    parts = [meeting.title, timezone.localtime(meeting.held_at).strftime("%Y-%m-%d")]
    parts += [tag.name for tag in meeting.tags.all()]
    parts += [user.name or user.email.split("@")[0] for user in meeting.participants.all()]
    if meeting.external_participants:
        parts.append(meeting.external_participants)
    parts += [s.display_name for s in meeting.speakers.select_related("member") if s.name or s.member_id]
    if meeting.description:
        parts.append(meeting.description)
    return "\n".join(p.strip() for p in parts if p and p.strip())


def embed_texts(meeting, texts, engine):
    """{hash: vector} for these texts, running the model only on those this meeting has not stored."""
    wanted = {text_hash(t): t.strip() for t in texts if t and t.strip()}
    known = {
        h: from_blob(v, engine.dim)[0]
        for h, v in SegmentEmbedding.objects.filter(meeting=meeting, model=engine.name).values_list(
            "content_hash", "vector"
        )
        if h in wanted
    }
    missing = [h for h in wanted if h not in known]
    new_rows = []
    # The whole meeting in one call: the engine groups texts of similar length into its own batches.
    vectors = engine.passage([wanted[h] for h in missing], bulk=True) if missing else []
    for h, vector in zip(missing, vectors, strict=True):
        known[h] = vector
        new_rows.append(
            SegmentEmbedding(
                meeting=meeting, model=engine.name, content_hash=h, vector=to_blob(vector), weight=len(wanted[h])
            )
        )
    return known, new_rows, set(wanted)


def build_passages(meeting, target_chars=None, overlap=None, engine=None):
    """The meeting's passages (unsaved) and the new segment embeddings they needed."""
    engine = engine or get_engine()
    default_chars, default_overlap = passage_settings()
    target_chars = target_chars or default_chars
    overlap = default_overlap if overlap is None else overlap
    segments = meeting_segments(meeting)
    groups = group_passages(segments, target_chars, overlap)
    meta = metadata_text(meeting)
    vectors, new_rows, used = embed_texts(meeting, [s.text for s in segments] + [meta], engine)

    names = sorted({s.speaker_name or s.speaker_label for s in segments} - {""})
    token_lists = morphemes_many([s.text for s in segments] + names + [meta])
    segment_tokens = {s.position: t for s, t in zip(segments, token_lists, strict=False)}
    name_tokens = dict(zip(names, token_lists[len(segments) :], strict=False))
    passages = []
    for group in groups:
        text, spans = group.render()
        tokens = passage_tokens(group, segment_tokens, name_tokens)
        keys = [text_hash(s.text) for s in group.segments if s.text.strip()]
        vector = combine(
            [vectors[k] for k in keys], [max(1, len(s.text.strip())) for s in group.segments if s.text.strip()]
        )
        speaker_names = sorted({s.speaker_name for s in group.segments if s.speaker_name})
        passages.append(
            Passage(
                organization_id=meeting.organization_id,
                meeting=meeting,
                kind=PassageKind.TRANSCRIPT,
                first_position=group.first_position,
                last_position=group.last_position,
                start=group.segments[0].start,
                end=group.segments[-1].end,
                speaker_labels=" ".join(sorted({s.speaker_label for s in group.segments if s.speaker_label}))[:500],
                speaker_names="|" + "|".join(speaker_names) + "|" if speaker_names else "",
                text=text,
                spans=spans,
                tokens=" ".join(tokens),
                embedding=to_blob(vector),
                embedding_model=engine.name,
            )
        )
    if meta:
        passages.append(
            Passage(
                organization_id=meeting.organization_id,
                meeting=meeting,
                kind=PassageKind.METADATA,
                text=meta,
                spans=[],
                tokens=" ".join(token_lists[-1]),
                embedding=to_blob(vectors[text_hash(meta)]),
                embedding_model=engine.name,
            )
        )
    for p in passages:
        p.content_hash = hashlib.sha256(
            "\x1f".join(
                [TOKENIZER_VERSION, p.embedding_model, p.kind, str(p.first_position), p.speaker_names, p.text]
            ).encode("utf-8")
        ).hexdigest()
    return passages, new_rows, used


def index_meeting(meeting, target_chars=None, overlap=None):
    """Replace the meeting's passages. Idempotent: when nothing changed, nothing is written and
    caches stay valid. Returns the number of passages."""
    engine = get_engine()
    passages, new_rows, used = build_passages(meeting, target_chars, overlap, engine)
    old = list(Passage.objects.filter(meeting=meeting).values_list("content_hash", "organization_id"))
    unchanged = sorted(h for h, _org in old) == sorted(p.content_hash for p in passages) and all(
        org == meeting.organization_id for _h, org in old
    )
    with transaction.atomic():
        if new_rows:
            SegmentEmbedding.objects.bulk_create(new_rows, batch_size=500, ignore_conflicts=True)
        stale = [
            pk
            for pk, model, h in SegmentEmbedding.objects.filter(meeting=meeting).values_list(
                "pk", "model", "content_hash"
            )
            if model != engine.name or h not in used
        ]
        for i in range(0, len(stale), 500):
            SegmentEmbedding.objects.filter(pk__in=stale[i : i + 500]).delete()
        if not unchanged:
            Passage.objects.filter(meeting=meeting).delete()
            Passage.objects.bulk_create(passages, batch_size=500)
            for org_id in {org for _h, org in old} | {meeting.organization_id}:
                bump_version(org_id)
    if backend_name() != "local" and (not unchanged or is_out_of_date(meeting.pk)):
        write_external(meeting.pk, meeting.organization_id)
    return len(passages)


def remove_meeting(meeting):
    """Drop a meeting's passages and stored embeddings (a deleted meeting's rows go by cascade;
    this also tells every cache)."""
    meeting_id = getattr(meeting, "pk", meeting)
    with transaction.atomic():
        orgs = set(Passage.objects.filter(meeting_id=meeting_id).values_list("organization_id", flat=True))
        org_id = getattr(meeting, "organization_id", None)
        if org_id:
            orgs.add(org_id)
        Passage.objects.filter(meeting_id=meeting_id).delete()
        SegmentEmbedding.objects.filter(meeting_id=meeting_id).delete()
        for org in orgs:
            bump_version(org)
    write_external(meeting_id, org_id, remove=True)


def is_out_of_date(meeting_id):
    return OutOfDateIndex.objects.filter(meeting_id=meeting_id).exists()


def external_rows(meeting_id):
    """The meeting's passages as the external index takes them (plain data, from the database)."""
    rows = Passage.objects.filter(meeting_id=meeting_id).values_list(
        "pk", "organization_id", "kind", "tokens", "embedding"
    )
    return [
        {
            "id": pk,
            "organization_id": org_id,
            "is_meta": kind == PassageKind.METADATA,
            "tokens": tokens,
            "vector": from_blob(blob)[0],
        }
        for pk, org_id, kind, tokens, blob in rows
    ]


def write_external(meeting_id, organization_id=None, *, remove=False, backend=None):
    """Make the external index (SEARCH_BACKEND, or `backend`) hold the meeting's passages as the database
    has them now, or none (`remove`). A failed write is tried again MILVUS_WRITE_ATTEMPTS times in all,
    MILVUS_WRITE_BACKOFF seconds doubling between tries; if none succeeds the meeting is marked out of
    date (OutOfDateIndex) rather than left silently stale, and the next write that succeeds unmarks it.
    Returns whether it was written (True as well when there is no external index)."""
    backend = backend or backend_name()
    if backend == "local":
        return True
    from ai_pipeline.search import milvus

    attempts = max(1, int(getattr(settings, "MILVUS_WRITE_ATTEMPTS", 4) or 1))
    delay = float(getattr(settings, "MILVUS_WRITE_BACKOFF", 1.0))
    error = None
    for attempt in range(1, attempts + 1):
        try:
            if remove:
                milvus.remove_meeting(meeting_id)
            else:
                milvus.replace_meeting(meeting_id, external_rows(meeting_id))
        except Exception as exc:  # the server, the network or the client: all leave the index behind
            error = exc
            logger.warning(
                "writing meeting %s to the %s index failed (try %s of %s): %s",
                meeting_id,
                backend,
                attempt,
                attempts,
                exc,
            )
            if attempt < attempts:
                time.sleep(delay * 2 ** (attempt - 1))
            continue
        OutOfDateIndex.objects.filter(meeting_id=meeting_id).delete()
        return True
    OutOfDateIndex.objects.update_or_create(
        meeting_id=meeting_id,
        defaults={
            "organization_id": organization_id,
            "backend": backend,
            "error": f"{type(error).__name__}: {error}"[:2000],
            "attempts": attempts,
        },
    )
    logger.error("meeting %s is out of date in the %s index: %s", meeting_id, backend, error)
    return False


def rebuild_index(meetings, progress=None, backend=None):
    """Index each of `meetings`; returns (meetings, passages). backend "milvus": also write each one's
    passages to Milvus whatever SEARCH_BACKEND says (filling it before the switch, or catching up on
    meetings marked out of date), and remove from it the deleted meetings marked out of date."""
    count = passages = 0
    for meeting in meetings:
        passages += index_meeting(meeting)
        if backend and backend != "local":
            write_external(meeting.pk, meeting.organization_id, backend=backend)
        count += 1
        if progress:
            progress(meeting, count)
    if backend and backend != "local":
        from meetings.models import Meeting

        marked = set(OutOfDateIndex.objects.values_list("meeting_id", flat=True))
        for meeting_id in marked - set(Meeting.objects.filter(pk__in=marked).values_list("pk", flat=True)):
            write_external(meeting_id, remove=True, backend=backend)
    return count, passages


def passage_vectors(rows, dim):
    return np.vstack([from_blob(b, dim) for b in rows]) if rows else np.zeros((0, dim), np.float32)
