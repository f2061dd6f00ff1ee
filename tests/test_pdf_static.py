"""PDFs find their bundled CSS and fonts with the production static storage
(hashed names from a manifest), not only with the development one."""

from django.conf import settings
from django.test import override_settings

from povertyrelief.pdf import static_file_path

PRODUCTION_STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@override_settings(STORAGES=PRODUCTION_STORAGES)
def test_pdf_reads_bundled_css_with_the_manifest_storage_and_no_manifest_entry_for_the_prefix():
    url = f"https://pdf.invalid/{settings.STATIC_URL.strip('/')}/css/print.css"
    assert static_file_path(url).name == "print.css"
