"""The pure heart of the sync engine: filters, composite ids, the floor rule, mappers from
canonical ERP records to facilioo request bodies, the differ's payload hash and the field-mapping
table. Pure functions over plain dataclasses: no ORM, no HTTP, no clock (``today`` is passed in).

- ``types``: settings, ``MapContext``, ``TargetPayload``, ``Skip`` and the ``REASONS`` table
- ``ids``: composite externalIds (SPEC 2.6) and the natural keys of facilioo-only records
- ``floors``: the floor number rule (SPEC 2.5)
- ``filters``: Mandant scope, e-mail check, document filters and document targets
- ``stammdaten`` / ``dokumente``: the mappers
- ``differ``: payload hash and CREATE / UPDATE / UNCHANGED
- ``mapping_table``: the field mapping as data, for the portal
"""
