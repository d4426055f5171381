from django import forms

from .models import Institution, StaffMember, Training


class InstitutionForm(forms.ModelForm):
    region_code = forms.CharField(label="所在区划", max_length=12)

    class Meta:
        model = Institution
        fields = ["name", "kind"]


class StaffForm(forms.ModelForm):
    class Meta:
        model = StaffMember
        fields = ["name", "kind", "employment", "title", "licence_no", "started", "left_on", "note"]
        widgets = {"started": forms.DateInput(attrs={"type": "date"}), "left_on": forms.DateInput(attrs={"type": "date"})}

    def clean(self):
        data = super().clean()
        started, left = data.get("started"), data.get("left_on")
        if started and left and left < started:
            self.add_error("left_on", "离岗日期不能早于到岗日期")
        return data


class TrainingForm(forms.ModelForm):
    class Meta:
        model = Training
        fields = ["course", "hours", "date", "certificate", "passed"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}

    def clean_hours(self):
        hours = self.cleaned_data["hours"]
        if hours is not None and hours <= 0:
            raise forms.ValidationError("学时应大于0")
        return hours
