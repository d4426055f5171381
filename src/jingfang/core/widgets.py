from django import forms


class DateInput(forms.DateInput):
    """A native date picker. Its value must be ISO (YYYY-MM-DD) whatever the locale's display format."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class InlineRadio(forms.RadioSelect):
    """Radio buttons laid out in a row (styled by .inline-choices)."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs={"class": "inline-choices", **(attrs or {})}, choices=choices)
