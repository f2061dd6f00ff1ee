"""URLs of the households app."""

from django.urls import path

from .views import cadres, imports, income, measures, monitoring, printing, registry

app_name = "households"

income_urls = [
    path("<int:pk>/income/new/", income.IncomeCreateView.as_view(), name="income_create"),
    path("income/<int:pk>/edit/", income.IncomeUpdateView.as_view(), name="income_update"),
    path("standards/", income.StandardListView.as_view(), name="standard_list"),
    path("standards/new/", income.StandardFormView.as_view(), name="standard_create"),
    path("standards/<int:pk>/edit/", income.StandardFormView.as_view(), name="standard_update"),
]

cadre_urls = [
    path("cadres/", cadres.CadreListView.as_view(), name="cadre_list"),
    path("cadres/new/", cadres.CadreCreateView.as_view(), name="cadre_create"),
    path("cadres/<int:pk>/", cadres.CadreDetailView.as_view(), name="cadre_detail"),
    path("cadres/<int:pk>/edit/", cadres.CadreUpdateView.as_view(), name="cadre_update"),
    path("<int:pk>/assign/", cadres.AssignmentCreateView.as_view(), name="assignment_create"),
    path("assign/", cadres.AssignmentBulkView.as_view(), name="assignment_bulk"),
    path("assignments/<int:pk>/end/", cadres.AssignmentEndView.as_view(), name="assignment_end"),
    path("without-cadre/", cadres.HouseholdsWithoutCadreView.as_view(), name="households_without_cadre"),
    path("<int:pk>/visits/new/", cadres.VisitCreateView.as_view(), name="visit_create"),
    path("visits/<int:pk>/photo/", cadres.VisitPhotoView.as_view(), name="visit_photo"),
]

import_urls = [
    path("import/", imports.import_upload, name="import_upload"),
    path("import/template.xlsx", imports.import_template, name="import_template"),
]

printing_urls = [
    path("<int:pk>/card.pdf", printing.household_card_pdf, name="household_card_pdf"),
    path("<int:pk>/card/printed/", printing.household_card_printed, name="household_card_printed"),
    path("cards/", printing.card_batch, name="card_batch"),
    path("print-queue/", printing.print_queue, name="print_queue"),
    # The chooser and the PDF share a name: without a kind, the chooser.
    path("publicity/", printing.publicity, name="publicity_pdf"),
    path("publicity/<slug:kind>.pdf", printing.publicity, name="publicity_pdf"),
]

urlpatterns = (
    registry.urlpatterns
    + income_urls
    + cadre_urls
    + measures.urlpatterns
    + monitoring.urlpatterns
    + import_urls
    + printing_urls
)
