"""The sync: one engine, the use cases as stream definitions, and the pure functions they use.

- ``engine``: the one pipeline (read, batches, diff, adoption, writes, links, log, resume, dry
  run, cancellation, removals behind the safety brake)
- ``streams``: each use case as a ``Pipeline``: its mapper and one stream per facilioo entity
- ``stream``: the narrow context a stream works through, and the stream base
- ``links``: the link store and run ledger the engine works through (ORM and in memory; the
  product's run ledger is ``connect.services.run_ledger``, its runner ``connect.services.runner``)
- ``schema``, ``settings``: each use case's settings declared once

The pure functions (no ORM, no HTTP, no clock: ``today`` is passed in):

- ``types``: settings, ``MapContext``, ``TargetPayload``, ``Skip`` (the reason codes are
  ``integrations.reasons``)
- ``ids``: composite externalIds (docs/identity.md) and the natural keys of facilioo-only records
- ``floors``: the floor number rule (docs/use-cases.md, section 'Floor number rule')
- ``filters``: Mandant scope, e-mail check, document filters and document targets
- ``stammdaten_bodies`` / ``dokumente_bodies``: the mappers (ERP records -> request bodies)
- ``differ``: payload hash and CREATE / UPDATE / UNCHANGED
- ``mapping_table``: the field mapping as data, for the portal
"""
