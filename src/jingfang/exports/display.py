"""An export's parameters in words, for the requester and the approver (an ID number typed as a search
term is shown masked)."""

import re

from jingfang.core import masking
from jingfang.regions.models import Region

LABELS = {
    "q": "搜索词", "region": "区划", "township": "乡镇（街道）", "village": "村（社区）", "state": "状态",
    "status": "状态", "kind": "类别", "source": "来源", "risk": "危险性等级", "risk_level": "危险性等级",
    "key_person": "重点人员", "dangerous": "有危害行为", "on": "日期", "year": "年度", "quarter": "季度",
    "month": "月份", "when": "时期", "grade": "管理等级", "window": "统计窗口", "period": "统计期",
    "from": "起始日期", "to": "截止日期", "start": "起始日期", "end": "截止日期", "full_ids": "完整证件号",
    "horizon": "提前天数", "sex": "性别", "diagnosis": "诊断", "action": "操作", "outcome": "结果",
    "user": "用户", "patient": "患者",
}
_ID = re.compile(r"\d{17}[\dXx]")
_CODE = re.compile(r"\d{12}")


def params_display(params: list) -> list[tuple[str, str]]:
    pairs = [(str(k), str(v)) for k, v in params or []]
    codes = {v for _, v in pairs if _CODE.fullmatch(v)}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    out = []
    for key, value in pairs:
        if _ID.search(value):
            value = _ID.sub(lambda m: masking.mask_id_number(m.group(0)), value)
        elif value in names:
            value = f"{names[value]}（{value}）"
        out.append((LABELS.get(key, key), value))
    return out
