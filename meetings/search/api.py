"""/api/v1/search/: search the meetings you may see. The ranking and the permission scoping are
meetings.search (the same as the search page's); this view adds the API's filters and shape."""

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import organizations_for
from meetings.access import meetings_for
from nexochat.errors import ErrorSerializer, ServiceError, error_response
from nexochat.ids import ID_RANGE
from nexochat.security import rate_limit


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=500, help_text="What to look for (Korean particles and endings are ignored).")
    organization = serializers.IntegerField(
        required=False, help_text="Only this organization (default: all yours).", **ID_RANGE
    )
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    speaker = serializers.CharField(required=False, max_length=100, help_text="A speaker's name or label.")
    participant = serializers.IntegerField(required=False, help_text="A participant's user id.", **ID_RANGE)
    tag = serializers.CharField(required=False, max_length=50, help_text="A tag name.")
    meeting = serializers.IntegerField(required=False, help_text="Only this meeting.", **ID_RANGE)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=50, default=10)
    details = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Answer with an object: the results, what was searched and, when nothing cleared the relevance "
        "floor, near misses to try (never answers). Without it the answer is the list of results.",
    )


class SearchResultSerializer(serializers.Serializer):
    meeting = serializers.IntegerField(help_text="The meeting's id.")
    meeting_title = serializers.CharField()
    held_at = serializers.DateTimeField()
    kind = serializers.CharField(help_text="transcript (something said) or metadata (title and details).")
    position = serializers.IntegerField(allow_null=True, help_text="The segment's position in the transcript.")
    start = serializers.FloatField(help_text="Seconds from the start of the recording.")
    end = serializers.FloatField()
    speaker = serializers.CharField()
    score = serializers.FloatField()
    snippet = serializers.CharField()
    highlights = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()), help_text="[start, length] in the snippet."
    )
    url = serializers.CharField(help_text="The meeting page, opened at this moment.")


class SearchSuggestionSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="word (a word of your meetings close to one asked) or meeting.")
    reason = serializers.CharField(help_text="For meetings: title (its title and details) or date.")
    query = serializers.CharField(help_text="For words: the search to try instead.")
    word = serializers.CharField()
    replacement = serializers.CharField()
    meeting = serializers.IntegerField(allow_null=True)
    meeting_title = serializers.CharField()
    held_at = serializers.DateTimeField(allow_null=True)
    position = serializers.IntegerField(allow_null=True)
    start = serializers.FloatField(allow_null=True)
    snippet = serializers.CharField()
    text = serializers.CharField(help_text="The suggestion in a sentence.")
    is_answer = serializers.BooleanField(help_text="Always false.")


class SearchDetailsSerializer(serializers.Serializer):
    results = SearchResultSerializer(many=True)
    found = serializers.BooleanField(help_text="False when no result cleared the relevance floor.")
    searched = serializers.DictField(help_text="query, terms, when (a date the query names), below_floor, text.")
    suggestions = SearchSuggestionSerializer(many=True)


class SearchView(APIView):
    @extend_schema(
        summary="Search the meetings you may see",
        parameters=[SearchQuerySerializer],
        responses={
            200: PolymorphicProxySerializer(
                component_name="SearchAnswer",
                serializers=[SearchResultSerializer(many=True), SearchDetailsSerializer],
                resource_type_field_name=None,
                many=False,
            ),
            503: ErrorSerializer,
        },
        description="Only results that clear the relevance floor are listed (none: []). With `details=true` the "
        "answer is an object (SearchDetails) that also says what was searched and offers near misses. 503 "
        "(code search_unavailable): the search index server did not answer, so nothing was searched.",
        tags=["search"],
    )
    @rate_limit("search", methods=("GET",))
    def get(self, request):
        from ai_pipeline.search.present import outcome_data
        from meetings.search.views import run_search

        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        visible = meetings_for(request.user)
        if data.get("organization"):
            if not organizations_for(request.user).filter(pk=data["organization"]).exists():
                raise NotFound()
            visible = visible.filter(organization_id=data["organization"])
        filters = {k: data[k] for k in ("date_from", "date_to", "speaker", "participant", "tag") if data.get(k)}
        if data.get("organization"):
            filters["organization"] = data["organization"]
        if data.get("meeting"):
            visible = visible.filter(pk=data["meeting"])
            filters["meeting"] = [data["meeting"]] if visible.exists() else [-1]  # [] would mean "any"
        try:
            explained = run_search(request.user, data["q"], filters, limit=data["limit"])
        except ServiceError as exc:
            return error_response(exc)
        visible_ids = set(visible.filter(pk__in=[r.meeting.pk for r in explained.results]).values_list("pk", flat=True))
        rows = []
        for result in explained.results:
            hit, meeting = result.hit, result.meeting
            if meeting.pk not in visible_ids:
                continue
            rows.append(
                {
                    "meeting": meeting.pk,
                    "meeting_title": meeting.title,
                    "held_at": meeting.held_at,
                    "kind": hit.kind,
                    "position": hit.position,
                    "start": round(hit.start, 2),
                    "end": round(hit.end, 2),
                    "speaker": hit.speaker_name or hit.speaker_label,
                    "score": hit.score,
                    "snippet": hit.snippet,
                    "highlights": [list(h) for h in hit.highlights],
                    "url": f"/meetings/{meeting.pk}/?t={int(hit.start)}",
                }
            )
        if data["details"]:
            details = {"results": rows, **outcome_data(explained.outcome, filters)}
            return Response(SearchDetailsSerializer(details).data)
        return Response(SearchResultSerializer(rows, many=True).data)
