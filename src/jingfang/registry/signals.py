"""Sent after every write that changes a patient's file, so that other areas (the schedule) can
refresh what they store about the patient without the registry depending on them."""

from django.dispatch import Signal

# kwargs: patient
patient_changed = Signal()
