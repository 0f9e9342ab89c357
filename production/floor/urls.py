"""URLs of the floor pages, mounted at `/floor/` by the top wiring (laseros/site/urls.py).

Each page module adds its own patterns here: the queue and job cards (queue.py), runs and QC
(runs.py), the planner's board (plan.py).
"""

from django.urls import path  # noqa: F401  (used as page modules add their patterns)

app_name = "floor"

urlpatterns: list = []
