"""/assessment/: household exit reviews by stage, each level's steps,
公示 and objections, village exit, and the village exit checklist."""

from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("reviews/new/", views.review_propose, name="review_propose"),
    path("reviews/publicity/", views.publicity_batch, name="publicity_batch"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/verify/", views.review_verify, name="review_verify"),
    path("reviews/<int:pk>/consent/", views.review_consent, name="review_consent"),
    path("reviews/<int:pk>/consent-form.pdf", views.review_consent_form_pdf, name="review_consent_form_pdf"),
    path("reviews/<int:pk>/publicity/start/", views.review_publicity_start, name="review_publicity_start"),
    path("reviews/<int:pk>/publicity/end/", views.review_publicity_end, name="review_publicity_end"),
    path("reviews/<int:pk>/objections/new/", views.objection_create, name="objection_create"),
    path("objections/<int:pk>/decide/", views.objection_decide, name="objection_decide"),
    path("reviews/<int:pk>/township/", views.review_township, name="review_township"),
    path("reviews/<int:pk>/county/", views.review_county, name="review_county"),
    path("reviews/<int:pk>/announce/", views.review_announce, name="review_announce"),
    path("villages/", views.village_list, name="village_list"),
    path("villages/<int:pk>/", views.village_detail, name="village_detail"),
    path("villages/<int:pk>/propose/", views.village_propose, name="village_propose"),
    path("village-exits/<int:pk>/review/", views.village_exit_review, name="village_exit_review"),
    path("village-exits/<int:pk>/publicity/", views.village_exit_publicity, name="village_exit_publicity"),
    path("village-exits/<int:pk>/announce/", views.village_exit_announce, name="village_exit_announce"),
    path("checklist/", views.checklist_list, name="checklist_list"),
    path("checklist/new/", views.checklist_create, name="checklist_create"),
    path("checklist/<int:pk>/edit/", views.checklist_update, name="checklist_update"),
]
