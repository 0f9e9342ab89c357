"""without_server_paths(): a message a user sees names no folder of the server."""

import random
import string
import tempfile

import pytest
from django.conf import settings

from laseros.redaction import without_server_paths

TEMPLATES = (
    "[Errno 2] No such file or directory: '{path}'",
    "[Errno 13] Permission denied: {path}",
    'cannot open "{path}" for reading',
    "Error opening data file {path}; check TESSDATA_PREFIX",
    "could not be read: OSError: {path}: truncated",
    "{path}",
)


def _name(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + "-_.() é"
    stem = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20))).strip() or "x"
    return f"{stem}.{rng.choice(['dxf', 'pdf', 'xlsx', 'png', 'lbrn2'])}"


def _roots(tmp_path):
    return [
        str(settings.MEDIA_ROOT),
        str(settings.DATA_DIR),
        str(settings.BASE_DIR),
        tempfile.gettempdir(),
        str(tmp_path / "with space" / "media"),
    ]


def test_no_server_folder_survives_and_the_file_name_is_kept(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "with space" / "media"  # a root with a space in it
    rng = random.Random(20261204)
    for _ in range(500):
        root = rng.choice(_roots(tmp_path))
        folders = "/".join(rng.choice(["unfiled", "2026", "12", "laseros-read-x1"]) for _ in "ab")
        name = _name(rng)
        path = f"{root}/{folders}/{name}"
        message = rng.choice(TEMPLATES).format(path=path)
        cleaned = without_server_paths(message)
        for folder in _roots(tmp_path):
            assert folder not in cleaned, (message, cleaned)
        assert "/unfiled/" not in cleaned and "laseros-read-x1/" not in cleaned
        if " " not in name:
            assert name in cleaned, (message, cleaned)


@pytest.mark.parametrize(
    "path",
    [
        "/usr/share/tesseract-ocr/5/tessdata/eng.traineddata",
        "/srv/other/place/file.dxf",
        "C:\\Users\\shop\\Desktop\\bracket.dxf",
    ],
)
def test_any_absolute_path_becomes_its_file_name(path):
    cleaned = without_server_paths(f"Error opening data file {path} (2)")
    assert cleaned == f"Error opening data file {path.replace(chr(92), '/').split('/')[-1]} (2)"


@pytest.mark.parametrize(
    "text",
    [
        "Could not be read: KeyError: 'entities'.",
        "the cut speed is 20 mm/min at 3/4 power",
        "see https://ezdxf.readthedocs.io/en/stable/ for R12 files",
        "layer CUT/INNER is not a cut layer",
        "ratio 1/2/3 of the sheet",
        "",
    ],
)
def test_text_without_paths_is_unchanged(text):
    assert without_server_paths(text) == text


@pytest.mark.django_db
def test_the_public_health_check_names_no_server_path(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"
    storage = client.get("/healthz").json()["checks"]["storage"]
    assert storage["ok"] is False and "NotADirectoryError" in storage["error"]
    assert str(tmp_path) not in storage["error"] and "/media/" not in storage["error"]
