from django.db import models


class CalendarDay(models.Model):
    """A day that departs from Mon–Fri: a weekday holiday or a 调休 weekend working day.

    Filled from the `chinese-calendar` package for the years it knows (`jingfang sync_calendar`, run by
    migrate); an admin adds the State Council's notice for later years. A year with no rows and no
    package data falls back to Mon–Fri, marked provisional.
    """

    date = models.DateField("日期", primary_key=True)
    is_workday = models.BooleanField("是否工作日")
    name = models.CharField("名称", max_length=50, blank=True)
    source = models.CharField("来源", max_length=20, default="admin")

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '放假'} {self.name}"
