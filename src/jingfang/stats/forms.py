from django import forms

from jingfang.core.widgets import DateInput


class ReportForm(forms.Form):
    township = forms.ChoiceField(label="乡镇（街道）")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label="季度", coerce=int, choices=[(q, f"第{q}季度") for q in range(1, 5)])

    def __init__(self, *args, townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [(t.code, t.name) for t in townships]


class FindingsForm(forms.Form):
    findings = forms.CharField(label="督导发现的问题", required=False, max_length=10000,
                               widget=forms.Textarea(attrs={"rows": 6}))


class ItemForm(forms.Form):
    text = forms.CharField(label="整改事项", max_length=300)
    owner = forms.CharField(label="责任单位/责任人", max_length=100)
    due_date = forms.DateField(label="整改期限", widget=DateInput())


class CloseForm(forms.Form):
    note = forms.CharField(label="整改情况", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
