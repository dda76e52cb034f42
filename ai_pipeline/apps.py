from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AiPipelineConfig(AppConfig):
    name = "ai_pipeline"
    verbose_name = _("AI pipeline")
