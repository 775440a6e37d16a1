"""The bulletin's content as plain records, computed from :class:`BulletinData`.

Pure functions (frames in, dataclasses out), one module per bulletin section:
:mod:`.rankings` (综合排名 and its changes), :mod:`.lists` (红黑榜), :mod:`.summaries`
(first- and second-level indicators), :mod:`.key_indicators` (the overview's figures),
:mod:`.weak_points` (短板), :mod:`.satisfaction`, :mod:`.data_quality`, :mod:`.trends`,
:mod:`.robustness` (名次稳健性) and :mod:`.method` (评价方法附录); :mod:`.formatting` holds
the number formatting they share. The narrative (:mod:`pipelines.reports.narrative`), the
HTML and the workbook all read these records, so a number is computed once and shown the same
everywhere.

This package re-exports nothing: import each record from its section's module.
"""
