"""A local facilioo: a real HTTP server that keeps state, issues expiring tokens, pages,
validates like facilioo, stores uploaded bytes and injects faults on request.

Start it with ``python manage.py facilioo_sandbox`` or, from tests and benchmarks, with
:func:`tooling.sandbox.testing.running_sandbox`.
"""
