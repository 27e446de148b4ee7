from django.http import HttpRequest

from integrations import registry


def portal(request: HttpRequest) -> dict[str, object]:

    return {
        "site_header": "Connect · facilioo",
        "site_title": "Connect · facilioo",
        # The menu's use-case pages, in the registry's order.
        "portal_use_cases": [(e.name, e.label) for e in registry.ENTRIES.values()],
    }
