from django.db import models

from . import codes


class Region(models.Model):
    """One node of the administrative tree, keyed by its 12-digit statistical code."""

    LEVEL_CHOICES = list(codes.LEVEL_NAMES.items())

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=100)
    level = models.PositiveSmallIntegerField("级别", choices=LEVEL_CHOICES, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    population = models.PositiveIntegerField("常住人口", default=0)
    policy = models.CharField(
        "政策配置", max_length=64, blank=True, default="", help_text="留空则沿用上级区划的政策配置"
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def level_key(self) -> str:
        return codes.LEVEL_KEYS[self.level]

    @property
    def code_range(self) -> tuple[str, str]:
        return codes.code_range(self.code)

    def ancestors(self) -> list["Region"]:
        """From the root down to the parent. The parents the code's digits imply come in one query
        (remembered on this instance); a parent outside that pattern is followed row by row."""
        cached = getattr(self, "_ancestors", None)
        if cached is not None:
            return cached
        implied = codes.ancestor_codes(self.code) if self.parent_id else []
        found = {r.code: r for r in Region.objects.filter(code__in=implied)} if implied else {}
        chain = []
        code = self.parent_id
        while code is not None:
            node = found.get(code) or Region.objects.get(pk=code)
            chain.append(node)
            code = node.parent_id
        self._ancestors = list(reversed(chain))
        return self._ancestors

    def full_name(self) -> str:
        """'示范县青山镇东坡村': from the county down (or the name alone above county level)."""
        if self.level < codes.COUNTY:
            return self.name
        return "".join(r.name for r in [*self.ancestors(), self] if r.level >= codes.COUNTY)
