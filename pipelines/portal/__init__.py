"""报送门户: the web front door departments use to submit, self-check and follow their files.

``bizenv portal`` serves one project (its departments, declared sources and submitters) over
one work directory. Modules: ``users`` (accounts in ``<project>/portal_users.yaml``),
``audit`` (append-only, hash-chained log), ``uploads`` (streamed multipart upload, pending
verdicts, confirmation into the landing folder), ``status`` (versions from the archive and
intake records), ``app`` (the Starlette application).
"""
