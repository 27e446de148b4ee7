"""facilioo: the HTTP client (client.py) and the local sandbox that imitates it (sandbox/)."""
