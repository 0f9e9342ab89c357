"""A user sent away from an admin page they may not use is told why: a message on the page they
land on names what they may not do and their role (a silent redirect to the index left a viewer
guessing whether the link was broken)."""

import pytest

from inventory.tests.factories import SheetStockFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(client, make_user):
    client.force_login(make_user("vera", role="Viewer"))
    return client


def _landing(response) -> str:
    assert response.redirect_chain[-1][0] == "/admin/"
    return response.content.decode()


def test_a_viewer_opening_the_run_form_is_told_why(viewer):
    html = _landing(viewer.get("/admin/production/laserrun/record/", follow=True))
    assert "You may not record laser runs" in html and "Viewer" in html


def test_a_viewer_opening_a_stock_move_is_told_why(viewer):
    stock = SheetStockFactory()
    html = _landing(viewer.get(f"/admin/inventory/sheetstock/{stock.pk}/move/", follow=True))
    assert "You may not record stock movements" in html and "Viewer" in html
