from django.conf import settings
from django.db import models

from . import vocab

USER = settings.AUTH_USER_MODEL


class Institution(models.Model):
    """A health institution of the region tree: a township health centre (镇街卫生院/社区卫生服务中心) sits at
    its township, a county institution at the county."""

    region = models.ForeignKey("regions.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("机构名称", max_length=100)
    kind = models.CharField("机构类别", max_length=16, choices=list(vocab.INSTITUTION_KINDS.items()))
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "医疗卫生机构"
        verbose_name_plural = "医疗卫生机构"
        ordering = ["region_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="institution_name_once")]

    def __str__(self) -> str:
        return self.name


class StaffMember(models.Model):
    """One member of the mental-health workforce of an institution (an employee, not a patient)."""

    institution = models.ForeignKey(Institution, verbose_name="所在机构", on_delete=models.PROTECT,
                                    related_name="staff")
    name = models.CharField("姓名", max_length=50)
    kind = models.CharField("人员类别", max_length=16, choices=list(vocab.STAFF_KINDS.items()), db_index=True)
    employment = models.CharField("专兼职", max_length=10, choices=list(vocab.EMPLOYMENT.items()), default="full_time")
    title = models.CharField("职称", max_length=50, blank=True)
    licence_no = models.CharField("执业证书编号", max_length=50, blank=True)
    started = models.DateField("到岗日期", null=True, blank=True)
    left_on = models.DateField("离岗日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "精神卫生人员"
        verbose_name_plural = "精神卫生人员"
        ordering = ["institution_id", "kind", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Training(models.Model):
    """A training record of a staff member (course, hours, date, certificate)."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="trainings")
    course = models.CharField("培训项目", max_length=100)
    hours = models.DecimalField("学时", max_digits=6, decimal_places=1)
    date = models.DateField("培训日期")
    certificate = models.CharField("合格证书编号", max_length=50, blank=True)
    passed = models.BooleanField("考核合格", default=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "培训记录"
        verbose_name_plural = "培训记录"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return self.course
