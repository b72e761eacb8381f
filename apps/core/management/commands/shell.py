"""Django's shell, auto-importing every model but the audit trail's historical ones, which
simple-history files under their app's package where the shell's import cannot find them (it
would print a warning into every `shell -c` output)."""

from django.apps import apps
from django.core.management.commands import shell

from apps.core.audit import is_history


class Command(shell.Command):
    def get_auto_imports(self):
        historical = {
            f"{model.__module__}.{model.__name__}"
            for model in apps.get_models()
            if is_history(model)
        }
        return [path for path in super().get_auto_imports() if path not in historical]
