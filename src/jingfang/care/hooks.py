"""Where areas above care add to its meetings and incidents without care depending on them.

- ``meeting_saved``: sent inside the transaction that records or changes a meeting, with
  ``actor``, ``meeting``, ``created`` (bool) and ``moved`` (the date or the region changed) — a receiver
  that writes must do so in that transaction (accountability attaches the joint consultation's record).
- Meeting panels: ``register_meeting_panel(fn)``; ``fn(request, meeting)`` returns ``(template name,
  context)`` or None, rendered on the meeting's page below its tasks.
- Incident actions: ``register_incident_action(fn)``; ``fn(request, incident)`` returns a list of
  ``(url, label)`` links shown on the incident's retrospective review (倒查) page.
"""

from django.dispatch import Signal

meeting_saved = Signal()

MEETING_PANELS: list = []
INCIDENT_ACTIONS: list = []


def register_meeting_panel(fn) -> None:
    if fn not in MEETING_PANELS:
        MEETING_PANELS.append(fn)


def register_incident_action(fn) -> None:
    if fn not in INCIDENT_ACTIONS:
        INCIDENT_ACTIONS.append(fn)


def meeting_panels(request, meeting) -> list[tuple[str, dict]]:
    return [panel for fn in MEETING_PANELS if (panel := fn(request, meeting)) is not None]


def incident_actions(request, incident) -> list[tuple[str, str]]:
    return [link for fn in INCIDENT_ACTIONS for link in fn(request, incident)]
