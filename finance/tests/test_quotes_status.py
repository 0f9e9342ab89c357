"""A quote's life: sent (valid 20 working days), accepted (the job to Approved through its own
gates), declined, expired by the scheduled task, revised (revision 1 kept as sent), and the
auto-quote of a job's measured drawings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance import services
from finance.models import Quote, QuoteLine, QuoteStatus
from finance.tests.conftest import SAMPLES
from laseros.models import ActivityLog
from laseros.testing import unchanged
from laseros.workdays import add_working_days
from projects.models import Project, ProjectStatus, ProjectStatusChange
from projects.services import project_transition

pytestmark = pytest.mark.django_db

BRACKET = SAMPLES / "dxf" / "fdlb__L_bracket_blank_50x50_t2_2x5.dxf"
MONDAY = dt.date(2026, 11, 2)


@pytest.fixture
def drawn_job(job):
    """The job with a design file (a row: only the Quoting gate's count of them matters)."""
    from ingest.tests.factories import file_row

    file_row(project=job)
    return job


def _quote(job, *, price="100.00", quantity=2):
    quote = services.quote_create(project=job, by=None)
    services.quote_line_add(
        quote=quote, by=None, description="Cutting", unit_price=price, quantity=quantity
    )
    quote.refresh_from_db()
    return quote


def test_sending_dates_the_quote_for_20_working_days_and_the_job_in_quoting(job, measured):
    measured()  # the job's design file, which Quoting asks for
    project_transition(project=job, to=ProjectStatus.QUOTING, by=None)
    quote = _quote(job)
    services.quote_send(quote=quote, by=None, today=MONDAY)
    assert quote.status == QuoteStatus.SENT and quote.sent_on == MONDAY
    assert quote.expires_on == add_working_days(MONDAY, 20) > MONDAY + dt.timedelta(days=27)
    job.refresh_from_db()
    assert job.quote_sent_on == MONDAY
    assert ActivityLog.objects.filter(action="transition", message__startswith="draft → sent")


def test_a_quote_with_no_lines_is_not_sent(job):
    quote = services.quote_create(project=job, by=None)
    with pytest.raises(ValidationError, match="no lines"), unchanged(Quote):
        services.quote_send(quote=quote, by=None)


def test_accepting_moves_the_job_to_approved_with_the_quoted_price(job, measured, make_user):
    measured()
    boss = make_user("boss", role="Manager")
    quote = _quote(job)
    services.quote_send(quote=quote, by=boss)
    services.quote_accept(quote=quote, by=boss)
    job.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED and quote.accepted_at is not None
    assert job.status == ProjectStatus.APPROVED and job.approved_at is not None
    assert job.quoted_price == Decimal("200.00")
    moves = ProjectStatusChange.objects.filter(project=job).order_by("id")
    assert [m.to_status for m in moves] == ["request", "quoting", "approved"]
    assert moves.last().reason == f"quote {quote.number} accepted"


def test_a_gate_that_refuses_refuses_the_send_and_changes_nothing(job):
    quote = _quote(job)  # the job has no design file: Quoting's gate refuses
    with (
        pytest.raises(ValidationError, match="Attach at least one design file"),
        unchanged(Quote, Project, ProjectStatusChange),
    ):
        services.quote_send(quote=quote, by=None)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT


def test_a_gate_that_refuses_refuses_the_acceptance_and_changes_nothing(job, make_user):
    boss = make_user("boss", role="Manager")
    project_transition(
        project=job, to=ProjectStatus.QUOTING, by=boss, override=True, reason="drawing by post"
    )
    quote = _quote(job)
    services.quote_send(quote=quote, by=boss)
    project_transition(project=job, to=ProjectStatus.REQUEST, by=boss, reason="client rang")
    with pytest.raises(ValidationError) as caught, unchanged(Quote, Project, ProjectStatusChange):
        services.quote_accept(quote=quote, by=None)
    assert "Attach at least one design file" in str(caught.value)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT


@pytest.mark.parametrize(
    ("move", "words"),
    [
        (services.quote_accept, "only a sent quote can be accepted"),
        (services.quote_decline, "only a sent quote can be declined"),
        (services.quote_revise, "only a sent quote can be revised"),
    ],
)
def test_a_draft_cannot_be_accepted_declined_or_revised(job, move, words):
    quote = _quote(job)
    with pytest.raises(ValidationError, match=words), unchanged(Quote, QuoteLine, Project):
        move(quote=quote, by=None)


def test_declined_is_final_and_the_job_stays_where_it_was(drawn_job):
    job = drawn_job
    quote = _quote(job)
    services.quote_send(quote=quote, by=None)
    services.quote_decline(quote=quote, by=None, reason="too dear")
    assert quote.status == QuoteStatus.DECLINED and quote.status_reason == "too dear"
    with pytest.raises(ValidationError, match="is declined: only a draft quote can be sent"):
        services.quote_send(quote=quote, by=None)
    job.refresh_from_db()
    assert job.status == ProjectStatus.QUOTING  # where sending took it


def test_revising_a_sent_quote_makes_revision_2_and_keeps_revision_1(drawn_job):
    job = drawn_job
    quote = _quote(job)
    services.quote_send(quote=quote, by=None)
    kept = list(quote.lines.values())
    totals = (quote.subtotal, quote.total_incl_vat)
    second = services.quote_revise(quote=quote, by=None, reason="client wants 5")
    services.quote_line_add(
        quote=second, by=None, description="Deburring", unit_price="5", quantity=5
    )
    second.refresh_from_db()
    quote.refresh_from_db()
    assert (second.number, second.revision, second.status) == (quote.number, 2, "draft")
    assert second.label == f"{quote.number} rev 2"
    assert list(quote.lines.values()) == kept
    assert (quote.subtotal, quote.total_incl_vat) == totals
    assert quote.status == QuoteStatus.REVISED and quote.status_reason == "client wants 5"
    assert second.subtotal == quote.subtotal + Decimal("25.00")
    with pytest.raises(ValidationError, match="is revised"):
        services.quote_accept(quote=quote, by=None)


def test_the_scheduled_task_expires_sent_quotes_past_their_last_day(drawn_job):
    job = drawn_job
    from django_q.models import Schedule

    from finance.tasks import expire_quotes
    from laseros.tasks import SCHEDULES

    assert SCHEDULES["finance.expire_quotes"]["func"] == "finance.tasks.expire_quotes"
    assert Schedule  # the schedule is written by migrate from SCHEDULES
    old, fresh, draft = _quote(job), _quote(job), _quote(job)
    services.quote_send(quote=old, by=None, today=MONDAY)
    services.quote_send(quote=fresh, by=None, today=old.expires_on)
    report = services.quotes_expire(today=old.expires_on)
    assert report.expired == []  # its last valid day
    report = services.quotes_expire(today=old.expires_on + dt.timedelta(days=1))
    assert report.expired == [old.number]
    for quote in (old, fresh, draft):
        quote.refresh_from_db()
    assert [old.status, fresh.status, draft.status] == ["expired", "sent", "draft"]
    assert "0 quote(s) expired" in expire_quotes()  # today: nothing more is due
    with pytest.raises(ValidationError, match="is expired"):
        services.quote_accept(quote=old, by=None)


def test_a_sent_quote_past_its_day_is_not_accepted_before_the_task_runs(drawn_job):
    job = drawn_job
    quote = _quote(job)
    services.quote_send(quote=quote, by=None, today=MONDAY)
    day_after = quote.expires_on + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match=f"expired on {quote.expires_on}"), unchanged(Quote):
        services.quote_accept(quote=quote, by=None, today=day_after)


def test_auto_quote_prices_each_measured_drawing_with_its_quantity(job, measured):
    plate = measured()
    bracket = measured(BRACKET, "0001-Bracket-MS-10mm-x4.dxf")
    quote = services.quote_auto(project=job, by=None)
    lines = list(quote.lines.order_by("position"))
    assert quote.status == QuoteStatus.DRAFT and quote.number.startswith("QT-")
    # the job is 10 sets; each drawing's name says how many a set takes
    assert {(line.file_id, line.quantity) for line in lines} == {(plate.pk, 20), (bracket.pk, 40)}
    assert all(line.kind == "drawing" and line.unit_price > 0 for line in lines)
    assert {line.description.split(" — ")[1] for line in lines} == {
        "10 sets × 2 a set",
        "10 sets × 4 a set",
    }
    assert all("quantity_per_set" in line.flags for line in lines)
    # the job's setup is shared by its two parts
    assert {line.pricing_input["distinct_parts_in_job"] for line in lines} == {2}
    assert quote.subtotal == sum(line.line_total for line in lines)


def _drawing_row(job, part: str, quantity: int | None):
    """A measured 10 mm mild-steel drawing of the job (a row), whose name said `quantity`."""
    from ingest.tests.factories import file_row

    return file_row(
        project=job,
        original_name=f"0001-{part}-MS-10mm" + (f"-x{quantity}" if quantity else "") + ".dxf",
        metadata={
            "material_code": "MS",
            "thickness_mm": Decimal("10"),
            "quantity": quantity,
            "cut_length_mm": 800.0,
            "pierce_count": 2,
            "area_mm2": 20000.0,
            "bbox_width_mm": 200.0,
            "bbox_height_mm": 100.0,
        },
    )


@pytest.mark.parametrize(
    ("job_quantity", "named", "expected", "says"),
    [
        (10, [1], [10], ["10 (the job's quantity; the drawing's name says x1)"]),
        (10, [None], [10], [None]),
        (10, [10], [10], [None]),
        (1, [20], [20], [None]),  # the job says nothing more than the default: the name does
        (10, [2, None], [20, 10], ["10 sets × 2 a set", None]),
        (10, [10, 3], [10, 30], [None, "10 sets × 3 a set"]),
        (1, [2, 5], [2, 5], [None, None]),
    ],
)
def test_auto_quote_quantity_is_the_jobs_and_a_drawings_name_says_how_many_a_set_takes(
    job, job_quantity, named, expected, says
):
    from projects.services import project_update

    project_update(project=job, by=None, quantity=job_quantity)
    files = [_drawing_row(job, f"Part{n}", q) for n, q in enumerate(named)]
    quote = services.quote_auto(project=job, by=None)
    lines = {line.file_id: line for line in quote.lines.all()}
    assert [lines[f.pk].quantity for f in files] == expected
    found = [
        lines[f.pk].description.split(" — ")[1] if " — " in lines[f.pk].description else None
        for f in files
    ]
    assert found == says


def test_auto_quote_of_a_job_with_no_drawings_is_refused(job):
    with pytest.raises(ValidationError, match="no measured drawings"), unchanged(Quote):
        services.quote_auto(project=job, by=None)


# --- the walk from Request: the job's material from its drawings, sending moves it to Quoting ----


def _bare_job():
    """A job in Request whose material and thickness nobody entered (as one made from an e-mail)."""
    from projects.tests.factories import ProjectFactory

    return ProjectFactory(material=None, thickness_mm=None)


def _read_into(
    job,
    committed,
    path=SAMPLES / "dxf" / "fdlb__base_plate_200x200_t10_4x18_on160.dxf",
    name="0002-Base plate-MS-10mm-x2.dxf",
):
    from ingest.services import ingest

    with committed():
        outcome = ingest(source_file=path, original_name=name, project=job)
    outcome.file.refresh_from_db()
    assert outcome.file.status == "processed", outcome.file.error
    return outcome.file


def test_the_walk_from_request_to_approved_takes_the_material_from_the_drawing(
    pricing_shop, committed, make_user
):
    boss = make_user("boss", role="Manager")
    job = _bare_job()
    _read_into(job, committed)  # the drawing says MS 10 mm
    quote = services.quote_auto(project=job, by=boss)
    job.refresh_from_db()
    assert (job.material.code, job.thickness_mm) == ("MS", Decimal("10.00"))
    assert job.status == ProjectStatus.REQUEST  # a draft moves nothing
    services.quote_send(quote=quote, by=boss, today=MONDAY)
    job.refresh_from_db()
    assert job.status == ProjectStatus.QUOTING and job.quote_sent_on == MONDAY
    services.quote_accept(quote=quote, by=boss, today=MONDAY)
    job.refresh_from_db()
    assert job.status == ProjectStatus.APPROVED and job.quoted_price == quote.total_excl_vat
    moves = ProjectStatusChange.objects.filter(project=job).order_by("id")
    assert [m.to_status for m in moves] == ["request", "quoting", "approved"]
    assert moves[1].reason == f"quote {quote.number} sent"
    updates = ActivityLog.objects.filter(object_id=str(job.pk), action="update")
    assert any({"material", "thickness_mm"} <= set(entry.changes) for entry in updates)


def test_drawings_that_disagree_fill_only_what_they_agree_on_and_the_gate_refuses_the_send(
    pricing_shop, committed
):
    from ingest.tests.factories import file_row
    from inventory.tests.factories import MaterialFactory

    MaterialFactory(code="SS", name="Stainless steel")
    job = _bare_job()
    file_row(project=job, metadata={"material_code": "MS", "thickness_mm": Decimal("3")})
    file_row(project=job, metadata={"material_code": "SS", "thickness_mm": Decimal("3.000")})
    quote = _quote(job)
    job.refresh_from_db()
    assert job.material_id is None and job.thickness_mm == Decimal("3.00")
    with (
        pytest.raises(ValidationError, match="Choose the material before quoting"),
        unchanged(Quote, QuoteLine, Project, ProjectStatusChange),
    ):
        services.quote_send(quote=quote, by=None)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT and quote.sent_on is None


def test_a_job_whose_material_was_chosen_keeps_it(pricing_shop, committed):
    from ingest.tests.factories import file_row
    from inventory.tests.factories import MaterialFactory
    from projects.tests.factories import ProjectFactory

    ss = MaterialFactory(code="SS", name="Stainless steel")
    job = ProjectFactory(material=ss, thickness_mm=None)
    file_row(project=job, metadata={"material_code": "MS", "thickness_mm": Decimal("3")})
    quote = _quote(job)
    job.refresh_from_db()
    assert job.material == ss and job.thickness_mm == Decimal("3.00")
    services.quote_send(quote=quote, by=None)
    job.refresh_from_db()
    assert job.status == ProjectStatus.QUOTING
