"""Page texts for the codes of `companies.errors` (its error codes and the field problems of
`InvalidOrganisation`): the API says it in ASCII English, people read these (DESIGN §6 #2).

The codes stay in code; the German source texts are marked here for the gettext catalogs, like
`texts.py`. `company_message(language, code)` gives a code's text in the page's language, a
general one for a code it does not know; a test keeps every code covered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from servicekonto.companies.legal_forms import REGISTER_COURTS
from servicekonto.web.i18n import N_, Language, Text, packaged

#: Filled into the texts: the register courts of the region (`register_court_unknown`).
_COURTS: Final = ", ".join(court.name for court in REGISTER_COURTS)

COMPANY_TEXTS: Final[Mapping[str, Text]] = {
    # field problems
    "name_required": N_("Bitte geben Sie den Namen der Organisation an, wie er im Register steht."),
    "kind_unknown": N_(
        "Bitte wählen Sie die Art der Organisation: Unternehmen, Verein, "
        "Freiberufler/Einzelunternehmen, Stiftung oder öffentliche Stelle."
    ),
    "legal_form_unknown": N_("Bitte wählen Sie eine Rechtsform aus der Liste."),
    "legal_form_kind_mismatch": N_(
        "Diese Rechtsform passt nicht zur gewählten Art der Organisation (zum Beispiel ist ein "
        "e. V. ein Verein, eine GmbH ein Unternehmen)."
    ),
    "register_type_unknown": N_(
        "Diese Registerart kennen wir nicht. Möglich sind HRA, HRB, GnR, PR, VR und GsR."
    ),
    "register_type_wrong": N_(
        "Die Registerart passt nicht zur Rechtsform (zum Beispiel steht eine GmbH im HRB, ein "
        "e. V. im VR, ein e. K. im HRA)."
    ),
    "register_entry_unexpected": N_(
        "Für diese Rechtsform gibt es keinen Registereintrag. Bitte lassen Sie Registerart, "
        "Registernummer und Registergericht leer und geben Sie, falls vorhanden, Ihre "
        "Gewerbeanmeldung an."
    ),
    "register_number_required": N_("Bitte geben Sie die Registernummer an."),
    "register_number_malformed": N_(
        "Die Registernummer hat nicht die übliche Form: bis zu sechs Ziffern, ohne führende "
        "Null, gegebenenfalls mit Buchstabenzusatz, zum Beispiel „HRB 12345“ oder „12345 B“."
    ),
    "register_number_type_mismatch": N_(
        "Die Registerart vor der Nummer stimmt nicht mit der angegebenen Registerart überein."
    ),
    "register_court_required": N_("Bitte geben Sie das Registergericht an."),
    "register_court_unknown": N_(
        "Dieses Registergericht kennen wir nicht. In Rheinland-Pfalz führen die Amtsgerichte "
        "%(courts)s die Register; für den Landkreis Cochem-Zell ist es Koblenz."
    ),
    "trade_authority_required": N_(
        "Bitte geben Sie an, welche Behörde die Gewerbeanmeldung bestätigt hat."
    ),
    "trade_date_required": N_("Bitte geben Sie das Datum der Gewerbeanmeldung an."),
    "trade_date_malformed": N_(
        "Bitte geben Sie das Datum der Gewerbeanmeldung als TT.MM.JJJJ an, zum Beispiel "
        "15.03.2024."
    ),
    "trade_date_in_future": N_("Das Datum der Gewerbeanmeldung liegt in der Zukunft."),
    "tax_number_malformed": N_("Die Steuernummer besteht aus 10 bis 13 Ziffern."),
    "vat_id_malformed": N_(
        "Die Umsatzsteuer-Identifikationsnummer beginnt mit „DE“ und hat danach neun Ziffern."
    ),
    "vat_id_check_digit": N_(
        "Die Umsatzsteuer-Identifikationsnummer ist nicht gültig (die Prüfziffer stimmt "
        "nicht). Bitte prüfen Sie die Ziffern."
    ),
    "street_required": N_("Bitte geben Sie die Straße der Geschäftsadresse an."),
    "house_number_required": N_("Bitte geben Sie die Hausnummer der Geschäftsadresse an."),
    "postal_code_malformed": N_("Die Postleitzahl besteht aus fünf Ziffern."),
    "locality_required": N_("Bitte geben Sie den Ort der Geschäftsadresse an."),
    "too_long": N_("Diese Angabe ist zu lang."),
    "control_characters": N_("Diese Angabe enthält Steuerzeichen. Bitte geben Sie sie neu ein."),
    "reason_required": N_(
        "Bitte begründen Sie die Entscheidung. Die antragstellende Person liest die "
        "Begründung."
    ),
    "decision_unknown": N_("Bitte wählen Sie: genehmigen, ablehnen oder Informationen anfordern."),
    "text_required": N_("Bitte schreiben Sie einen Text."),
    "answer_required": N_(
        "Bitte beantworten Sie die Rückfrage oder laden Sie ein weiteres Dokument hoch."
    ),
    "doc_type_unknown": N_("Bitte wählen Sie die Art des Dokuments."),
    "content_type_not_allowed": N_("Erlaubt sind PDF-, PNG- und JPEG-Dateien."),
    "scan_status_not_accepted": N_("Die Datei wurde nicht auf Schadsoftware geprüft."),
    "file_empty": N_("Die Datei ist leer."),
    "file_too_large": N_("Die Datei ist größer als 10 MB."),
    "email_malformed": N_("Bitte geben Sie eine gültige E-Mail-Adresse an."),
    "role_unknown": N_("Bitte wählen Sie die Rolle: Administrator/in oder Mitglied."),
    "client_unknown": N_("Einen dieser Online-Dienste gibt es nicht."),
    "state_unknown": N_("Diesen Bearbeitungsstand gibt es nicht."),
    "documents_required": N_(
        "Bitte laden Sie mindestens ein begründendes Dokument hoch, zum Beispiel einen "
        "Handelsregisterauszug oder eine Gewerbeanmeldung."
    ),
    # errors
    "invalid_organisation": N_("Bitte prüfen Sie die markierten Angaben."),
    "invalid_application": N_(
        "Bitte prüfen Sie die markierten Angaben. Es wurde nichts gespeichert."
    ),
    "outside_region": N_(
        "Die Geschäftsadresse liegt außerhalb des Landkreises Cochem-Zell. Für diese Adresse "
        "ist keine der Verwaltungen dieses ServiceKontos zuständig; bitte wenden Sie sich an "
        "die Verwaltung am Sitz Ihres Betriebs."
    ),
    "responsibility_unclear": N_(
        "Für diese Postleitzahl können wir die zuständige Verwaltung nicht bestimmen. Bitte "
        "wenden Sie sich an die Kreisverwaltung."
    ),
    "illegal_transition": N_("Das ist im jetzigen Bearbeitungsstand nicht möglich."),
    "decided_concurrently": N_(
        "Jemand anderes hat diesen Antrag gerade bearbeitet. Bitte laden Sie die Seite neu und "
        "prüfen Sie den aktuellen Stand."
    ),
    "four_eyes_same_officer": N_(
        "Hier gilt das Vier-Augen-Prinzip: Die zweite Genehmigung muss von einer anderen "
        "Person kommen als die erste."
    ),
    "own_application": N_(
        "Sie können nicht über einen Antrag entscheiden, den Sie selbst gestellt haben oder "
        "dessen Organisation Sie angehören."
    ),
    "register_entry_taken": N_(
        "Für diesen Registereintrag besteht bereits ein Unternehmenskonto oder ein laufender "
        "Antrag. Wenn Sie das nicht erwartet haben, wenden Sie sich bitte an die "
        "Registrierungsstelle."
    ),
    "documents_missing": N_(
        "Bitte laden Sie mindestens ein begründendes Dokument hoch, zum Beispiel einen "
        "Handelsregisterauszug oder eine Gewerbeanmeldung."
    ),
    "too_many_documents": N_(
        "Zu diesem Antrag gibt es schon die höchstmögliche Zahl an Dokumenten."
    ),
    "document_removed": N_(
        "Die Datei wurde nach Ablauf der Aufbewahrungsfrist gelöscht. Art, Größe, Prüfsumme und "
        "Zeitpunkt des Hochladens bleiben in der Akte."
    ),
    "too_many_applications": N_(
        "Sie haben bereits mehrere offene Anträge. Bitte schließen Sie diese zuerst ab."
    ),
    "not_organisation_admin": N_("Das dürfen nur Administratorinnen und Administratoren."),
    "organisation_not_active": N_("Das Unternehmenskonto ist nicht aktiv."),
    "last_admin": N_(
        "Das Unternehmenskonto braucht mindestens eine Administratorin oder einen "
        "Administrator. Bitte ernennen Sie zuerst jemand anderen."
    ),
    "already_member": N_("Sie gehören dieser Organisation bereits an."),
    "too_many_invitations": N_(
        "Es gibt schon viele offene Einladungen. Bitte ziehen Sie zuerst welche zurück."
    ),
    "invitation_invalid": N_(
        "Diese Einladung ist abgelaufen, wurde zurückgezogen oder schon verwendet. Bitten Sie "
        "um eine neue Einladung."
    ),
    "invitation_other_email": N_(
        "Diese Einladung gilt für eine andere E-Mail-Adresse. Melden Sie sich mit dem Konto "
        "an, an dessen Adresse die Einladung ging."
    ),
}

UNKNOWN: Final = N_("Das hat leider nicht geklappt. Bitte prüfen Sie Ihre Angaben.")


def company_message(language: Language | str, code: str) -> str:
    """The text for an error or problem code in `language` (or the package catalogs' language
    of that tag); a general text for a code without its own."""
    if isinstance(language, str):
        language = packaged().language(language)
    return language.text(COMPANY_TEXTS.get(code, UNKNOWN), courts=_COURTS)
