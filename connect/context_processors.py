from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, object]:
    return {"site_header": "Connect · facilioo", "site_title": "Connect · facilioo"}
