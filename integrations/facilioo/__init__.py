"""facilioo: the HTTP client (client.py) and the local sandbox server that imitates it (sandbox/)."""
