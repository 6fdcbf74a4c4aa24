"""Settings of the API benchmark's server: OMS's own, plus the bare view's URL (``bare_urls``).

Only ``bench/api.py`` starts a server with these (``DJANGO_SETTINGS_MODULE=bench.settings``);
everything else, middleware included, is exactly what ``oms_project.settings`` configures.
"""

from oms_project.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
