"""Development tooling: benchmarks and their helpers. Not product code: nothing in ``connect``
or ``integrations`` imports it."""
