"""URLs of the floor pages, mounted at `/floor/` by the top wiring (laseros/site/urls.py).

Each page module adds its own patterns here: the queue and job cards (queue.py), runs and QC
(runs.py), the planner's board (plan.py).
"""

from django.urls import path

from . import auth, notifications, plan, queue, runs

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
    # runs in progress: start, the run's clock and sheets, finish or stop; QC (runs.py)
    path("runs/", runs.runs_page, name="runs"),
    path("runs/start/", runs.run_start_page, name="run_start"),
    path("runs/start/go/", runs.run_start, name="run_start_go"),
    path("runs/<int:pk>/", runs.run_page, name="run"),
    path("runs/<int:pk>/clock/", runs.run_clock, name="run_clock"),
    path("runs/<int:pk>/pause/", runs.run_pause, name="run_pause"),
    path("runs/<int:pk>/resume/", runs.run_resume, name="run_resume"),
    path("runs/<int:pk>/sheets/<int:number>/", runs.run_sheet, name="run_sheet"),
    path("runs/<int:pk>/finish/", runs.run_finish, name="run_finish"),
    path("runs/<int:pk>/stop/", runs.run_stop, name="run_stop"),
    path("qc/", runs.qc_page, name="qc"),
    path("qc/<str:code>/pass/", runs.qc_decide, {"verdict": "pass"}, name="qc_pass"),
    path("qc/<str:code>/fail/", runs.qc_decide, {"verdict": "fail"}, name="qc_fail"),
    # end of the runs' patterns
    # the planner's board and a manager's slot pins (plan.py)
    path("plan/", plan.plan_page, name="plan"),
    path("plan/items/<int:pk>/pin/", plan.slot_override, name="plan_override"),
    path("plan/items/<int:pk>/unpin/", plan.slot_override_remove, name="plan_override_remove"),
    # the bell's list: the notifications an operator (or a manager) sees (notifications.py)
    path("notifications/", notifications.notifications_page, name="notifications"),
]
