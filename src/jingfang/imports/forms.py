from django import forms

from .services import MODES


class ImportForm(forms.Form):
    file = forms.FileField(label="台账文件（.xlsx）", widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
    mode = forms.ChoiceField(label="导入方式", choices=list(MODES.items()), widget=forms.RadioSelect, initial="import")
