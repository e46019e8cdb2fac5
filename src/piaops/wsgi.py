import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "piaops.settings")
application = get_wsgi_application()

# gunicorn (and any WSGI server) fails to boot, with the message in its log, rather than serve a half-migrated DB.
from piaops.core.startup import ensure_migrated  # noqa: E402

ensure_migrated()
