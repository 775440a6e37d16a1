"""整改台账 (rectification ledger): weak indicators of a scored quarter become tasks; the next
quarters' scores (and the departments' progress ledgers) decide each open task's outcome.

- ``config``: the project's ``rectification.yaml`` (trigger, target, deadline rules);
- ``engine``: pure functions (weak points, task ids, outcomes) on small frames;
- ``store``: ``scores.rectification_tasks`` and the append-only ``scores.rectification_events``;
- ``ledger``: the xlsx ledger departments fill in, and the ``bizenv ledger status`` lines.
"""
