from django.urls import path, register_converter

from . import views


class AreaCodeConverter:
    """The 12-digit statistical code of an area."""

    regex = "[0-9]{12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(AreaCodeConverter, "areacode")

app_name = "dashboard"
urlpatterns = [
    path("map/<areacode:code>/", views.area_map, name="map"),
    path("map/<areacode:code>/xlsx/", views.area_map_workbook, name="map_xlsx"),
    path("map/targets/", views.target_edit, name="target_edit"),
    path("quality/", views.quality, name="quality"),
]
