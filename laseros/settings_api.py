"""Settings of the REST API (DRF, drf-spectacular, retries and ETags), read from the environment
(.env.example lists them); laseros.settings takes them all."""

import environ

__all__ = [
    "API_REQUIRE_IF_MATCH",
    "IDEMPOTENCY_KEY_HOURS",
    "REST_FRAMEWORK",
    "SPECTACULAR_SETTINGS",
]

env = environ.Env()

REST_FRAMEWORK = {
    # Token first: DRF answers an unauthenticated request with the first class's challenge, so a
    # bad or missing token is a 401 with `WWW-Authenticate: Token` (a session has no challenge:
    # it was a 403). A browser's session still authenticates, and still needs its CSRF token.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # a named token (laseros.models.ApiToken), else DRF's one token per user
        "laseros.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["laseros.api.permissions.RoleModelPermissions"],
    # A service's ValidationError or a refused status move is a 400 naming the field or gate.
    "EXCEPTION_HANDLER": "laseros.api.exceptions.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env.int("API_PAGE_SIZE", default=50),
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "laseros.api.throttling.AnonRateThrottle",
        "laseros.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
        # POST /api/v1/auth/token/, per address: password guessing across many accounts
        "token": env.str("API_THROTTLE_TOKEN", default="10/min"),
        # POST /api/v1/quotes/instant/, per user: each one reads a whole drawing
        "instant_quote": env.str("API_THROTTLE_INSTANT_QUOTE", default="30/min"),
    },
    # Throttles count by REMOTE_ADDR, like axes and the audit trail; without this DRF would trust
    # whatever X-Forwarded-For the client sends, and a new header would make a new client.
    "NUM_PROXIES": 0,
    # Operations tagged by resource (jobs, files, stock...) in Swagger: laseros.api.schema.
    "DEFAULT_SCHEMA_CLASS": "laseros.api.schema.LaserOSAutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# An Idempotency-Key is kept this many hours: a retry within them gets the first answer.
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
# Whether every PUT, PATCH and DELETE of a record must send If-Match (its ETag): 428 without it.
# Off by default, so clients written before ETags keep working; a stale If-Match is 412 either way.
API_REQUIRE_IF_MATCH = env.bool("API_REQUIRE_IF_MATCH", default=False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Laser OS API",
    "DESCRIPTION": "The shop's records for external tools: clients, jobs, files, production.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger's headings, in a manager's order (laseros.api.schema tags each path by resource).
    "TAGS": [
        {
            "name": "jobs",
            "description": "Jobs (projects in the API's paths), their lines and documents "
            "(quotes, invoices, proofs of payment), and their status moves.",
        },
        {"name": "clients", "description": "Clients and their contacts."},
        {
            "name": "files",
            "description": "Design files: upload, what was read from them, previews and downloads.",
        },
        {"name": "queue", "description": "The laser queue: what is cut next, on which machine."},
        {"name": "runs", "description": "Laser runs: the jobs each served and the sheets used."},
        {"name": "machines", "description": "Machines and their cut presets."},
        {"name": "stock", "description": "Materials, sheet stock, its movements and offcuts."},
        {"name": "products", "description": "Products the shop makes again and again."},
        {"name": "account", "description": "Who you are, and your API tokens."},
        {
            "name": "search",
            "description": "One box over clients, contacts, jobs, products, files (by name and "
            "by the text read from them), quotes and invoices; a code finds its record first.",
        },
        {
            "name": "quotes",
            "description": "Prices: an instant quote for a drawing (nothing is stored), the shop's "
            "rates and their changes, quantity breaks, delivery options and VAT rates.",
        },
        {
            "name": "billing",
            "description": "Invoices (drafts, issued with their numbers), credit notes and "
            "payments allocated to invoices: what each client owes and has paid.",
        },
        {
            "name": "messages",
            "description": "Messages to clients (the outbox), their templates, notes of calls, "
            "and e-mails read in by the intake.",
        },
        {
            "name": "webhooks",
            "description": "Webhook endpoints: where the shop's events are sent, signed "
            "(Standard Webhooks). A new endpoint's secret is answered once.",
        },
        {
            "name": "shop",
            "description": "The shop's own records, read-only: the audit trail, backups and the "
            "reports made.",
        },
    ],
    # One schema name per choice set, so generated clients get stable enum names.
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "projects.models.ProjectStatus",
        "PriorityEnum": "projects.models.ProjectPriority",  # the queue uses the same four
        "DocumentKindEnum": "projects.models.DocumentKind",
        "FileKindEnum": "ingest.models.FileKind",
        "FileStatusEnum": "ingest.models.FileStatus",
        "FileSourceEnum": "ingest.models.FileSource",
        "MovementKindEnum": "inventory.models.MovementKind",
        "OffcutStatusEnum": "inventory.models.OffcutStatus",
        "GasEnum": "production.models.Gas",
        "QualityEffectEnum": "production.models.QualityEffect",
        "QueueStatusEnum": "production.models.QueueStatus",
        "InvoiceKindEnum": "finance.models.InvoiceKind",
        "PaymentMethodEnum": "finance.models.PaymentMethod",
    },
}
