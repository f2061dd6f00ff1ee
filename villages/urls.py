from django.urls import path

from . import views

app_name = "villages"
urlpatterns = [
    path("", views.area_list, name="area_list"),
    path("<int:pk>/", views.area_detail, name="area_detail"),
    path("<int:pk>/edit/", views.area_update, name="area_update"),
    path("import/", views.area_import, name="area_import"),
    path("workteams/", views.workteam_list, name="workteam_list"),
    path("workteams/new/", views.workteam_create, name="workteam_create"),
    path("workteams/<int:pk>/", views.workteam_detail, name="workteam_detail"),
    path("workteams/<int:pk>/edit/", views.workteam_update, name="workteam_update"),
    path("workteams/<int:pk>/delete/", views.workteam_delete, name="workteam_delete"),
]
