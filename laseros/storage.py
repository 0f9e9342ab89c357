"""S3 (or MinIO) storage whose file links lead to Laser OS, not to the bucket.

django-storages would hand out a signed bucket address that anyone holding it may open for an
hour; here `.url` is MEDIA_URL + the name, answered by laseros.files.media_file, which checks the
user and streams the bytes from the bucket. Chosen by STORAGE_BACKEND=s3 (laseros/settings.py).
"""

from __future__ import annotations

from urllib.parse import urljoin

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name


class ProtectedS3Storage(S3Storage):
    """The bucket holds the bytes; links to them go through the app's permission check."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        # the stored name, as the records hold it (the bucket's `location` prefix is not part of it)
        return urljoin(settings.MEDIA_URL, filepath_to_uri(clean_name(name)))
