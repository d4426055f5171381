from django import forms

from . import vocab


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label="措施类型", choices=list(vocab.KINDS.items()))
    target_region_code = forms.CharField(label="对象所在区划", max_length=12)
    target_unit = forms.ChoiceField(label="对象单位", choices=list(vocab.UNIT_LABELS.items()))
    target_name = forms.CharField(label="对象名称", max_length=100, required=False,
                                  help_text="如“青山镇派出所”；不填则按区划和单位生成")
    reason = forms.CharField(label="事由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="写明服务管理不力、安全隐患或事件情况；不得填写患者病情、诊断、服药等临床信息")
    facts = forms.CharField(label="事实依据（补充说明）", max_length=4000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    rectification = forms.CharField(label="整改要求", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    issued_on = forms.DateField(label="下达日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    deadline = forms.DateField(label="整改期限", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               help_text="不填则按策略配置的默认期限")


class CloseForm(forms.Form):
    closed_on = forms.DateField(label="销号日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    closing_text = forms.CharField(label="整改情况", max_length=2000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(label="版本", min_value=1, required=False, widget=forms.HiddenInput)
