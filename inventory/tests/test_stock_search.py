"""The sheet-stock search (the run form's stock picker and the stock list's search box) reads
what its options say: material code or name, thickness and sheet size ("MS 8mm 1225×2450")."""

from decimal import Decimal

import pytest

from inventory.tests.factories import MaterialFactory, SheetStockFactory

pytestmark = pytest.mark.django_db

PICKER = "/admin/autocomplete/"
RUN_SHEET = {"app_label": "production", "model_name": "laserrunsheet", "field_name": "stock"}


@pytest.fixture
def stock():
    def make(code, thickness, width=1225, length=2450, location=""):
        return SheetStockFactory(
            material=MaterialFactory(code=code),
            thickness_mm=Decimal(thickness),
            width_mm=width,
            length_mm=length,
            location=location,
        )

    return {
        "ms8": make("MS", "8"),
        "ms8_big": make("MS", "8", 1500, 3000),
        "ms3": make("MS", "3"),
        "ms08": make("MS", "0.8"),
        "ss8": make("SS", "8"),
        "vast4": make("VAST", "4"),
        "vast45": make("VAST", "4.5"),
        "galv12": make("GALV", "1.2", 1220, 2440, location="Rack B"),
    }


def picked(client, term):
    answer = client.get(PICKER, {"term": term, **RUN_SHEET})
    assert answer.status_code == 200, answer.content
    return {row["text"] for row in answer.json()["results"]}


def names(stock, *keys):
    return {str(stock[k]) for k in keys}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("MS 8", ["ms8", "ms8_big"]),
        ("ms 8mm", ["ms8", "ms8_big"]),
        ("8mm", ["ms8", "ms8_big", "ss8"]),
        ("8 mm", ["ms8", "ms8_big", "ss8"]),
        ("8", ["ms8", "ms8_big", "ss8"]),
        ("VAST 4", ["vast4"]),
        ("vastrap 4", ["vast4"]),
        ("vas 4.5mm", ["vast45"]),
        ("MS8", ["ms8", "ms8_big"]),
        ("MS 8mm 1225×2450", ["ms8"]),
        ("MS 8mm 1225x2450", ["ms8"]),
        ("ms 8 2450 x 1225", ["ms8"]),
        ("1500x3000", ["ms8_big"]),
        ("1225", ["ms8", "ms3", "ms08", "ss8", "vast4", "vast45"]),
        ("mild steel 3", ["ms3"]),
        ("0.8", ["ms08"]),
        ("0,8mm", ["ms08"]),
        ("galvanised 1.2", ["galv12"]),
        ("Rack B", ["galv12"]),
        ("stainless", ["ss8"]),
    ],
)
def test_the_picker_finds_stock_by_material_thickness_and_size(
    admin_user_client, stock, term, expected
):
    assert picked(admin_user_client, term) == names(stock, *expected)


@pytest.mark.parametrize("term", ["MS 7", "AL 8", "8mm 1000x2000", "ZZZ", "MS 8 steelworks"])
def test_a_term_that_matches_no_sheet_finds_nothing(admin_user_client, stock, term):
    assert picked(admin_user_client, term) == set()


@pytest.mark.parametrize(
    "term", ["9" * 40, "8" * 30 + "mm", "1e999", "NaN", "²", "x", "×", "MS\x00 8", "8mm " * 500]
)
def test_hostile_terms_answer_a_list(admin_user_client, stock, term):
    assert isinstance(picked(admin_user_client, term), set)


def test_the_stock_list_search_box_reads_the_same(admin_user_client, stock):
    page = admin_user_client.get("/admin/inventory/sheetstock/", {"q": "MS 8"})
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == sorted(
        [stock["ms8"], stock["ms8_big"]], key=lambda s: (s.width_mm, s.pk)
    )
