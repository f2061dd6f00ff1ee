"""URLs of the households app, grouped as the views are."""

from django.urls import path

from .views import attachments, cadres, catalogue, imports, income, measures, monitoring, printing, registry

app_name = "households"

registry_urls = [
    path("", registry.HouseholdListView.as_view(), name="household_list"),
    path("search-id/", registry.HouseholdSearchIdView.as_view(), name="household_search_id"),
    path("new/", registry.HouseholdCreateView.as_view(), name="household_create"),
    path("<int:pk>/", registry.HouseholdDetailView.as_view(), name="household_detail"),
    path("<int:pk>/edit/", registry.HouseholdUpdateView.as_view(), name="household_update"),
    path("<int:pk>/members/new/", registry.MemberCreateView.as_view(), name="member_create"),
    path("members/<int:pk>/edit/", registry.MemberUpdateView.as_view(), name="member_update"),
    path("members/<int:pk>/leave/", registry.MemberLeaveView.as_view(), name="member_leave"),
    path("members/<int:pk>/make-head/", registry.MemberMakeHeadView.as_view(), name="member_make_head"),
    path("members/<int:pk>/reveal-id/", registry.MemberRevealIdView.as_view(), name="member_reveal_id"),
    path("<int:pk>/reveal-bank/", registry.HouseholdRevealBankView.as_view(), name="household_reveal_bank"),
]

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
    path("cadres/options/", cadres.CadreOptionsView.as_view(), name="cadre_options"),
    path("cadres/<int:pk>/", cadres.CadreDetailView.as_view(), name="cadre_detail"),
    path("cadres/<int:pk>/edit/", cadres.CadreUpdateView.as_view(), name="cadre_update"),
    path("<int:pk>/assign/", cadres.AssignmentCreateView.as_view(), name="assignment_create"),
    path("assign/", cadres.AssignmentBulkView.as_view(), name="assignment_bulk"),
    path("assignments/<int:pk>/end/", cadres.AssignmentEndView.as_view(), name="assignment_end"),
    path("without-cadre/", cadres.HouseholdsWithoutCadreView.as_view(), name="households_without_cadre"),
    path("<int:pk>/visits/new/", cadres.VisitCreateView.as_view(), name="visit_create"),
    path("visits/<int:pk>/photo/", cadres.VisitPhotoView.as_view(), name="visit_photo"),
]

catalogue_urls = [
    path("measure-categories/", catalogue.CategoryListView.as_view(), name="category_list"),
    path("measure-categories/new/", catalogue.CategoryFormView.as_view(), name="category_create"),
    path("measure-categories/<int:pk>/edit/", catalogue.CategoryFormView.as_view(), name="category_update"),
]

measure_urls = [
    path("measures/", measures.MeasureListView.as_view(), name="measure_list"),
    path("measures/bulk/", measures.MeasureBulkAddView.as_view(), name="measure_bulk_add"),
    path("<int:pk>/measures/new/", measures.MeasureCreateView.as_view(), name="measure_create"),
    path("measures/<int:pk>/edit/", measures.MeasureUpdateView.as_view(), name="measure_update"),
]

attachment_urls = [
    path("<int:pk>/attachments/new/", attachments.AttachmentUploadView.as_view(), name="attachment_upload"),
    path("attachments/<int:pk>/", attachments.AttachmentDownloadView.as_view(), name="attachment_download"),
    path("attachments/<int:pk>/delete/", attachments.AttachmentDeleteView.as_view(), name="attachment_delete"),
]

monitoring_urls = [
    path("monitoring/", monitoring.MonitoringListView.as_view(), name="monitoring_list"),
    path("<int:pk>/monitoring/new/", monitoring.MonitoringCreateView.as_view(), name="monitoring_create"),
    path("monitoring/<int:pk>/edit/", monitoring.MonitoringUpdateView.as_view(), name="monitoring_update"),
    path("monitoring/<int:pk>/step/", monitoring.MonitoringStepView.as_view(), name="monitoring_step"),
    path("monitoring/<int:pk>/township/", monitoring.MonitoringTownshipView.as_view(), name="monitoring_township"),
    path("monitoring/<int:pk>/county/", monitoring.MonitoringCountyView.as_view(), name="monitoring_county"),
    path("monitoring/<int:pk>/eliminate/", monitoring.MonitoringEliminateView.as_view(), name="monitoring_eliminate"),
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
    registry_urls
    + income_urls
    + cadre_urls
    + catalogue_urls
    + measure_urls
    + attachment_urls
    + monitoring_urls
    + import_urls
    + printing_urls
)
