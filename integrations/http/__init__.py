"""HTTP plumbing shared by the clients of external systems: one session factory, one error table."""
