"""{% search_index_notice meeting %}: says on the meeting's page when its passages may be missing from an
external search index or out of date there (ai_pipeline.models.OutOfDateIndex)."""

from django import template

from ai_pipeline.models import OutOfDateIndex

register = template.Library()


@register.inclusion_tag("meetings/search/index_out_of_date.html")
def search_index_notice(meeting):
    return {"out_of_date": OutOfDateIndex.objects.filter(meeting_id=meeting.pk).exists()}
