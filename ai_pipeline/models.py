"""The search index, kept in the database so every web process and worker shares one copy.

A web process caches an organization's index in memory and rebuilds it when that organization's
`SearchIndexVersion` moves, so a worker's update is seen by every node without a restart.

These are the search engine's own tables: the engine (ai_pipeline/search/engine.py) reads them, the
app's indexer (meetings/search/indexing.py) writes them. They point at the app's rows by string
reference ("meetings.Meeting", "accounts.Organization") so that a meeting or organization deleted takes
its passages with it, without this module importing the app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

MEETING = "meetings.Meeting"
ORGANIZATION = "accounts.Organization"


class PassageKind(models.TextChoices):
    TRANSCRIPT = "transcript", _("Transcript")
    METADATA = "metadata", _("Meeting details")


class Passage(models.Model):
    """A run of consecutive segments (grouped along speaker turns), or one meeting's title and details."""

    # Denormalised so the permission filter needs no join.
    organization = models.ForeignKey(ORGANIZATION, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(MEETING, on_delete=models.CASCADE, related_name="passages")
    kind = models.CharField(max_length=16, choices=PassageKind.choices, default=PassageKind.TRANSCRIPT)
    first_position = models.PositiveIntegerField(null=True, blank=True)
    last_position = models.PositiveIntegerField(null=True, blank=True)
    start = models.FloatField(default=0.0)
    end = models.FloatField(default=0.0)
    speaker_labels = models.CharField(max_length=500, blank=True)
    # "|name one|name two|": a filter can match one whole name.
    speaker_names = models.TextField(blank=True)
    text = models.TextField()
    # [[position, start, end, char_start, char_end, speaker label, speaker name], ...] into `text`.
    spans = models.JSONField(default=list, blank=True)
    tokens = models.TextField(blank=True)  # Kiwi content morphemes, space-joined
    embedding = models.BinaryField()  # float16, L2-normalised
    embedding_model = models.CharField(max_length=100)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("search passage")
        verbose_name_plural = _("search passages")
        ordering = ["meeting", "kind", "first_position"]
        indexes = [
            models.Index(fields=["organization", "meeting"], name="passage_org_meeting"),
            models.Index(fields=["meeting", "first_position"], name="passage_meeting_pos"),
        ]

    def __str__(self):
        return f"{self.meeting_id}:{self.first_position}-{self.last_position}"


class SegmentEmbedding(models.Model):
    """One segment text's embedding, keyed by its content hash: an edit re-embeds only what changed,
    and passages of any size are built from these without running the model again."""

    meeting = models.ForeignKey(MEETING, on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=100)
    content_hash = models.CharField(max_length=64)
    vector = models.BinaryField()  # float16, L2-normalised
    weight = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "model", "content_hash"], name="unique_segment_embedding")
        ]

    def __str__(self):
        return f"{self.meeting_id}:{self.content_hash[:12]}"


class SearchIndexVersion(models.Model):
    """Moves forward whenever an organization's passages change; caches compare against it."""

    organization = models.OneToOneField(
        ORGANIZATION, on_delete=models.CASCADE, primary_key=True, related_name="search_index_version"
    )
    version = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.organization_id}@{self.version}"


class MeetingSource(models.Model):
    """Where an imported meeting came from: its id in the source, kept so re-importing replaces it.
    Written by the importer (meetings/search/importer.py) and read by the search and ask commands; it
    stays with the index tables because its migrations are this app's."""

    meeting = models.OneToOneField(MEETING, on_delete=models.CASCADE, related_name="source")
    organization = models.ForeignKey(ORGANIZATION, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(_("external id"), max_length=200)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("meeting source")
        verbose_name_plural = _("meeting sources")
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], name="unique_meeting_external_id")
        ]

    def __str__(self):
        return self.external_id


class OutOfDateIndex(models.Model):
    """A meeting whose passages an external search index (SEARCH_BACKEND=milvus) may not match: writing
    them there failed after every retry. The meeting page and API say so, instead of searches quietly
    missing or showing old text; the next write that succeeds (a reindex, `manage.py rebuild_index
    --backend milvus`) removes it. The meeting is a plain id: removing a deleted meeting's passages can
    fail too, and its row must outlive it."""

    meeting_id = models.PositiveBigIntegerField(unique=True)
    organization_id = models.PositiveBigIntegerField(null=True, blank=True)
    backend = models.CharField(max_length=32)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    since = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("out-of-date search index entry")
        verbose_name_plural = _("out-of-date search index entries")

    def __str__(self):
        return f"{self.meeting_id}@{self.backend}"
