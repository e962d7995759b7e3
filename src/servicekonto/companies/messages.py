"""German texts for the codes of `companies.errors`, for the pages (DESIGN §6 #2: the API says it
in ASCII English, people read German). The page layer looks a code up here (or copies these into
its catalogue); a test keeps every code covered.
"""

from __future__ import annotations

from typing import Final

from servicekonto.companies.legal_forms import REGISTER_COURTS

_COURTS: Final = ", ".join(court.name for court in REGISTER_COURTS)

GERMAN: Final[dict[str, str]] = {
    # field problems
    "name_required": "Bitte geben Sie den Namen der Organisation an, wie er im Register steht.",
    "kind_unknown": (
        "Bitte wählen Sie die Art der Organisation: Unternehmen, Verein, Freiberufler/"
        "Einzelunternehmen, Stiftung oder öffentliche Stelle."
    ),
    "legal_form_unknown": "Bitte wählen Sie eine Rechtsform aus der Liste.",
    "legal_form_kind_mismatch": (
        "Diese Rechtsform passt nicht zur gewählten Art der Organisation (zum Beispiel ist ein "
        "e. V. ein Verein, eine GmbH ein Unternehmen)."
    ),
    "register_type_unknown": (
        "Diese Registerart kennen wir nicht. Möglich sind HRA, HRB, GnR, PR, VR und GsR."
    ),
    "register_type_wrong": (
        "Die Registerart passt nicht zur Rechtsform (zum Beispiel steht eine GmbH im HRB, ein "
        "e. V. im VR, ein e. K. im HRA)."
    ),
    "register_entry_unexpected": (
        "Für diese Rechtsform gibt es keinen Registereintrag. Bitte lassen Sie Registerart, "
        "Registernummer und Registergericht leer und geben Sie, falls vorhanden, Ihre "
        "Gewerbeanmeldung an."
    ),
    "register_number_required": "Bitte geben Sie die Registernummer an.",
    "register_number_malformed": (
        "Die Registernummer hat nicht die übliche Form: bis zu sechs Ziffern, ohne führende "
        "Null, gegebenenfalls mit Buchstabenzusatz, zum Beispiel „HRB 12345“ oder „12345 B“."
    ),
    "register_number_type_mismatch": (
        "Die Registerart vor der Nummer stimmt nicht mit der angegebenen Registerart überein."
    ),
    "register_court_required": "Bitte geben Sie das Registergericht an.",
    "register_court_unknown": (
        f"Dieses Registergericht kennen wir nicht. In Rheinland-Pfalz führen die Amtsgerichte "
        f"{_COURTS} die Register; für den Landkreis Cochem-Zell ist es Koblenz."
    ),
    "trade_authority_required": (
        "Bitte geben Sie an, welche Behörde die Gewerbeanmeldung bestätigt hat."
    ),
    "trade_date_required": "Bitte geben Sie das Datum der Gewerbeanmeldung an.",
    "trade_date_malformed": (
        "Bitte geben Sie das Datum der Gewerbeanmeldung als TT.MM.JJJJ an, zum Beispiel "
        "15.03.2024."
    ),
    "trade_date_in_future": "Das Datum der Gewerbeanmeldung liegt in der Zukunft.",
    "tax_number_malformed": "Die Steuernummer besteht aus 10 bis 13 Ziffern.",
    "vat_id_malformed": (
        "Die Umsatzsteuer-Identifikationsnummer beginnt mit „DE“ und hat danach neun Ziffern."
    ),
    "vat_id_check_digit": (
        "Die Umsatzsteuer-Identifikationsnummer ist nicht gültig (die Prüfziffer stimmt nicht). "
        "Bitte prüfen Sie die Ziffern."
    ),
    "street_required": "Bitte geben Sie die Straße der Geschäftsadresse an.",
    "house_number_required": "Bitte geben Sie die Hausnummer der Geschäftsadresse an.",
    "postal_code_malformed": "Die Postleitzahl besteht aus fünf Ziffern.",
    "locality_required": "Bitte geben Sie den Ort der Geschäftsadresse an.",
    "too_long": "Diese Angabe ist zu lang.",
    "control_characters": "Diese Angabe enthält Steuerzeichen. Bitte geben Sie sie neu ein.",
    "reason_required": (
        "Bitte begründen Sie die Entscheidung. Die antragstellende Person liest die Begründung."
    ),
    "decision_unknown": "Bitte wählen Sie: genehmigen, ablehnen oder Informationen anfordern.",
    "text_required": "Bitte schreiben Sie einen Text.",
    "answer_required": (
        "Bitte beantworten Sie die Rückfrage oder laden Sie ein weiteres Dokument hoch."
    ),
    "doc_type_unknown": "Bitte wählen Sie die Art des Dokuments.",
    "content_type_not_allowed": "Erlaubt sind PDF-, PNG- und JPEG-Dateien.",
    "scan_status_not_accepted": "Die Datei wurde nicht auf Schadsoftware geprüft.",
    "file_empty": "Die Datei ist leer.",
    "file_too_large": "Die Datei ist größer als 10 MB.",
    "email_malformed": "Bitte geben Sie eine gültige E-Mail-Adresse an.",
    "role_unknown": "Bitte wählen Sie die Rolle: Administrator/in oder Mitglied.",
    "client_unknown": "Einen dieser Online-Dienste gibt es nicht.",
    "state_unknown": "Diesen Bearbeitungsstand gibt es nicht.",
    "documents_required": (
        "Bitte laden Sie mindestens ein begründendes Dokument hoch, zum Beispiel einen "
        "Handelsregisterauszug oder eine Gewerbeanmeldung."
    ),
    # errors
    "invalid_organisation": "Bitte prüfen Sie die markierten Angaben.",
    "invalid_application": (
        "Bitte prüfen Sie die markierten Angaben. Es wurde nichts gespeichert."
    ),
    "outside_region": (
        "Die Geschäftsadresse liegt außerhalb des Landkreises Cochem-Zell. Für diese Adresse "
        "ist keine der Verwaltungen dieses ServiceKontos zuständig; bitte wenden Sie sich an "
        "die Verwaltung am Sitz Ihres Betriebs."
    ),
    "responsibility_unclear": (
        "Für diese Postleitzahl können wir die zuständige Verwaltung nicht bestimmen. Bitte "
        "wenden Sie sich an die Kreisverwaltung."
    ),
    "illegal_transition": "Das ist im jetzigen Bearbeitungsstand nicht möglich.",
    "decided_concurrently": (
        "Jemand anderes hat diesen Antrag gerade bearbeitet. Bitte laden Sie die Seite neu und "
        "prüfen Sie den aktuellen Stand."
    ),
    "four_eyes_same_officer": (
        "Hier gilt das Vier-Augen-Prinzip: Die zweite Genehmigung muss von einer anderen "
        "Person kommen als die erste."
    ),
    "own_application": (
        "Sie können nicht über einen Antrag entscheiden, den Sie selbst gestellt haben oder "
        "dessen Organisation Sie angehören."
    ),
    "register_entry_taken": (
        "Für diesen Registereintrag besteht bereits ein Unternehmenskonto oder ein laufender "
        "Antrag. Wenn Sie das nicht erwartet haben, wenden Sie sich bitte an die "
        "Registrierungsstelle."
    ),
    "documents_missing": (
        "Bitte laden Sie mindestens ein begründendes Dokument hoch, zum Beispiel einen "
        "Handelsregisterauszug oder eine Gewerbeanmeldung."
    ),
    "too_many_documents": "Zu diesem Antrag gibt es schon die höchstmögliche Zahl an Dokumenten.",
    "too_many_applications": (
        "Sie haben bereits mehrere offene Anträge. Bitte schließen Sie diese zuerst ab."
    ),
    "not_organisation_admin": "Das dürfen nur Administratorinnen und Administratoren.",
    "organisation_not_active": "Das Unternehmenskonto ist nicht aktiv.",
    "last_admin": (
        "Das Unternehmenskonto braucht mindestens eine Administratorin oder einen "
        "Administrator. Bitte ernennen Sie zuerst jemand anderen."
    ),
    "already_member": "Sie gehören dieser Organisation bereits an.",
    "too_many_invitations": (
        "Es gibt schon viele offene Einladungen. Bitte ziehen Sie zuerst welche zurück."
    ),
    "invitation_invalid": (
        "Diese Einladung ist abgelaufen, wurde zurückgezogen oder schon verwendet. Bitten Sie "
        "um eine neue Einladung."
    ),
    "invitation_other_email": (
        "Diese Einladung gilt für eine andere E-Mail-Adresse. Melden Sie sich mit dem Konto "
        "an, an dessen Adresse die Einladung ging."
    ),
}


def german(code: str) -> str:
    """The German text for an error or problem code (a general one for unknown codes)."""
    return GERMAN.get(code, "Das hat leider nicht geklappt. Bitte prüfen Sie Ihre Angaben.")
