from django.apps import AppConfig


class NexoChatConfig(AppConfig):
    name = "nexochat"
    verbose_name = "NexoChat"

    def ready(self):
        from . import (
            checks,  # noqa: F401 (registers the system checks)
            strict_json,
        )
        from .ids import register

        register()
        strict_json.install()
