"""URLs of the floor pages, mounted at `/floor/` by the top wiring (laseros/site/urls.py).

Each page module adds its own patterns here: the queue and job cards (queue.py), runs and QC
(runs.py), the planner's board (plan.py).
"""

from django.urls import path

from . import auth, plan, queue

app_name = "floor"

urlpatterns: list = [
    # the tablet's login, the queue per machine, the job card, the PWA's service worker (queue.py)
    path("", queue.home, name="home"),
    path("login/", auth.FloorLoginView.as_view(), name="login"),
    path("logout/", auth.FloorLogoutView.as_view(), name="logout"),
    path("sw.js", queue.service_worker, name="sw"),
    path("offline/", queue.offline, name="offline"),
    path("queue/<str:machine>/", queue.queue_page, name="queue"),
    path("queue/<str:machine>/rows/", queue.queue_rows, name="queue_rows"),
    path("queue/<str:machine>/move/", queue.queue_move_view, name="queue_move"),
    path("jobs/<str:code>/", queue.job_card, name="job"),
    path("items/<int:pk>/", queue.queue_item_card, name="queue_item"),
    # end of the queue's patterns
    # the planner's board and a manager's slot pins (plan.py)
    path("plan/", plan.plan_page, name="plan"),
    path("plan/items/<int:pk>/pin/", plan.slot_override, name="plan_override"),
    path("plan/items/<int:pk>/unpin/", plan.slot_override_remove, name="plan_override_remove"),
]
