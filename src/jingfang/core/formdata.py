"""Plain values (API bodies, model values) as Django form data, so that the API and the pages go
through the same forms: dates as ISO strings, True as a ticked checkbox, False and None left out."""

import datetime as dt


def to_form_data(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if value is None or value is False:
            continue
        if isinstance(value, dt.date):
            out[key] = value.isoformat()
        elif value is True:
            out[key] = "on"
        elif isinstance(value, list | tuple):
            out[key] = [str(v) for v in value]
        else:
            out[key] = value
    return out
