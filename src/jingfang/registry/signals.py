"""Sent after every write that changes a patient's file, so that other areas (the schedule) can
refresh what they store about the patient without the registry depending on them."""

from django.dispatch import Signal

# kwargs: patient
patient_changed = Signal()

# Sent by services_bulk_write.Registrar (bulk_register_patients, the ledger import) inside its
# transaction, once per batch, after the patients' ids are reserved and before their rows are
# inserted; kwargs: patients (unsaved, pk set, without history), guardians (aligned with patients: an
# unsaved Guardian or None) and context (a dict shared by the batches of one call, for what a receiver
# computes once per import). A receiver may set derived fields on the patients (the rows are inserted
# with them) and may return a callable, called once the rows exist, that writes rows referring to
# them. The schedule engine stores the batch's schedules this way (followups.bulk) instead of ten
# queries per patient.
patients_registering = Signal()
