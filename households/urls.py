"""URLs of the households app; each views module declares its own patterns."""

from .views import cadres, imports, income, measures, monitoring, printing, registry

app_name = "households"
urlpatterns = registry.urlpatterns + income.urlpatterns + cadres.urlpatterns + measures.urlpatterns + monitoring.urlpatterns + imports.urlpatterns + printing.urlpatterns
