"""Portal forms: validation only; saving goes through a service."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from connect.models.credentials import FaciliooEnvironment


class FaciliooConnectionForm(forms.Form):
    username = forms.EmailField(
        label=_("Benutzername (E-Mail)"),
        error_messages={"invalid": _("Bitte geben Sie eine gültige E-Mail-Adresse ein.")},
    )
    password = forms.CharField(
        label=_("Passwort"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Wird verschlüsselt gespeichert und nie wieder angezeigt. "
            "Leer lassen, um das gespeicherte Passwort zu behalten."
        ),
    )
    environment = forms.ChoiceField(label=_("Umgebung"), choices=FaciliooEnvironment.choices)
    shared_reason = forms.CharField(
        label=_("Begründung für ein gemeinsam genutztes Konto (nur Betreiber)"),
        required=False,
        max_length=500,
        help_text=_(
            "Nur ausfüllen, wenn dieses facilioo-Konto bewusst auch für einen anderen Kunden "
            "verwendet wird. Das ist nur möglich, wenn sich die Mandanten der Kunden nicht "
            "überschneiden. Die Ausnahme wird im Audit-Protokoll festgehalten."
        ),
    )

    def __init__(
        self, *args: object, password_required: bool, support: bool = False, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.password_required = password_required
        if not support:
            del self.fields["shared_reason"]

    def clean_password(self) -> str:
        password: str = self.cleaned_data.get("password") or ""
        if self.password_required and not password:
            raise forms.ValidationError(_("Bitte geben Sie das Passwort des facilioo-Kontos an."))
        return password
