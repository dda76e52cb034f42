"""Task modules that moved when the code was reorganised into feature packages.

django-q keeps a task's function as a dotted path ("ai_pipeline.tasks.run_job") inside the queued
payload, so a job queued before an upgrade names the old module. Each old module name is an alias
of the new one, resolved only when something imports it: a worker handed such a task runs the same
function. Stored schedules are rewritten to the new paths by `manage.py setup_schedules`."""

import importlib
import importlib.abc
import importlib.util
import sys

MOVED = {
    "ai_pipeline.tasks": "meetings.processing.tasks",
    "ai_pipeline.chat.tasks": "meetings.chat.tasks",
    "ai_pipeline.search.tasks": "meetings.search.tasks",
    "meetings.retention": "meetings.recordings.retention",
    "meetings.voice_expiry": "meetings.recordings.short_audio",
    "meetings.chat.voice_expiry": "meetings.recordings.short_audio",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name in MOVED:
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module):
        """The module was executed under its new name."""


def install():
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.append(_Alias())
