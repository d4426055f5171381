"""Sent after every write that changes a patient's file, so that other areas (the schedule) can
refresh what they store about the patient without the registry depending on them."""

from django.dispatch import Signal

# kwargs: patient
patient_changed = Signal()

# Sent after patients are registered in bulk (services_bulk.bulk_register_patients), inside the
# transaction, once per batch; kwargs: patients (saved, without history). Receivers store what they
# derive for the whole batch at once (the schedule engine: followups.bulk).
patients_registered = Signal()
