"""Portal page actions of alerts: who of the customer's admins receives alert mails."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from connect.converters import small_int
from connect.exceptions import ApplicationError
from connect.portal.base import CustomerView
from connect.services.alerts import membership_alerts_set


class MemberAlertsView(CustomerView):
    """POST (customer admins): switch alert mails on or off for one member; audited."""

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        membership_id = small_int(request.POST.get("membership", ""))
        if membership_id is None:
            messages.error(request, _("Benutzer nicht gefunden."))
            return redirect("portal:members", slug=self.customer.slug)
        receives = request.POST.get("receives_alerts") == "1"
        try:
            membership = membership_alerts_set(
                customer=self.customer,
                membership_id=membership_id,
                receives_alerts=receives,
                actor=self.user,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            name = membership.user.get_username()
            messages.success(
                request,
                _("%(user)s erhält jetzt Warnungen per E-Mail.") % {"user": name}
                if receives
                else _("%(user)s erhält keine Warnungen mehr.") % {"user": name},
            )
        return redirect("portal:members", slug=self.customer.slug)
