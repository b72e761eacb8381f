#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    from apps.core.audit import AuditPath, audit_path

    # A command's writes are tagged `command` in the audit trail (requests and tasks run by
    # runserver or a worker tag their own).
    with audit_path(AuditPath.COMMAND):
        execute_from_command_line(sys.argv)
