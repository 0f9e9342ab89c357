"""Settings for bench/web_load.py only: the product's settings with the bench's urlconf.

The urlconf adds one view, the bare JsonResponse the API list is compared with; it is never in
the product's URLs (laseros.site.urls). Nothing else differs: the middleware, authentication,
database options and throttles are the product's, read from the same environment.
"""

from laseros.settings import *  # noqa: F403

ROOT_URLCONF = "bench.web_urls"
