import os

from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
application = get_wsgi_application()

# Import every URLconf now, and with it every view and the API's schema: under gunicorn's
# --preload (linli serve) that is done once in the master before it forks, instead of in each
# worker on its first request (0.35 s measured on the 2-core VM). No connection is opened by
# importing, but should one be, it must not be shared with the forked workers.
get_resolver().url_patterns  # noqa: B018 (evaluated for its imports)
connections.close_all()
