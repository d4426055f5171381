from django.contrib import admin
from django.urls import include, path

from jingfang.api import api

urlpatterns = [
    path("", include("jingfang.core.urls")),
    path("accounts/", include("jingfang.accounts.urls")),
    path("patients/", include("jingfang.registry.urls")),
    path("audit/", include("jingfang.audit.urls")),
    path("", include("jingfang.followups.urls")),
    path("screening/", include("jingfang.screening.urls")),
    path("intake/", include("jingfang.intake.urls")),
    path("care/", include("jingfang.care.urls")),
    path("support/", include("jingfang.support.urls")),
    path("stats/", include("jingfang.stats.urls")),
    path("exchange/", include("jingfang.exchange.urls")),
    path("emergency/", include("jingfang.emergency.urls")),
    path("offline/", include("jingfang.offline.urls")),
    path("exports/", include("jingfang.exports.urls")),
    path("jobs/", include("jingfang.jobs.urls")),
    path("imports/", include("jingfang.imports.urls")),
    path("m/", include("jingfang.mobile.urls")),
    path("workforce/", include("jingfang.workforce.urls")),
    path("accountability/", include("jingfang.accountability.urls")),
    path("rehab/", include("jingfang.rehab.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

# A database outage answers 503 with Retry-After; errors under /api/ answer the API's JSON body.
handler500 = "jingfang.core.views.server_error"
