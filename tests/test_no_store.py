"""Nothing a signed-in user receives may be kept by the browser or a proxy:
pages, exports, PDFs and job downloads all say Cache-Control: no-store."""

from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from povertyrelief.middleware import NoStoreMiddleware
from povertyrelief.models import Job


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_not_stored(response):
    assert response.status_code == 200
    body(response)
    assert "no-store" in response["Cache-Control"], response.get("Cache-Control")


def test_the_household_page_and_the_print_queue_are_not_stored(client_for, personas, households):
    client = client_for(personas.village_x)
    assert_not_stored(client.get(households.x.get_absolute_url()))
    assert_not_stored(client.get(reverse("households:print_queue")))
    assert_not_stored(client.get(reverse("households:household_list")))


def test_an_excel_export_a_ledger_pdf_and_a_card_pdf_are_not_stored(client_for, personas, households):
    client = client_for(personas.township_a)
    assert_not_stored(client.get(reverse("exports:households")))
    assert_not_stored(client.get(reverse("exports:households_pdf")))
    assert_not_stored(client.get(reverse("households:household_card_pdf", args=[households.x.pk])))


def test_a_job_download_is_not_stored(client_for, personas):
    job = Job.objects.create(kind="sample", title="导出", user=personas.village_x, area=personas.village_x.area, status=Job.Status.DONE)
    job.result_file.save("x.xlsx", ContentFile(b"x"))
    assert_not_stored(client_for(personas.village_x).get(reverse("job_download", args=[job.pk])))


def _through_middleware(path, user, cache_control=None):
    def view(request):
        response = HttpResponse("x")
        if cache_control:
            response["Cache-Control"] = cache_control
        return response

    request = RequestFactory().get(path)
    request.user = user
    return NoStoreMiddleware(view)(request)


def test_a_cacheable_header_on_personal_data_is_replaced_and_a_stricter_one_kept(personas):
    # A visit photo said "private, max-age=3600": an hour on a shared machine.
    response = _through_middleware("/households/visits/1/photo/", personas.village_x, "private, max-age=3600")
    assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    response = _through_middleware("/households/1/card.pdf", personas.village_x, "private, no-store")
    assert response["Cache-Control"] == "private, no-store"


def test_static_files_and_anonymous_responses_are_left_alone(personas):
    from django.contrib.auth.models import AnonymousUser

    response = _through_middleware("/static/css/app.css", personas.village_x, "public, max-age=31536000")
    assert response["Cache-Control"] == "public, max-age=31536000"
    assert not _through_middleware("/static/css/app.css", personas.village_x).has_header("Cache-Control")
    assert not _through_middleware("/accounts/login/", AnonymousUser()).has_header("Cache-Control")
