"""API: the action-item tracker and the decision log across meetings."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings.api import StandardPagination
from meetings.conference.api import params
from meetings.conference.calendars import local_today
from meetings.conference.items import (
    action_items_for,
    clear_supersede,
    decisions_for,
    filter_action_items,
    filter_decisions,
    set_item_status,
    supersede,
)
from meetings.conference.permissions import require_item_change, require_manage
from meetings.conference.serializers import (
    ActionFilterSerializer,
    ActionStatusSerializer,
    ConferenceActionItemSerializer,
    ConferenceDecisionSerializer,
    DecisionFilterSerializer,
    SupersedeSerializer,
)
from nexochat.errors import ErrorSerializer, ServiceError, error_response


class ActionItemListView(APIView):
    pagination_class = StandardPagination  # also tells the schema the list is paged

    @extend_schema(
        summary="Action items across your meetings",
        parameters=[ActionFilterSerializer],
        responses=ConferenceActionItemSerializer(many=True),
    )
    def get(self, request):
        v = params.query(request, ActionFilterSerializer)
        organization = params.organization_or_all(request.user, v.pop("organization", None))
        items = filter_action_items(action_items_for(request.user, organization), request.user, **v)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(items, request, view=self)
        context = {"request": request, "today": local_today(request.user)}
        return paginator.get_paginated_response(ConferenceActionItemSerializer(page, many=True, context=context).data)


class ActionItemDetailView(APIView):
    def _item(self, request, item_id):
        return get_object_or_404(action_items_for(request.user), pk=item_id)

    def _data(self, request, item):
        return ConferenceActionItemSerializer(item, context={"today": local_today(request.user)}).data

    @extend_schema(summary="An action item", responses=ConferenceActionItemSerializer)
    def get(self, request, item_id):
        return Response(self._data(request, self._item(request, item_id)))

    @extend_schema(
        summary="Change an action item's status (assignee, meeting creator or admin)",
        request=ActionStatusSerializer,
        responses=ConferenceActionItemSerializer,
    )
    def patch(self, request, item_id):
        item = self._item(request, item_id)
        require_item_change(request.user, item)
        data = ActionStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        set_item_status(item, data.validated_data["status"])
        return Response(self._data(request, item))


class DecisionListView(APIView):
    pagination_class = StandardPagination

    @extend_schema(
        summary="The decision log across your meetings",
        parameters=[DecisionFilterSerializer],
        responses=ConferenceDecisionSerializer(many=True),
    )
    def get(self, request):
        v = params.query(request, DecisionFilterSerializer)
        organization = params.organization_or_all(request.user, v.get("organization"))
        decisions = filter_decisions(
            decisions_for(request.user, organization),
            q=v.get("q", ""),
            meeting=v.get("meeting"),
            series=v.get("series"),
            include_superseded=not v["current"],
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(decisions, request, view=self)
        return paginator.get_paginated_response(ConferenceDecisionSerializer(page, many=True).data)


class DecisionSupersedeView(APIView):
    @extend_schema(
        summary="Mark a decision as superseded by a later one (meeting creator or admin)",
        request=SupersedeSerializer,
        responses={200: ConferenceDecisionSerializer, 400: ErrorSerializer},
    )
    def post(self, request, decision_id):
        decision = get_object_or_404(decisions_for(request.user), pk=decision_id)
        require_manage(request.user, decision.meeting)
        data = SupersedeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        later_id = data.validated_data["superseded_by"]
        try:
            if later_id:
                supersede(decision, get_object_or_404(decisions_for(request.user), pk=later_id))
            else:
                clear_supersede(decision)
        except ServiceError as exc:
            return error_response(exc)
        return Response(ConferenceDecisionSerializer(decision).data)
