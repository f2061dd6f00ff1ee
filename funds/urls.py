"""/funds/: the fund ledger, sources, the project library, allocations and
disbursements. There is no delete URL: money rows are never deleted (an
allocation is cancelled, a pending entry withdrawn or returned, a confirmed
one reversed)."""

from django.urls import path

from . import views

app_name = "funds"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/new/", views.source_create, name="source_create"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("sources/<int:pk>/edit/", views.source_update, name="source_update"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_update, name="project_update"),
    path("projects/<int:pk>/advance/", views.project_advance, name="project_advance"),
    path("projects/<int:pk>/publicity.pdf", views.project_publicity_pdf, name="project_publicity_pdf"),
    path("allocations/", views.allocation_list, name="allocation_list"),
    path("allocations/new/", views.allocation_create, name="allocation_create"),
    path("allocations/<int:pk>/", views.allocation_detail, name="allocation_detail"),
    path("allocations/<int:pk>/edit/", views.allocation_update, name="allocation_update"),
    path("allocations/<int:pk>/cancel/", views.allocation_cancel, name="allocation_cancel"),
    path("allocations/<int:pk>/disburse/", views.disbursement_create, name="disbursement_create"),
    path("disbursements/", views.disbursement_list, name="disbursement_list"),
    path("disbursements/<int:pk>/", views.disbursement_detail, name="disbursement_detail"),
    path("disbursements/<int:pk>/confirm/", views.disbursement_confirm, name="disbursement_confirm"),
    path("disbursements/<int:pk>/reject/", views.disbursement_reject, name="disbursement_reject"),
    path("disbursements/<int:pk>/withdraw/", views.disbursement_withdraw, name="disbursement_withdraw"),
    path("disbursements/<int:pk>/reverse/", views.disbursement_reverse, name="disbursement_reverse"),
]
