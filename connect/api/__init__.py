"""The REST API (Django REST framework): everything the portal does, for programs."""
