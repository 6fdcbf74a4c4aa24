#!/usr/bin/env python
"""Django's command-line utility for OMS.

A configuration problem (a missing key, a malformed setting) ends the command with its
message and exit status 2, before any command runs, so it never passes for store damage
(exit 1) and ``manage.py help`` never lists a project without its own commands.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms_project.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings now, to report them now
    except ImproperlyConfigured as exc:
        print(f"OMS is not configured: {exc}", file=sys.stderr)
        sys.exit(2)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
