"""The shift itself: what happens around and during a person's duty.

* `handover`: at every regular handoff, a card in the rotation's channels from the
  outgoing to the incoming person, and the incoming person's checklist by DM.
* `routine`: recurring duties in the rotation's zone (`weekdays 16:00 Production
  rollout`), each sent to whoever is on duty as a checklist card whose items are ticked.
* `reminders`: DMs before a shift starts and ends, and `changes`: who is told when a
  change moves their future shifts.
* `postmortem`: the resolver of a critical alert is asked for a summary and a link.
* `report`: duty per person over a period, fairness against the team's mean, a chart.

The modules named above are pure (values in, values out, no clock); `sources` holds the
timer sources that read the database and act, `actions` the card buttons, `api` the
HTTP routes and `context` the application resource that wires them.
"""
