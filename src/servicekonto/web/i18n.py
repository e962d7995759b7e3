"""UI texts in German (default) and English, and the choice of the page language.

Templates never contain visible text of their own; they call `t('key')`, which is `translate`
bound to the page language. German is the reference: a key missing in English falls back to it.
"""

from __future__ import annotations

from typing import Final

SUPPORTED: Final = ("de", "en")
DEFAULT_LOCALE: Final = "de"

#: Upper bounds for parsing client- and browser-supplied language lists.
_MAX_TAGS: Final = 32
_MAX_HEADER: Final = 1024

_DE: dict[str, str] = {
    # frame
    "app.name": "ServiceKonto",
    "app.tagline": "Ein Konto für die Online-Dienste Ihrer Verwaltung",
    "nav.skip": "Zum Inhalt springen",
    "nav.language": "Sprache",
    "nav.home": "Startseite",
    "nav.home_link": "Zur Startseite",
    "lang.de": "Deutsch",
    "lang.en": "English",
    "footer.label": "Rechtliches",
    "footer.imprint": "Impressum",
    "footer.privacy": "Datenschutz",
    "footer.accessibility": "Barrierefreiheit",
    "common.error_prefix": "Fehler:",
    # login
    "login.title": "Anmelden",
    "login.for_client": "Anmeldung für {client}",
    "login.intro": "Melden Sie sich mit Ihrer E-Mail-Adresse und Ihrem Passwort an.",
    "login.username": "E-Mail-Adresse",
    "login.password": "Passwort",
    "login.submit": "Anmelden",
    "login.cancel": "Abbrechen",
    "login.cancel_hint": "Wenn Sie abbrechen, kehren Sie ohne Anmeldung zum Portal zurück.",
    "login.error": "E-Mail-Adresse oder Passwort ist falsch.",
    "login.error_summary": "Die Anmeldung ist fehlgeschlagen",
    "login.eid_title": "Mit Online-Ausweis anmelden",
    "login.eid_text": (
        "Mit Ihrem Personalausweis, Ihrer eID-Karte oder Ihrem elektronischen Aufenthaltstitel "
        "und der AusweisApp melden Sie sich mit dem Vertrauensniveau „hoch“ an. Haben Sie noch "
        "kein ServiceKonto, wird es dabei angelegt."
    ),
    "eid.button.login": "Mit Online-Ausweis anmelden",
    "eid.button.continue": "Mit Online-Ausweis fortfahren",
    "eid.button.link": "Online-Ausweis verbinden",
    "eid.button.confirm": "Mit Online-Ausweis bestätigen",
    "eid.error.title": "Anmeldung mit dem Online-Ausweis nicht möglich",
    "eid.error.cancelled": (
        "Sie haben den Vorgang in der AusweisApp abgebrochen. Es wurden keine Daten übermittelt."
    ),
    "eid.error.revoked": (
        "Ihr Ausweis ist gesperrt. Mit einem gesperrten Ausweis ist keine Anmeldung möglich. "
        "Wenden Sie sich an Ihr Bürgeramt."
    ),
    "eid.error.expired": (
        "Ihr Ausweis ist abgelaufen. Mit einem abgelaufenen Ausweis ist keine Anmeldung möglich."
    ),
    "eid.error.failed": "Der Ausweis konnte nicht gelesen werden. Bitte versuchen Sie es erneut.",
    "eid.error.unavailable": (
        "Der eID-Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut."
    ),
    "eid.error.expired_transaction": (
        "Der Anmeldevorgang ist abgelaufen, wurde bereits abgeschlossen oder in einem anderen "
        "Browser begonnen. Bitte starten Sie die Anmeldung erneut."
    ),
    "eid.refused.card_blocked": (
        "Sie haben diesen Ausweis für die Anmeldung gesperrt. Melden Sie sich anders an und "
        "entfernen Sie die Sperre unter „Anmeldemittel“."
    ),
    "eid.refused.other_account": (
        "Dieser Ausweis ist bereits mit einem anderen ServiceKonto verbunden. Melden Sie sich "
        "ab und mit dem Online-Ausweis neu an."
    ),
    "eid.refused.data_mismatch": (
        "Die Daten Ihres Ausweises (Vorname, Familienname, Geburtsdatum) stimmen nicht mit den "
        "Angaben in Ihrem ServiceKonto überein. Der Ausweis wurde nicht verbunden; an Ihrem "
        "Konto wurde nichts geändert."
    ),
    "eid.refused.document_invalid": (
        "Ihr Ausweis ist nicht gültig. Es wurden keine Daten übernommen."
    ),
    "eid.refused.data_missing": (
        "Für die Anmeldung werden Name, Geburtsdatum und das dienste- und kartenspezifische "
        "Kennzeichen benötigt. Der Ausweis hat diese Daten nicht übermittelt."
    ),
    "otp.title": "Zweiter Faktor",
    "otp.intro": "Geben Sie den sechsstelligen Code aus Ihrer Authenticator-App ein.",
    "otp.label": "Code",
    "otp.hint": "6 Ziffern aus der App oder ein Wiederherstellungscode (zum Beispiel ABCDE-FGHJK)",
    "otp.submit": "Bestätigen",
    "otp.error": "Der Code ist falsch, abgelaufen oder wurde schon verwendet.",
    "otp.error_summary": "Der Code wurde nicht angenommen",
    "otp.lost_title": "Kein Zugriff auf Ihre App?",
    "otp.lost_text": (
        "Nutzen Sie einen Wiederherstellungscode. Ohne zweiten Faktor sind Sie mit dem "
        "Vertrauensniveau „niedrig“ angemeldet und können die App unter „Anmeldemittel“ "
        "sperren."
    ),
    "otp.continue_without": "Ohne zweiten Faktor fortfahren",
    "stepup.title": "Höheres Vertrauensniveau erforderlich",
    "stepup.intro": (
        "{client} verlangt eine Anmeldung mit dem Vertrauensniveau „{level}“. Bitte bestätigen "
        "Sie Ihre Anmeldung mit einem weiteren Anmeldemittel."
    ),
    "stepup.otp_title": "Mit Ihrer Authenticator-App",
    "stepup.totp_unbound": (
        "Ihre Authenticator-App ist noch nicht bestätigt und reicht daher nicht. Bestätigen Sie "
        "sie nach einer Anmeldung mit dem Online-Ausweis unter „Anmeldemittel“."
    ),
    "stepup.cancel": "Zurück zum Dienst",
    "stepup.cancel_hint": (
        "Sie kehren ohne Anmeldung zum Dienst zurück; er erfährt, dass Sie abgebrochen haben."
    ),
    "stepup.eid_title": "Mit dem Online-Ausweis",
    "stepup.eid_text": (
        "Der Online-Ausweis erreicht jedes Vertrauensniveau. Stimmen die Daten des Ausweises "
        "mit Ihrem Konto überein, wird er mit Ihrem Konto verbunden."
    ),
    "stepup.identity_basic": (
        "Ihre Identität ist noch nicht bestätigt. Ein zweiter Faktor allein reicht daher nicht;"
        " bestätigen Sie Ihre Identität mit dem PIN-Brief oder nutzen Sie den Online-Ausweis."
    ),
    "stepup.skip": "Ohne höheres Vertrauensniveau fortfahren",
    "stepup.skip_hint": (
        "Der Dienst erhält dann Ihre Anmeldung mit dem bisherigen Vertrauensniveau und kann "
        "manche Leistungen eventuell nicht anbieten."
    ),
    "security.title": "Anmeldemittel",
    "security.back": "Zurück zum Konto",
    "security.session_level": "Ihre aktuelle Anmeldung hat das Vertrauensniveau „{level}“.",
    "security.means": "Ihre Anmeldemittel",
    "security.col.means": "Anmeldemittel",
    "security.col.state": "Status",
    "security.col.used": "Zuletzt verwendet",
    "security.col.actions": "Aktionen",
    "security.kind.password": "Passwort",
    "security.kind.totp": "Authenticator-App",
    "security.kind.eid": "Online-Ausweis",
    "security.state.active": "aktiv",
    "security.state.blocked": "gesperrt",
    "security.state.pending": "nicht bestätigt",
    "security.codes_left": "{count} Wiederherstellungscodes übrig",
    "security.block": "Sperren",
    "security.block_hint": (
        "Sperren geht jederzeit, ohne das Anmeldemittel zu benutzen – etwa wenn Ihr Telefon "
        "oder Ausweis verloren ist. Entfernen und Entsperren bestätigen Sie mit Ihrem stärksten "
        "Anmeldemittel: mit dem Online-Ausweis, oder mit Passwort und einem Code Ihrer "
        "Authenticator-App bzw. einem Wiederherstellungscode."
    ),
    "security.back_to_service": "Zurück zum Dienst",
    "security.unbound": (
        "Noch nicht bestätigt: zählt nur für das Vertrauensniveau „niedrig“, bis Sie sie nach "
        "einer Anmeldung mit dem Online-Ausweis bestätigen."
    ),
    "security.bind": "Bestätigen",
    "security.unblock": "Entsperren",
    "security.reauth_otp": "Code aus der App oder Wiederherstellungscode",
    "security.reauth_eid_hint": (
        "Um ein Anmeldemittel zu entfernen oder zu entsperren, melden Sie sich bitte zuerst mit "
        "Ihrem Online-Ausweis an (die Bestätigung gilt 5 Minuten)."
    ),
    "security.remove": "Entfernen",
    "security.reauth_password": "Passwort zur Bestätigung",
    "security.password_reset": "Passwort ändern",
    "security.add": "Anmeldemittel hinzufügen",
    "security.totp_text": (
        "Mit einer Authenticator-App als zweitem Faktor erreichen Sie das Vertrauensniveau "
        "„substantiell“, wenn Ihre Identität bestätigt ist."
    ),
    "security.totp_link": "Authenticator-App einrichten",
    "security.eid_text": (
        "Verbinden Sie Ihren Online-Ausweis mit diesem Konto. Ihre Daten werden dann aus dem "
        "Ausweis übernommen und haben das Vertrauensniveau „hoch“."
    ),
    "security.notice.eid_linked": "Ihr Online-Ausweis ist mit Ihrem Konto verbunden.",
    "security.notice.eid_confirmed": "Sie haben sich mit Ihrem Online-Ausweis angemeldet.",
    "security.notice.totp_unbound": (
        "Ihre Authenticator-App ist eingerichtet. Sie zählt für das Vertrauensniveau "
        "„substantiell“, sobald Sie sie nach einer Anmeldung mit dem Online-Ausweis bestätigen."
    ),
    "security.notice.totp_bound": "Ihre Authenticator-App ist bestätigt.",
    "security.notice.unblocked": "Das Anmeldemittel ist wieder freigegeben.",
    "security.error.bind_level": (
        "Bestätigen können Sie die App erst nach einer Anmeldung mit dem Online-Ausweis."
    ),
    "security.notice.totp_enrolled": "Ihre Authenticator-App ist eingerichtet.",
    "security.notice.blocked": "Das Anmeldemittel ist gesperrt.",
    "security.notice.removed": "Das Anmeldemittel wurde entfernt.",
    "security.error.level_too_low": (
        "Um ein neues Anmeldemittel einzurichten, melden Sie sich bitte zuerst mit Ihrem "
        "stärksten Anmeldemittel an (zum Beispiel dem Online-Ausweis)."
    ),
    "security.error.reauth": (
        "Die Bestätigung hat nicht geklappt: Passwort oder Code sind falsch, oder Ihre Anmeldung "
        "mit dem Online-Ausweis liegt mehr als 5 Minuten zurück. Es wurde nichts geändert."
    ),
    "totp.title": "Authenticator-App einrichten",
    "totp.unbound_hint": (
        "Sie sind nur mit Ihrem Passwort angemeldet. Die App zählt deshalb zunächst nur für das "
        "Vertrauensniveau „niedrig“; für „substantiell“ bestätigen Sie sie später nach einer "
        "Anmeldung mit dem Online-Ausweis."
    ),
    "totp.step_app": (
        "Öffnen Sie eine Authenticator-App auf Ihrem Telefon (zum Beispiel FreeOTP oder die App"
        " Ihres Betriebssystems)."
    ),
    "totp.step_scan": (
        "Scannen Sie den QR-Code und geben Sie den angezeigten sechsstelligen Code unten ein."
    ),
    "totp.qr_label": "QR-Code zum Einrichten der Authenticator-App",
    "totp.manual": "Falls Sie nicht scannen können, geben Sie diesen Schlüssel in der App ein:",
    "totp.confirm_label": "Sechsstelliger Code aus der App",
    "totp.error_summary": "Die Authenticator-App wurde nicht eingerichtet",
    "totp.confirm": "Einrichten",
    "totp.error": (
        "Der Code stimmt nicht. Prüfen Sie die Uhrzeit Ihres Telefons und versuchen Sie es mit "
        "dem nächsten Code."
    ),
    "recovery.title": "Ihre Wiederherstellungscodes",
    "recovery.enrolled": "Die Authenticator-App ist eingerichtet.",
    "recovery.intro": (
        "Bewahren Sie diese Codes sicher auf, zum Beispiel ausgedruckt. Jeder Code ersetzt "
        "einmal den Code aus der App, falls Sie keinen Zugriff auf Ihr Telefon haben."
    ),
    "recovery.once": "Die Codes werden nur jetzt angezeigt.",
    "recovery.continue": "Weiter",
    "account.security_title": "Anmeldemittel",
    "account.security_text": (
        "Passwort, Authenticator-App und Online-Ausweis: ansehen, hinzufügen, sperren."
    ),
    "account.security_link": "Anmeldemittel verwalten",
    "account.eid_registered": (
        "Ihr ServiceKonto wurde mit Ihrem Online-Ausweis angelegt. Ihre Daten stammen aus dem "
        "Ausweis und haben das Vertrauensniveau „hoch“."
    ),
    "account.no_email": "keine hinterlegt",
    "account.email_unverified": "noch nicht bestätigt",
    "account.add_email_title": "E-Mail-Adresse hinterlegen",
    "account.add_email_hint": (
        "Optional. Wir senden Ihnen einen Link zur Bestätigung; danach erhalten Sie "
        "Benachrichtigungen per E-Mail."
    ),
    "account.add_email": "E-Mail-Adresse hinterlegen",
    "account.email_sent": (
        "Wir haben Ihnen einen Bestätigungslink geschickt. Bitte öffnen Sie ihn innerhalb von 7"
        " Tagen."
    ),
    "account.email_invalid": "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
    "login.no_account": "Noch kein ServiceKonto?",
    "login.register_link": "Jetzt registrieren",
    # consent
    "consent.title": "Einwilligung zur Datenübermittlung",
    "consent.client_fallback": "Der Online-Dienst",
    "consent.intro": (
        "{client} möchte folgende Angaben aus Ihrem ServiceKonto erhalten. "
        "Bitte wählen Sie aus, welche Angaben übermittelt werden dürfen."
    ),
    "consent.claims_legend": "Zu übermittelnde Angaben",
    "consent.required": "erforderlich",
    "consent.required_hint": (
        "Als erforderlich markierte Angaben benötigt der Dienst zwingend. Wenn Sie diese nicht "
        "übermitteln möchten, wählen Sie „Ablehnen“."
    ),
    "consent.scopes": "Außerdem erhält der Dienst folgende Berechtigungen:",
    "consent.offline_access_title": "Permanente Authentifikation",
    "consent.offline_access": (
        "{client} darf Ihr ServiceKonto auch dann nutzen, wenn Sie nicht angemeldet sind – "
        "so lange, bis Sie die Einwilligung unter „Mein Konto“ widerrufen."
    ),
    "consent.revoke_hint": "Sie können Ihre Einwilligung jederzeit unter „Mein Konto“ widerrufen.",
    "consent.allow": "Zustimmen",
    "consent.deny": "Ablehnen",
    # scopes without claims of their own
    "scope.organization": "Handeln für Ihr Unternehmen oder Ihre Organisation",
    "scope.favorites": "Ihre Favoriten",
    "scope.account": "Ihr ServiceKonto verwalten",
    "scope.offline_access": "Permanente Authentifikation",
    "scope.postfach": "Nachrichten und Bescheide in Ihr Postfach zustellen",
    "scope.safe": "Dokumente in Ihrem Dokumentensafe ablegen",
    # account
    "account.title": "Mein Konto",
    "account.signed_in_as": "Sie sind angemeldet als {who}.",
    "account.identity": "Ihre Angaben",
    "account.level": "Vertrauensniveau",
    "account.attribute": "Angabe",
    "account.value": "Wert",
    "account.attribute_level": "Vertrauensniveau",
    "account.no_attributes": "Es sind noch keine persönlichen Angaben hinterlegt.",
    "account.consents": "Ihre Einwilligungen",
    "account.consents_intro": "Diese Online-Dienste dürfen Angaben aus Ihrem ServiceKonto abrufen.",
    "account.no_consents": "Sie haben bisher keinem Online-Dienst eine Einwilligung erteilt.",
    "account.claims": "Freigegebene Angaben",
    "account.scopes": "Berechtigungen",
    "account.granted_at": "Erteilt am",
    "account.revoke": "Einwilligung widerrufen",
    "account.revoked": "Die Einwilligung wurde widerrufen.",
    "account.password_changed": (
        "Ihr Passwort wurde geändert. Auf allen anderen Geräten sind Sie abgemeldet."
    ),
    "account.email_change_sent": (
        "Wir haben einen Bestätigungslink an die neue E-Mail-Adresse gesendet. Bis Sie ihn "
        "bestätigen, gilt die bisherige Adresse."
    ),
    "account.change_password": "Passwort ändern",
    "account.change_email": "E-Mail-Adresse ändern",
    "account.logout": "Abmelden",
    "account.identity_title": "Identität bestätigen",
    "account.identity_text": (
        "Mit dem Aktivierungscode aus Ihrem Brief bestätigen Sie Ihre Identität. Dort sehen Sie "
        "auch, ob Ihr Brief unterwegs ist, und können einen neuen anfordern."
    ),
    "account.identity_link": "Identität bestätigen und Briefstatus ansehen",
    # logout
    "logout.title": "Abmelden",
    "logout.question": "Möchten Sie sich abmelden?",
    "logout.from_client": "{client} hat Ihre Abmeldung angefordert.",
    "logout.confirm": "Abmelden",
    "logout.stay": "Angemeldet bleiben",
    "logout.done_title": "Abgemeldet",
    "logout.done": "Sie sind abgemeldet.",
    "logout.done_hint": (
        "Wenn Sie einen gemeinsam genutzten Computer verwenden, schließen Sie bitte "
        "zusätzlich das Browserfenster."
    ),
    # errors
    "error.title": "Es ist ein Fehler aufgetreten",
    "error.invalid_request_title": "Ungültige Anfrage",
    "error.interaction_expired_title": "Vorgang abgelaufen",
    "error.csrf_title": "Formular abgelaufen",
    "error.forbidden_title": "Kein Zugriff",
    "error.not_found_title": "Seite nicht gefunden",
    "error.too_many_requests_title": "Zu viele Anfragen",
    "error.server_error_title": "Technischer Fehler",
    "error.generic": "Ihre Anfrage konnte nicht bearbeitet werden.",
    "error.bad_request": "Ihre Anfrage konnte nicht bearbeitet werden.",
    "error.invalid_request": (
        "Die Anfrage des Portals ist ungültig oder unvollständig. "
        "Es wurden keine Daten übermittelt."
    ),
    "error.invalid_client": (
        "Das Portal, von dem Sie kommen, ist bei ServiceKonto nicht bekannt. "
        "Es wurden keine Daten übermittelt."
    ),
    "error.invalid_redirect_uri": (
        "Die Rücksprungadresse des Portals ist bei ServiceKonto nicht registriert. "
        "Zu Ihrem Schutz leiten wir Sie nicht dorthin weiter."
    ),
    "error.invalid_scope": "Das Portal hat Berechtigungen angefragt, die es nicht erhalten darf.",
    "error.unauthorized_client": "Das Portal ist für diese Art der Anmeldung nicht zugelassen.",
    "error.unsupported_response_type": "Das Portal verwendet ein nicht unterstütztes Verfahren.",
    "error.access_denied": "Der Vorgang wurde abgebrochen.",
    "error.login_required": "Bitte melden Sie sich an, um fortzufahren.",
    "error.unmet_authentication_requirements": (
        "Das vom Portal verlangte Vertrauensniveau kann derzeit nicht erreicht werden."
    ),
    "error.interaction_expired": (
        "Der Anmeldevorgang ist abgelaufen oder wurde bereits abgeschlossen."
    ),
    "error.interaction_other_browser": (
        "Dieser Anmeldevorgang wurde in einem anderen Browser begonnen. Bitte starten Sie die "
        "Anmeldung in diesem Browser erneut beim Portal."
    ),
    "error.csrf": (
        "Das Formular ist abgelaufen oder wurde nicht von dieser Seite gesendet. "
        "Bitte laden Sie die Seite neu und versuchen Sie es noch einmal."
    ),
    "error.unauthorized": "Bitte melden Sie sich an, um diese Seite aufzurufen.",
    "error.forbidden": "Sie haben keine Berechtigung, diese Seite aufzurufen.",
    "error.not_found": "Die angeforderte Seite wurde nicht gefunden.",
    "error.method_not_allowed": "Diese Seite kann auf diese Weise nicht aufgerufen werden.",
    "error.conflict": "Die Änderung konnte nicht gespeichert werden, weil sich die Daten "
    "inzwischen geändert haben. Bitte laden Sie die Seite neu.",
    "error.invalid_input": "Die eingegebenen Daten sind ungültig. Bitte prüfen Sie Ihre Eingaben.",
    "error.too_many_requests": (
        "Es wurden zu viele Anfragen in kurzer Zeit gesendet. "
        "Bitte warten Sie einen Moment und versuchen Sie es dann noch einmal."
    ),
    "error.payload_too_large": "Die gesendeten Daten sind zu groß.",
    "error.server_error": (
        "Bei uns ist ein technischer Fehler aufgetreten. Bitte versuchen Sie es später noch einmal."
    ),
    "error.unavailable_title": "Vorübergehend nicht erreichbar",
    "error.unavailable": (
        "ServiceKonto ist gerade vorübergehend nicht erreichbar. "
        "Bitte versuchen Sie es später erneut."
    ),
    "error.control_characters": (
        "Ihre Eingabe enthält unzulässige Steuerzeichen (zum Beispiel ein Nullbyte). "
        "Bitte geben Sie die Daten erneut ein."
    ),
    "error.what_now": "Was können Sie tun?",
    "error.advice": (
        "Kehren Sie zu dem Portal zurück, über das Sie gekommen sind, "
        "und starten Sie den Vorgang dort erneut."
    ),
    "error.status": "Fehlercode",
    "error.request_id": "Vorgangsnummer",
    "error.request_id_hint": (
        "Wenn Sie sich an den Support wenden, nennen Sie bitte diese Vorgangsnummer."
    ),
    "error.back": "Zur Startseite",
    # uploads (uploads/errors.py codes; web/upload_messages.py fills {file} and the limits)
    "upload.file.named": "„{name}“",
    "upload.file.numbered": "Datei {number}",
    "upload.file.unnamed": "Datei",
    "upload.error.upload_refused": "{file}: Die Datei wurde nicht angenommen.",
    "upload.error.too_many_files": (
        "Sie können höchstens {max_files} Dateien auf einmal hochladen. Es wurde nichts "
        "gespeichert; bitte wählen Sie weniger Dateien aus."
    ),
    "upload.error.file_name_missing": (
        "{file}: Die Datei hat keinen Namen. Bitte geben Sie ihr einen Namen und laden Sie sie "
        "erneut hoch."
    ),
    "upload.error.file_name_path": (
        "{file}: Der Dateiname enthält einen Schrägstrich („/“ oder „\\“) und sieht damit wie "
        "ein Pfad aus. Bitte benennen Sie die Datei um."
    ),
    "upload.error.file_name_control": (
        "{file}: Der Dateiname enthält unzulässige Steuerzeichen (etwa ein Nullzeichen oder "
        "Zeichen, die die Schreibrichtung umkehren). Bitte benennen Sie die Datei um."
    ),
    "upload.error.file_name_too_long": (
        "{file}: Der Dateiname ist länger als {max_chars} Zeichen. Bitte wählen Sie einen "
        "kürzeren Namen."
    ),
    "upload.error.file_empty": "{file}: Die Datei ist leer.",
    "upload.error.file_too_large": (
        "{file}: Die Datei ist größer als {max_mb} MB. Bitte laden Sie eine kleinere Datei hoch, "
        "zum Beispiel einen Scan mit geringerer Auflösung."
    ),
    "upload.error.file_type_not_allowed": (
        "{file}: Dieses Dateiformat ist nicht erlaubt. Erlaubt sind PDF-Dateien (.pdf) und "
        "Bilder im Format PNG (.png) oder JPEG (.jpg, .jpeg)."
    ),
    "upload.error.file_content_unknown": (
        "{file}: Der Inhalt ist weder ein PDF noch ein PNG- oder JPEG-Bild. Bitte speichern Sie "
        "das Dokument als PDF oder als Bild und laden Sie es erneut hoch."
    ),
    "upload.error.file_extension_mismatch": (
        "{file}: Die Dateiendung „.{extension}“ passt nicht zum Inhalt, denn die Datei ist ein "
        "{detected}. Bitte korrigieren Sie die Endung oder wählen Sie die richtige Datei."
    ),
    "upload.error.file_content_type_mismatch": (
        "{file}: Der angegebene Dateityp passt nicht zum Inhalt, denn die Datei ist ein "
        "{detected}. Bitte wählen Sie die richtige Datei."
    ),
    "upload.error.file_extra_data": (
        "{file}: Vor dem Anfang oder nach dem Ende des {detected}-Inhalts stehen weitere Daten, "
        "etwa eine angehängte zweite Datei. Solche Dateien nehmen wir aus Sicherheitsgründen nicht "
        "an. Bitte speichern oder exportieren Sie das Dokument neu."
    ),
    "upload.error.file_polyglot": (
        "{file}: Die Datei ist ein {detected}, enthält aber zusätzlich Inhalte im Format "
        "{other}. Solche Dateien nehmen wir aus Sicherheitsgründen nicht an. Bitte speichern Sie "
        "das Dokument neu."
    ),
    "upload.error.file_truncated": (
        "{file}: Die Datei ist unvollständig; vermutlich wurde das Speichern oder Hochladen "
        "abgebrochen. Bitte laden Sie sie erneut hoch."
    ),
    "upload.error.file_unreadable": (
        "{file}: Die Datei ist beschädigt und kann nicht gelesen werden. Bitte speichern Sie das "
        "Dokument neu und laden Sie es erneut hoch."
    ),
    "upload.error.image_too_many_pixels": (
        "{file}: Das Bild hat mehr als {max_megapixels} Millionen Bildpunkte. Bitte verkleinern "
        "Sie es oder scannen Sie mit geringerer Auflösung."
    ),
    "upload.error.pdf_encrypted": (
        "{file}: Das PDF ist verschlüsselt oder mit einem Passwort geschützt. Bitte laden Sie das "
        "Dokument ohne Passwortschutz hoch."
    ),
    "upload.error.pdf_javascript": (
        "{file}: Das PDF enthält JavaScript. PDFs mit Programmcode nehmen wir aus "
        "Sicherheitsgründen nicht an. Drucken Sie das Dokument über „Als PDF drucken“ in ein "
        "neues PDF und laden Sie dieses hoch."
    ),
    "upload.error.pdf_launch": (
        "{file}: Das PDF enthält eine Aktion, die ein Programm startet. Solche PDFs nehmen wir "
        "aus Sicherheitsgründen nicht an. Drucken Sie das Dokument über „Als PDF drucken“ in ein "
        "neues PDF und laden Sie dieses hoch."
    ),
    "upload.error.pdf_embedded_file": (
        "{file}: Das PDF enthält eingebettete Dateien (Anhänge). Bitte laden Sie jedes Dokument "
        "als eigene Datei hoch."
    ),
    "upload.error.pdf_open_action": (
        "{file}: Das PDF führt beim Öffnen automatisch eine Aktion aus. Solche PDFs nehmen wir aus "
        "Sicherheitsgründen nicht an. Drucken Sie das Dokument über „Als PDF drucken“ in ein "
        "neues PDF und laden Sie dieses hoch."
    ),
    "upload.error.pdf_additional_actions": (
        "{file}: Das PDF enthält Aktionen, die beim Anzeigen einer Seite oder beim Ausfüllen "
        "ausgelöst werden. Solche PDFs nehmen wir aus Sicherheitsgründen nicht an. Drucken Sie das "
        "Dokument über „Als PDF drucken“ in ein neues PDF und laden Sie dieses hoch."
    ),
    "upload.error.pdf_active_content": (
        "{file}: Das PDF enthält aktive Inhalte ({feature}), etwa ein Formular, das Daten "
        "versendet, oder Verweise in andere Dateien. Drucken Sie das Dokument über „Als PDF "
        "drucken“ in ein neues PDF und laden Sie dieses hoch."
    ),
    "upload.error.file_infected": (
        "{file}: Die Virenprüfung hat Schadsoftware gefunden ({signature}). Die Datei wurde nicht "
        "gespeichert. Bitte prüfen Sie Ihr Gerät mit einem aktuellen Virenschutzprogramm."
    ),
    "upload.error.scan_failed": (
        "{file}: Die Datei konnte nicht auf Schadsoftware geprüft werden und wurde deshalb nicht "
        "angenommen. Bitte versuchen Sie es mit einer kleineren Datei."
    ),
    "upload.error.scan_unavailable": (
        "Die Virenprüfung für hochgeladene Dateien ist gerade nicht verfügbar. Deshalb können wir "
        "im Moment keine Dateien annehmen; es wurde nichts gespeichert. Bitte versuchen Sie es "
        "später erneut."
    ),
    # trust levels
    "level.basic": "Basisregistrierung",
    "level.low": "niedrig",
    "level.substantial": "substantiell",
    "level.high": "hoch",
    # claims
    "claim.openid": "Pseudonyme Kennung für diesen Dienst",
    "claim.given_name": "Vorname(n)",
    "claim.family_name": "Familienname",
    "claim.birthdate": "Geburtsdatum",
    "claim.birth_family_name": "Geburtsname",
    "claim.place_of_birth": "Geburtsort",
    "claim.nationalities": "Staatsangehörigkeit",
    "claim.address": "Anschrift",
    "claim.email": "E-Mail-Adresse",
    "claim.email_verified": "Bestätigung der E-Mail-Adresse",
    "claim.phone_number": "Telefonnummer",
    "claim.organization": "Unternehmen oder Organisation",
    # start page
    "index.title": "Willkommen bei ServiceKonto",
    "index.intro": (
        "Mit Ihrem ServiceKonto nutzen Sie die Online-Dienste aller Verwaltungen Ihrer Region – "
        "mit nur einer Anmeldung. Sie entscheiden selbst, welche Angaben ein Dienst erhält, "
        "und können Ihre Einwilligung jederzeit widerrufen."
    ),
    "index.next": "Was möchten Sie tun?",
    "index.login": "Anmelden",
    "index.register": "Registrieren",
    "index.account": "Mein Konto",
    "index.demo": "Demo-Portal ausprobieren",
    # demo portal
    "demo.brand": "Demo-Portal (Beispiel-Fachverfahren)",
    "demo.title": "Demo-Portal",
    "demo.intro": (
        "Dieses Demo-Portal steht für ein Fachverfahren einer Verwaltung. Es ist ein echter "
        "OpenID-Connect-Client: Es leitet Sie zur Anmeldung an ServiceKonto weiter und zeigt "
        "anschließend, welche Angaben es erhalten hat."
    ),
    "demo.not_logged_in": (
        "Sie sind im Demo-Portal nicht angemeldet. "
        "Wählen Sie, mit welchem Vertrauensniveau Sie sich anmelden möchten."
    ),
    "demo.logged_in": "Sie sind im Demo-Portal angemeldet.",
    "demo.login_low": "Anmelden – Vertrauensniveau niedrig",
    "demo.login_substantial": "Anmelden – Vertrauensniveau substantiell",
    "demo.login_high": "Anmelden – Vertrauensniveau hoch",
    "demo.login_heading": "Mit ServiceKonto anmelden",
    "demo.logout": "Abmelden",
    "demo.acr": "Erreichtes Vertrauensniveau (acr)",
    "demo.claims": "Übermittelte Angaben",
    "demo.userinfo": "Antwort des UserInfo-Endpunkts",
    "demo.id_token": "Inhalt des ID-Tokens",
    "demo.no_claims": "Es wurden keine Angaben übermittelt.",
    "demo.error": "Die Anmeldung wurde nicht abgeschlossen. Fehlercode: {error}",
    # registration
    "register.title": "ServiceKonto anlegen",
    "register.intro": (
        "Mit einem ServiceKonto nutzen Sie die Online-Dienste Ihrer Verwaltung. "
        "Bitte füllen Sie alle Felder aus."
    ),
    "register.account_legend": "Zugangsdaten",
    "register.email": "E-Mail-Adresse",
    "register.password": "Passwort",
    "register.password_hint": (
        "Mindestens 12 Zeichen. Sonderzeichen sind nicht nötig. "
        "Häufig verwendete Passwörter werden abgelehnt."
    ),
    "register.person_legend": "Angaben zu Ihrer Person",
    "register.given_name": "Vorname(n)",
    "register.given_name_hint": "Alle Vornamen, wie sie in Ihrem Personalausweis stehen.",
    "register.family_name": "Familienname",
    "register.birth_date": "Geburtsdatum",
    "register.birth_date_hint": "Im Format JJJJ-MM-TT, zum Beispiel 1985-03-27.",
    "register.address_legend": "Ihre Anschrift",
    "register.address_hint": "Die Anschrift Ihrer Hauptwohnung, wie sie im Melderegister steht.",
    "register.street": "Straße",
    "register.house_number": "Hausnummer",
    "register.postal_code": "Postleitzahl",
    "register.locality": "Ort",
    "register.privacy_title": "Datenschutzhinweis",
    "register.privacy_text": "Bevor Sie Ihr Konto anlegen: So gehen wir mit Ihren Angaben um.",
    "register.privacy_stored": (
        "Wir speichern Ihre E-Mail-Adresse, Ihre Namen, Ihr Geburtsdatum und Ihre Anschrift. "
        "Ihr Passwort speichern wir nur in verschlüsselter Form (als Hashwert)."
    ),
    "register.privacy_match": (
        "Wir gleichen Ihre Angaben mit dem Melderegister Ihrer Wohnsitzgemeinde ab."
    ),
    "register.privacy_letter": (
        "Stimmen die Angaben überein, schicken wir Ihnen einen Brief mit einem Aktivierungscode. "
        "Der Brief geht an die Anschrift, die im Melderegister eingetragen ist – nicht an die "
        "Anschrift, die Sie hier eingeben."
    ),
    "register.privacy_retention": (
        "Bestätigen Sie Ihre E-Mail-Adresse nicht innerhalb von 7 Tagen, löschen wir Ihre "
        "Registrierung."
    ),
    "register.privacy_deletion": (
        "Sie können Ihr Konto jederzeit löschen. Dann löschen wir alle Daten Ihres Kontos."
    ),
    "register.privacy_legal_basis": (
        "Rechtsgrundlage ist Ihre Einwilligung (Art. 6 Abs. 1 Buchst. a DSGVO) in Verbindung mit "
        "dem Onlinezugangsgesetz (OZG). Sie können die Einwilligung jederzeit widerrufen, indem "
        "Sie Ihr Konto löschen."
    ),
    "register.privacy_more": "Vollständige Datenschutzerklärung lesen",
    "register.privacy_consent": (
        "Ich habe den Datenschutzhinweis gelesen und willige in die beschriebene Verarbeitung "
        "meiner Daten ein."
    ),
    "register.submit": "Konto anlegen",
    "register.have_account": "Sie haben bereits ein ServiceKonto?",
    "register.have_account_link": "Zur Anmeldung",
    "register.error.summary_title": "Bitte prüfen Sie Ihre Angaben",
    "register.error.summary_item": "{field}: {message}",
    "register.error.required": "Bitte füllen Sie dieses Feld aus.",
    "register.error.email": (
        "Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@beispiel.de."
    ),
    "register.error.password_too_short": "Das Passwort muss mindestens 12 Zeichen lang sein.",
    "register.error.password_too_long": (
        "Das Passwort ist zu lang. Bitte wählen Sie ein kürzeres Passwort."
    ),
    "register.error.password_too_common": (
        "Dieses Passwort wird sehr häufig verwendet und ist leicht zu erraten. "
        "Bitte wählen Sie ein anderes."
    ),
    "register.error.birth_date": (
        "Bitte geben Sie ein gültiges Geburtsdatum im Format JJJJ-MM-TT ein, "
        "zum Beispiel 1985-03-27."
    ),
    "register.error.too_long": (
        "Die Eingabe ist zu lang: höchstens {limit} Zeichen, Sie haben {length} eingegeben."
    ),
    "register.error.character_person": (
        "Das Zeichen {character} ist in Namen nicht erlaubt. Erlaubt sind Buchstaben (auch mit "
        "Akzenten und Sonderzeichen wie ß, é, ł), Leerzeichen, Bindestrich, Apostroph und Punkt."
    ),
    "register.error.character_other": (
        "Das Zeichen {character} ist hier nicht erlaubt. Erlaubt sind Buchstaben (auch mit "
        "Akzenten), Ziffern, Leerzeichen und übliche Satzzeichen."
    ),
    "register.error.birth_date_in_future": (
        "Das Geburtsdatum liegt in der Zukunft. Bitte prüfen Sie das Datum."
    ),
    "register.error.birth_date_implausible": (
        "Das Geburtsdatum liegt vor dem Jahr 1900 und ist daher nicht plausibel. Bitte prüfen "
        "Sie das Jahr."
    ),
    "register.error.postal_code": "Bitte geben Sie eine Postleitzahl mit 5 Ziffern ein.",
    "register.error.privacy_consent": (
        "Bitte willigen Sie in die Verarbeitung Ihrer Daten ein. Ohne Ihre Einwilligung können "
        "wir kein Konto anlegen."
    ),
    "register.error.register_unavailable": (
        "Der Abgleich mit dem Melderegister ist gerade nicht möglich. Bitte versuchen Sie es "
        "später noch einmal. Es wurde nichts gespeichert."
    ),
    "register_done.title": "Bitte bestätigen Sie Ihre E-Mail-Adresse",
    "register_done.email": (
        "Bitte bestätigen Sie Ihre E-Mail-Adresse über den Link, den wir Ihnen gesendet haben."
    ),
    "register_done.letter": (
        "Wenn Ihre Angaben mit dem Melderegister übereinstimmen, erhalten Sie in den nächsten "
        "Tagen einen Brief mit einem Aktivierungscode an Ihre gemeldete Anschrift. Damit "
        "bestätigen Sie Ihre Identität (Vertrauensniveau substantiell)."
    ),
    "register_done.meanwhile": (
        "Bis dahin können Sie Ihr Konto mit dem Vertrauensniveau niedrig nutzen."
    ),
    "register_done.no_mail": "Keine E-Mail erhalten? Bitte sehen Sie auch im Spam-Ordner nach.",
    "register_done.login": "Zur Anmeldung",
    "email_confirm.title": "E-Mail-Adresse bestätigen",
    "email_confirm.text": (
        "Bitte bestätigen Sie mit der Schaltfläche, dass diese E-Mail-Adresse Ihnen gehört."
    ),
    "email_confirm.submit": "E-Mail-Adresse bestätigen",
    "email_verified.ok_title": "E-Mail-Adresse bestätigt",
    "email_verified.ok_text": (
        "Vielen Dank. Sie können sich jetzt mit Ihrer E-Mail-Adresse und Ihrem Passwort anmelden."
    ),
    "email_verified.login": "Zur Anmeldung",
    "email_verified.failed_title": "Der Link ist ungültig oder abgelaufen",
    "email_verified.failed_text": (
        "Vielleicht haben Sie den Link schon einmal verwendet, oder er wurde nicht vollständig "
        "kopiert."
    ),
    "email_verified.failed_login": (
        "Haben Sie Ihre E-Mail-Adresse schon bestätigt? Dann melden Sie sich einfach an:"
    ),
    "email_verified.failed_register": (
        "Nicht bestätigte Registrierungen löschen wir nach 7 Tagen. Registrieren Sie sich dann "
        "bitte noch einmal:"
    ),
    "email_verified.register": "Zur Registrierung",
    # identity confirmation (PIN letter)
    "identity.title": "Identität bestätigen",
    "identity.intro": (
        "Mit dem Aktivierungscode aus Ihrem Brief bestätigen Sie Ihre Identität. Ihre Angaben "
        "erhalten dann das Vertrauensniveau substantiell. Den Brief schicken wir an Ihre "
        "Anschrift im Melderegister."
    ),
    "identity.verified_title": "Ihre Identität ist bestätigt",
    "identity.verified": (
        "Ihre Angaben aus dem Melderegister haben das Vertrauensniveau substantiell."
    ),
    "identity.letter_title": "Ihr Brief",
    "identity.letter_status": "Status",
    "identity.letter_reference": "Aktenzeichen",
    "identity.letter_created": "Erstellt am",
    "identity.letter_valid_until": "Code gültig bis",
    "identity.attempts_left": "Verbleibende Versuche",
    "identity.no_letter": "Zurzeit ist kein Brief mit Aktivierungscode für Sie unterwegs.",
    "identity.code_title": "Aktivierungscode eingeben",
    "identity.code": "Aktivierungscode",
    "identity.code_hint": "Steht in Ihrem Brief, zum Beispiel ABCD-EFGH-JKMN.",
    "identity.submit": "Identität bestätigen",
    "identity.error_summary": "Die Identität konnte nicht bestätigt werden",
    "identity.error": "Der Code ist falsch, abgelaufen oder nicht mehr gültig.",
    "identity.order_title": "Neuen Brief anfordern",
    "identity.order_text": (
        "Haben Sie keinen Brief erhalten oder ist der Code nicht mehr gültig? Dann können Sie "
        "einen neuen Brief anfordern. Der Code im bisherigen Brief wird damit ungültig. Sie "
        "können höchstens 3 Briefe innerhalb von 90 Tagen anfordern."
    ),
    "identity.order_submit": "Neuen Brief anfordern",
    "identity.back": "Zurück zu „Mein Konto“",
    "identity.notice.activated": "Ihre Identität ist bestätigt.",
    "identity.notice.ordered": (
        "Wir schicken Ihnen in den nächsten Tagen einen neuen Brief an Ihre Anschrift im "
        "Melderegister. Der Code im bisherigen Brief ist ab sofort ungültig."
    ),
    "identity.notice.order_refused": (
        "Ein neuer Brief kann zurzeit nicht angefordert werden, zum Beispiel weil in den "
        "letzten 90 Tagen bereits 3 Briefe verschickt wurden."
    ),
    "identity.notice.order_no_match": (
        "Ein neuer Brief kann nicht verschickt werden: Ihre Angaben passen zurzeit zu keinem "
        "Eintrag im Melderegister. Bitte wenden Sie sich an Ihre Verwaltung."
    ),
    "identity.notice.register_unavailable": (
        "Der Abgleich mit dem Melderegister ist gerade nicht möglich. Bitte versuchen Sie es "
        "später noch einmal."
    ),
    "letter.status.queued": "wird gedruckt",
    "letter.status.dispatched": "verschickt",
    "letter.status.activated": "eingelöst",
    "letter.status.void": "ungültig",
    "letter.status.expired": "abgelaufen",
    # letter dispatch (print shop)
    "dispatch.title": "Briefversand",
    "dispatch.intro": (
        "Hier sehen Sie die Briefe mit Aktivierungscode, die noch gedruckt und verschickt "
        "werden müssen."
    ),
    "dispatch.empty": "Zurzeit warten keine Briefe auf den Versand.",
    "dispatch.count": "Briefe, die auf den Versand warten: {count}",
    "dispatch.select_column": "Auswahl",
    "dispatch.select": "Brief {reference} auswählen",
    "dispatch.reference": "Aktenzeichen",
    "dispatch.kind": "Art",
    "dispatch.kind.pin": "PIN-Brief (Identität)",
    "dispatch.kind.org_activation": "Aktivierung Unternehmen",
    "dispatch.created": "Erstellt am",
    "dispatch.valid_until": "Gültig bis",
    "dispatch.administration": "Verwaltung",
    "dispatch.recipient": "Empfänger",
    "dispatch.hint": (
        "Markieren Sie Briefe erst als verschickt, wenn sie gedruckt und zur Post gegeben sind."
    ),
    "dispatch.export": "Ausgewählte als PDF herunterladen",
    "dispatch.mark_dispatched": "Ausgewählte als verschickt markieren",
    "dispatch.error_title": "Die Briefe können nicht heruntergeladen werden",
    "dispatch.error.none_queued": (
        "Keiner der ausgewählten Briefe wartet noch auf den Versand. Bitte laden Sie die "
        "Übersicht neu."
    ),
    "dispatch.error.unreadable": (
        "Mindestens einer der ausgewählten Briefe ist beschädigt oder fehlt und kann nicht "
        "gedruckt werden. Es wurde nichts heruntergeladen. Bitte wenden Sie sich an den "
        "Betrieb; die betroffene Person kann einen neuen Brief anfordern."
    ),
    "dispatch.error.too_many": "Bitte wählen Sie höchstens 200 Briefe auf einmal aus.",
    "dispatch.error.too_many_title": "Zu viele Briefe ausgewählt",
    "dispatch.second_factor.title": "Zweiter Faktor erforderlich",
    "dispatch.second_factor.text": (
        "Der Briefversand zeigt Aktivierungscodes. Dafür genügt das Passwort nicht: Bitte "
        "bestätigen Sie Ihre Anmeldung mit dem Code aus Ihrer Authenticator-App."
    ),
    "dispatch.second_factor.enter_code": "Code eingeben",
    "dispatch.second_factor.enrol": "Authenticator-App einrichten",
    "dispatch.second_factor.enrol_text": (
        "Der Briefversand zeigt Aktivierungscodes. Dafür genügt das Passwort nicht: Sie "
        "brauchen eine bestätigte Authenticator-App. Richten Sie die App nach einer Anmeldung "
        "mit dem Online-Ausweis ein, dann ist sie sofort bestätigt, oder lassen Sie sie von "
        "Ihrer Verwaltung einrichten."
    ),
    "dispatch.unbound.title": "Authenticator-App noch nicht bestätigt",
    "dispatch.unbound.text": (
        "Der Briefversand zeigt Aktivierungscodes. Ihre Authenticator-App ist noch nicht "
        "bestätigt und reicht dafür nicht, denn wer Ihr Passwort kennt, kann selbst eine App "
        "einrichten. Melden Sie sich mit Ihrem Online-Ausweis an und bestätigen Sie die App "
        "danach unter „Anmeldemittel“ mit „Bestätigen“. Ohne Online-Ausweis wenden Sie sich "
        "an Ihre Verwaltung."
    ),
    "dispatch.unbound.action": "Zu den Anmeldemitteln",
    "account.staff_letters": "Zum Briefversand",
    # password reset and account deletion (registration/recovery.py)
    "login.forgot_link": "Passwort vergessen?",
    "login.notice.password_changed": (
        "Ihr Passwort wurde geändert. Bitte melden Sie sich mit dem neuen Passwort an."
    ),
    "forgot.title": "Passwort vergessen",
    "forgot.intro": (
        "Geben Sie die E-Mail-Adresse Ihres ServiceKontos ein. Wir schicken Ihnen einen Link, "
        "mit dem Sie ein neues Passwort festlegen."
    ),
    "forgot.email": "E-Mail-Adresse",
    "forgot.email_hint": "Die Adresse, mit der Sie sich anmelden.",
    "forgot.submit": "Link anfordern",
    "forgot.back_to_login": "Zur Anmeldung",
    "forgot_sent.title": "Bitte sehen Sie in Ihr Postfach",
    "forgot_sent.text": (
        "Wenn ein Konto mit dieser Adresse besteht, haben wir Ihnen einen Link gesendet, mit dem "
        "Sie ein neues Passwort festlegen können."
    ),
    "forgot_sent.validity": (
        "Der Link ist 30 Minuten gültig und funktioniert nur einmal. Danach werden Sie auf allen "
        "Geräten abgemeldet."
    ),
    "forgot_sent.no_mail": (
        "Keine E-Mail erhalten? Bitte sehen Sie auch im Spam-Ordner nach oder fordern Sie den "
        "Link nach einigen Minuten noch einmal an."
    ),
    # change password / e-mail address while logged in
    "password_change.title": "Passwort ändern",
    "password_change.intro": "Geben Sie Ihr bisheriges und zweimal Ihr neues Passwort ein.",
    "password_change.current": "Bisheriges Passwort",
    "password_change.consequence": (
        "Auf allen anderen Geräten werden Sie danach abgemeldet. Wir benachrichtigen Sie per "
        "E-Mail über die Änderung."
    ),
    "password_change.submit": "Passwort ändern",
    "password_change.no_password": (
        "Ihr Konto hat kein Passwort: Sie melden sich mit dem Online-Ausweis an."
    ),
    "email_change.title": "E-Mail-Adresse ändern",
    "email_change.current": "Bisherige E-Mail-Adresse",
    "email_change.new": "Neue E-Mail-Adresse",
    "email_change.new_hint": (
        "Wir senden einen Bestätigungslink an die neue Adresse. Bis Sie ihn bestätigen, gilt die "
        "bisherige Adresse."
    ),
    "email_change.password_hint": "Zu Ihrer Sicherheit fragen wir nach Ihrem Passwort.",
    "email_change.submit": "Bestätigungslink senden",
    "email_change.eid_needed": (
        "Bitte melden Sie sich zuerst mit Ihrem Online-Ausweis an. Dann können Sie Ihre "
        "E-Mail-Adresse ändern."
    ),
    "change.back": "Zurück zu „Mein Konto“",
    "change.error.current": "Das bisherige Passwort ist falsch.",
    "change.error.same_address": "Das ist bereits Ihre E-Mail-Adresse.",
    "change.error.too_many": (
        "Sie haben in der letzten Stunde schon mehrere Änderungen beantragt. Bitte versuchen Sie "
        "es später noch einmal."
    ),
    "reset.title": "Neues Passwort festlegen",
    "reset.intro": "Bitte geben Sie Ihr neues Passwort zweimal ein.",
    "reset.password": "Neues Passwort",
    "reset.password_hint": (
        "Mindestens 12 Zeichen. Sonderzeichen sind nicht nötig. "
        "Häufig verwendete Passwörter werden abgelehnt."
    ),
    "reset.password_repeat": "Neues Passwort wiederholen",
    "reset.consequence": (
        "Danach werden Sie auf allen Geräten abgemeldet, und die Online-Dienste müssen Sie neu "
        "anmelden."
    ),
    "reset.submit": "Passwort speichern",
    "reset.error.summary_title": "Bitte prüfen Sie Ihre Angaben",
    "reset.error.summary_item": "{field}: {message}",
    "reset.error.required": "Bitte geben Sie ein neues Passwort ein.",
    "reset.error.mismatch": "Die beiden Passwörter stimmen nicht überein.",
    "reset.error.password_too_short": "Das Passwort muss mindestens 12 Zeichen lang sein.",
    "reset.error.password_too_long": (
        "Das Passwort ist zu lang. Bitte wählen Sie ein kürzeres Passwort."
    ),
    "reset.error.password_too_common": (
        "Dieses Passwort wird sehr häufig verwendet und ist leicht zu erraten. "
        "Bitte wählen Sie ein anderes."
    ),
    "reset.error.email_required": "Bitte geben Sie Ihre E-Mail-Adresse ein.",
    "reset.error.email": (
        "Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@beispiel.de."
    ),
    "reset_invalid.title": "Der Link ist ungültig oder abgelaufen",
    "reset_invalid.text": (
        "Ein Link zum Zurücksetzen des Passworts ist 30 Minuten gültig und funktioniert nur "
        "einmal. Vielleicht haben Sie ihn schon verwendet, einen neueren Link angefordert, oder "
        "er wurde nicht vollständig kopiert."
    ),
    "reset_invalid.new_link": "Fordern Sie einen neuen Link an:",
    "reset_invalid.new_link_action": "Neuen Link anfordern",
    "reset_invalid.login": "Kennen Sie Ihr Passwort wieder? Dann melden Sie sich an:",
    "account.delete_title": "Konto löschen",
    "account.delete_link": "Konto löschen",
    "delete.title": "Konto löschen",
    "delete.warning_title": "Das Löschen kann nicht rückgängig gemacht werden",
    "delete.warning": (
        "Wenn Sie Ihr Konto löschen, können Sie sich mit ihm nirgends mehr anmelden. "
        "Eine bestätigte Identität müssten Sie für ein neues Konto erneut bestätigen."
    ),
    "delete.what": "Wir löschen alle Daten Ihres Kontos:",
    "delete.what_data": "Ihre E-Mail-Adresse, Ihr Passwort und Ihre persönlichen Angaben,",
    "delete.what_consents": "Ihre Einwilligungen und alle Anmeldungen bei Online-Diensten,",
    "delete.what_letters": "Briefe mit Aktivierungscode und die Nachweise Ihrer Identität.",
    "delete.services": (
        "Die Online-Dienste, die Sie mit Ihrem Konto genutzt haben, benachrichtigen wir. Was "
        "Sie dort gespeichert haben, löschen Sie bitte bei dem jeweiligen Dienst."
    ),
    "delete.password": "Ihr aktuelles Passwort",
    "delete.password_hint": "Zur Sicherheit bestätigen Sie das Löschen mit Ihrem Passwort.",
    "delete.submit": "Konto endgültig löschen",
    "delete.cancel": "Abbrechen und zurück zu „Mein Konto“",
    "delete.error_summary": "Das Konto wurde nicht gelöscht",
    "delete.error": "Das Passwort ist falsch.",
    "delete.error_eid": (
        "Ihre Anmeldung mit dem Online-Ausweis liegt mehr als 5 Minuten zurück. Bitte bestätigen "
        "Sie das Löschen erneut mit Ihrem Online-Ausweis."
    ),
    "delete.eid_hint": (
        "Ihr Konto hat kein Passwort. Zur Sicherheit bestätigen Sie das Löschen mit Ihrem "
        "Online-Ausweis; danach kommen Sie hierher zurück."
    ),
    "delete.eid_confirmed": (
        "Sie haben sich gerade mit Ihrem Online-Ausweis angemeldet. Sie können Ihr Konto jetzt "
        "löschen."
    ),
    "deleted.title": "Ihr Konto wurde gelöscht",
    "deleted.text": "Ihr ServiceKonto und alle Daten dazu sind gelöscht. Sie sind abgemeldet.",
    "deleted.mail": "Zur Bestätigung schicken wir Ihnen eine E-Mail.",
    # legal pages: what ServiceKonto itself knows; the rest is marked for the operator
    "legal.operator_fills": "Vom Betreiber auszufüllen",
    "legal.operator": "Betreiber",
    "legal.address": "Anschrift",
    "legal.contact": "Kontakt",
    "legal.dpo": "Datenschutzbeauftragte Stelle",
    "imprint.operator_rest": "Vertretungsberechtigte Person und zuständige Aufsichtsbehörde.",
    "privacy.operator_rest": (
        "Zwecke und Rechtsgrundlagen, Empfänger, Speicherdauer, Ihre Rechte (Auskunft, "
        "Berichtigung, Löschung, Einschränkung, Widerspruch, Datenübertragbarkeit, Widerruf) und "
        "Ihr Beschwerderecht bei der Aufsichtsbehörde."
    ),
    "imprint.title": "Impressum",
    "imprint.intro": (
        "Das Impressum gibt die Stelle an, die ServiceKonto für ihre Online-Dienste betreibt. "
        "Die Angaben folgen § 5 des Digitale-Dienste-Gesetzes (DDG)."
    ),
    "imprint.operator": (
        "Name und Anschrift der Behörde, vertretungsberechtigte Person, E-Mail-Adresse und "
        "Telefonnummer, zuständige Aufsichtsbehörde."
    ),
    "imprint.software_title": "Über diese Software",
    "imprint.software": (
        "ServiceKonto ist die Software hinter diesen Seiten. Für die Online-Dienste, bei denen "
        "Sie sich mit ServiceKonto anmelden, ist jeweils deren Anbieter verantwortlich."
    ),
    "imprint.privacy_link": "Zur Datenschutzerklärung",
    "privacy.title": "Datenschutzerklärung",
    "privacy.intro": (
        "Die Datenschutzerklärung nach Art. 13 der Datenschutz-Grundverordnung (DSGVO) gibt der "
        "Betreiber von ServiceKonto als Verantwortlicher ab. Vorab steht hier, welche Daten "
        "ServiceKonto selbst speichert."
    ),
    "privacy.operator": (
        "Verantwortlicher und Datenschutzbeauftragte mit Kontaktdaten, Zwecke und "
        "Rechtsgrundlagen, Empfänger, Speicherdauer, Ihre Rechte (Auskunft, Berichtigung, "
        "Löschung, Einschränkung, Widerspruch, Datenübertragbarkeit, Widerruf) und Ihr "
        "Beschwerderecht bei der Aufsichtsbehörde."
    ),
    "privacy.stored_title": "Was ServiceKonto speichert",
    "privacy.stored_account": (
        "Kontodaten: Ihre E-Mail-Adresse, Ihr Passwort nur als Hashwert und die zusätzlichen "
        "Anmeldeverfahren, die Sie einrichten (Authenticator-App, Wiederherstellungscodes)."
    ),
    "privacy.stored_identity": (
        "Identitätsdaten: Namen, Geburtsdatum und Anschrift, abgeglichen mit dem Melderegister "
        "oder aus Ihrem Online-Ausweis übernommen, und wie sie bestätigt wurden."
    ),
    "privacy.stored_consents": (
        "Einwilligungen: welchem Online-Dienst Sie welche Angaben freigegeben haben, bis Sie "
        "die Einwilligung widerrufen."
    ),
    "privacy.stored_audit": (
        "Protokoll: sicherheitsrelevante Ereignisse wie Anmeldung, Einwilligung oder Löschen "
        "des Kontos mit Zeitpunkt und Kennungen – ohne Namen und ohne E-Mail-Adressen."
    ),
    "privacy.no_tracking": (
        "ServiceKonto verwendet keine Analyse- oder Werbedienste und verfolgt Ihr Verhalten "
        "nicht (kein Tracking)."
    ),
    "privacy.deletion": (
        "Sie können Ihr Konto jederzeit unter „Mein Konto“ löschen. Dann löschen wir alle "
        "Daten Ihres Kontos."
    ),
    "privacy.cookies_title": "Cookies",
    "privacy.cookies_intro": (
        "ServiceKonto setzt nur Cookies, die für die Anmeldung und die Sicherheit der "
        "Formulare nötig sind:"
    ),
    "privacy.cookie.sk_session": (
        "hält Sie angemeldet; wird beim Abmelden gelöscht, spätestens wenn Sie den Browser "
        "schließen."
    ),
    "privacy.cookie.sk_csrf": (
        "schützt Ihre Formulare davor, von fremden Webseiten abgeschickt zu werden; gilt, bis "
        "Sie den Browser schließen."
    ),
    "privacy.cookie.sk_lang": (
        "merkt sich die Sprache, wenn Sie sie oben auf der Seite wechseln; gilt ein Jahr."
    ),
    "privacy.cookie.sk_eid": (
        "verbindet bei der Anmeldung mit dem Online-Ausweis Ihren Browser mit dem Vorgang; "
        "gilt 10 Minuten."
    ),
    "privacy.cookie.sk_demo": (
        "hält Sie im Demo-Portal (/demo-portal) angemeldet, nur wenn Sie es nutzen; wird beim "
        "Abmelden gelöscht, spätestens wenn Sie den Browser schließen."
    ),
    "privacy.cookies_prefix": (
        "Über HTTPS tragen die Namen das Präfix „__Host-“. Die Cookies dienen nicht der "
        "Analyse oder Werbung."
    ),
    "a11y.title": "Erklärung zur Barrierefreiheit",
    "a11y.scope": (
        "Diese Erklärung gilt für die Seiten von ServiceKonto: Anmelden, Registrieren, "
        "Einwilligen, „Mein Konto“ und die Anmeldung mit dem Online-Ausweis. Sie folgt § 12b "
        "des Gesetzes zur Gleichstellung von Menschen mit Behinderungen (BGG) und § 7 der "
        "BITV 2.0, die die Richtlinie (EU) 2016/2102 umsetzen."
    ),
    "a11y.operator_scope": (
        "Name der öffentlichen Stelle und Internetadresse, unter der ServiceKonto betrieben "
        "wird."
    ),
    "a11y.status_title": "Stand der Vereinbarkeit mit den Anforderungen",
    "a11y.status": (
        "Ob die Seiten die Anforderungen der BITV 2.0 erfüllen, belegt erst eine Prüfung durch "
        "Menschen. Solange keine vorliegt, geben wir keinen Grad der Vereinbarkeit an."
    ),
    "a11y.tested_intro": "Bei jeder Änderung der Software wird automatisch geprüft:",
    "a11y.tested_axe": (
        "alle Seiten mit axe-core auf die Erfolgskriterien der WCAG 2.1, Stufen A und AA,"
    ),
    "a11y.tested_reflow": (
        "alle Seiten bei 320 CSS-Pixeln Breite: Nichts darf seitlich scrollen "
        "(WCAG-Erfolgskriterium 1.4.10, Umbruch),"
    ),
    "a11y.tested_keyboard": "Anmeldung und Einwilligung allein mit der Tastatur.",
    "a11y.tested_limit": "Automatische Prüfungen finden nur einen Teil der möglichen Barrieren.",
    "a11y.operator_audit": (
        "Ergebnis einer manuellen Prüfung (zum Beispiel BITV-Test) mit Datum und prüfender "
        "Stelle, danach der Stand: vollständig, teilweise oder nicht vereinbar. Die Prüfung "
        "beauftragt der Betreiber."
    ),
    "a11y.limits_title": "Nicht barrierefreie Inhalte",
    "a11y.limits_none": "Den Entwicklern sind keine Barrieren auf diesen Seiten bekannt.",
    "a11y.limits_pdf": (
        "Die Briefe mit Aktivierungscode werden als PDF für den Druck und den Versand mit der "
        "Post erzeugt; sie sind Druckvorlagen, keine Inhalte zum Lesen am Bildschirm."
    ),
    "a11y.operator_limits": (
        "Barrieren, die eine Prüfung findet, mit Begründung und, wo vorhanden, der "
        "barrierefreien Alternative."
    ),
    "a11y.made_title": "Erstellung dieser Erklärung",
    "a11y.operator_date": (
        "Datum, an dem die Erklärung erstellt oder zuletzt überprüft wurde, und ob sie auf einer "
        "Selbstbewertung oder einer Prüfung durch Dritte beruht."
    ),
    "a11y.feedback_title": "Barrieren melden: Feedback und Kontakt",
    "a11y.feedback": (
        "Stoßen Sie auf eine Barriere oder brauchen Sie Inhalte in einer barrierefreien Form, "
        "schreiben Sie uns."
    ),
    "a11y.operator_feedback": (
        "Zuständige Stelle mit E-Mail-Adresse, Telefonnummer und Postanschrift, und in welcher "
        "Frist sie antwortet."
    ),
    "a11y.enforcement_title": "Schlichtungsverfahren",
    "a11y.enforcement": (
        "Erhalten Sie auf Ihre Meldung keine zufriedenstellende Antwort, können Sie einen "
        "Antrag auf ein Schlichtungsverfahren stellen: bei der Schlichtungsstelle nach § 16 BGG "
        "oder der Stelle, die das Landesrecht dafür vorsieht. Das Verfahren ist für Sie "
        "kostenlos."
    ),
    "a11y.operator_enforcement": (
        "Zuständige Schlichtungsstelle mit Anschrift und Internetadresse: bei Stellen des "
        "Bundes die Schlichtungsstelle nach § 16 BGG, sonst die Stelle nach Landesrecht."
    ),
}

_EN: dict[str, str] = {
    # frame
    "app.name": "ServiceKonto",
    "app.tagline": "One account for the online services of your administration",
    "nav.skip": "Skip to main content",
    "nav.language": "Language",
    "nav.home": "Home",
    "nav.home_link": "Go to the start page",
    "lang.de": "Deutsch",
    "lang.en": "English",
    "footer.label": "Legal",
    "footer.imprint": "Legal notice",
    "footer.privacy": "Privacy",
    "footer.accessibility": "Accessibility",
    "common.error_prefix": "Error:",
    # login
    "login.title": "Log in",
    "login.for_client": "Log in to {client}",
    "login.intro": "Log in with your email address and password.",
    "login.username": "Email address",
    "login.password": "Password",
    "login.submit": "Log in",
    "login.cancel": "Cancel",
    "login.cancel_hint": "If you cancel, you return to the portal without logging in.",
    "login.error": "Email address or password is incorrect.",
    "login.error_summary": "Login failed",
    "login.eid_title": "Log in with the Online-Ausweis (eID)",
    "login.eid_text": (
        "With your German ID card, eID card or electronic residence permit and the AusweisApp "
        "you log in at trust level “high”. If you have no ServiceKonto yet, one is created."
    ),
    "eid.button.login": "Log in with the Online-Ausweis",
    "eid.button.continue": "Continue with the Online-Ausweis",
    "eid.button.link": "Connect the Online-Ausweis",
    "eid.button.confirm": "Confirm with the Online-Ausweis",
    "eid.error.title": "Login with the Online-Ausweis not possible",
    "eid.error.cancelled": "You cancelled in the AusweisApp. No data was transferred.",
    "eid.error.revoked": (
        "Your ID card is revoked. A revoked card cannot be used to log in. Please contact your "
        "citizens' office."
    ),
    "eid.error.expired": "Your ID card has expired. An expired card cannot be used to log in.",
    "eid.error.failed": "The ID card could not be read. Please try again.",
    "eid.error.unavailable": "The eID service is not reachable right now. Please try again later.",
    "eid.error.expired_transaction": (
        "The login has expired, was already completed or was started in another browser. Please"
        " start again."
    ),
    "eid.refused.card_blocked": (
        "You blocked this card for login. Log in another way and remove the block under “Login "
        "means”."
    ),
    "eid.refused.other_account": (
        "This card is already connected to another ServiceKonto. Log out and log in again with "
        "the Online-Ausweis."
    ),
    "eid.refused.data_mismatch": (
        "The data of your ID card (given name, family name, date of birth) does not match your "
        "ServiceKonto. The card was not connected; nothing in your account changed."
    ),
    "eid.refused.document_invalid": "Your ID card is not valid. No data was taken over.",
    "eid.refused.data_missing": (
        "Logging in needs your name, date of birth and the card's pseudonym. The card did not "
        "transfer them."
    ),
    "otp.title": "Second factor",
    "otp.intro": "Enter the six-digit code from your authenticator app.",
    "otp.label": "Code",
    "otp.hint": "6 digits from the app, or a recovery code (for example ABCDE-FGHJK)",
    "otp.submit": "Confirm",
    "otp.error": "The code is wrong, expired or was already used.",
    "otp.error_summary": "The code was not accepted",
    "otp.lost_title": "No access to your app?",
    "otp.lost_text": (
        "Use a recovery code. Without the second factor you are logged in at trust level “low” "
        "and can block the app under “Login means”."
    ),
    "otp.continue_without": "Continue without second factor",
    "stepup.title": "Higher trust level required",
    "stepup.intro": (
        "{client} requires a login at trust level “{level}”. Please confirm your login with a "
        "further login means."
    ),
    "stepup.otp_title": "With your authenticator app",
    "stepup.totp_unbound": (
        "Your authenticator app is not confirmed yet and is therefore not enough. Confirm it "
        "under “Login means” after a login with the Online-Ausweis."
    ),
    "stepup.cancel": "Back to the service",
    "stepup.cancel_hint": (
        "You return to the service without logging in; it learns that you cancelled."
    ),
    "stepup.eid_title": "With the Online-Ausweis",
    "stepup.eid_text": (
        "The Online-Ausweis reaches every trust level. If the card's data matches your account,"
        " it is connected to your account."
    ),
    "stepup.identity_basic": (
        "Your identity is not confirmed yet, so a second factor alone is not enough; confirm "
        "your identity with the PIN letter or use the Online-Ausweis."
    ),
    "stepup.skip": "Continue without the higher trust level",
    "stepup.skip_hint": (
        "The service then receives your login at the current trust level and may not be able to"
        " offer everything."
    ),
    "security.title": "Login means",
    "security.back": "Back to the account",
    "security.session_level": "Your current login has trust level “{level}”.",
    "security.means": "Your login means",
    "security.col.means": "Login means",
    "security.col.state": "Status",
    "security.col.used": "Last used",
    "security.col.actions": "Actions",
    "security.kind.password": "Password",
    "security.kind.totp": "Authenticator app",
    "security.kind.eid": "Online-Ausweis",
    "security.state.active": "active",
    "security.state.blocked": "blocked",
    "security.state.pending": "not confirmed",
    "security.codes_left": "{count} recovery codes left",
    "security.block": "Block",
    "security.block_hint": (
        "You can block a login means at any time without using it, for example when your phone "
        "or ID card is lost. Removing and unblocking need your strongest means: the "
        "Online-Ausweis, or your password with a code from your authenticator app or a recovery "
        "code."
    ),
    "security.back_to_service": "Back to the service",
    "security.unbound": (
        "Not confirmed yet: counts only for trust level “low” until you confirm it after a "
        "login with the Online-Ausweis."
    ),
    "security.bind": "Confirm",
    "security.unblock": "Unblock",
    "security.reauth_otp": "Code from the app or recovery code",
    "security.reauth_eid_hint": (
        "To remove or unblock a login means, first log in with your Online-Ausweis (valid for "
        "5 minutes)."
    ),
    "security.remove": "Remove",
    "security.reauth_password": "Password to confirm",
    "security.password_reset": "Change password",
    "security.add": "Add a login means",
    "security.totp_text": (
        "An authenticator app as a second factor reaches trust level “substantial” once your "
        "identity is confirmed."
    ),
    "security.totp_link": "Set up authenticator app",
    "security.eid_text": (
        "Connect your Online-Ausweis to this account. Your data is then taken from the card at "
        "trust level “high”."
    ),
    "security.notice.eid_linked": "Your Online-Ausweis is connected to your account.",
    "security.notice.eid_confirmed": "You logged in with your Online-Ausweis.",
    "security.notice.totp_unbound": (
        "Your authenticator app is set up. It counts for trust level “substantial” once you "
        "confirm it after a login with the Online-Ausweis."
    ),
    "security.notice.totp_bound": "Your authenticator app is confirmed.",
    "security.notice.unblocked": "The login means is unblocked.",
    "security.error.bind_level": (
        "You can confirm the app only after a login with the Online-Ausweis."
    ),
    "security.notice.totp_enrolled": "Your authenticator app is set up.",
    "security.notice.blocked": "The login means is blocked.",
    "security.notice.removed": "The login means was removed.",
    "security.error.level_too_low": (
        "To add a login means, first log in with your strongest one (for example the "
        "Online-Ausweis)."
    ),
    "security.error.reauth": (
        "The confirmation failed: the password or code is wrong, or your Online-Ausweis login is "
        "more than 5 minutes ago. Nothing was changed."
    ),
    "totp.title": "Set up an authenticator app",
    "totp.unbound_hint": (
        "You are logged in with your password only. The app therefore counts only for trust "
        "level “low” at first; for “substantial”, confirm it later after a login with the "
        "Online-Ausweis."
    ),
    "totp.step_app": (
        "Open an authenticator app on your phone (for example FreeOTP or your operating "
        "system's app)."
    ),
    "totp.step_scan": "Scan the QR code and enter the six-digit code shown below.",
    "totp.qr_label": "QR code to set up the authenticator app",
    "totp.manual": "If you cannot scan, enter this key in the app:",
    "totp.confirm_label": "Six-digit code from the app",
    "totp.error_summary": "The authenticator app was not set up",
    "totp.confirm": "Set up",
    "totp.error": "The code does not match. Check your phone's clock and try the next code.",
    "recovery.title": "Your recovery codes",
    "recovery.enrolled": "The authenticator app is set up.",
    "recovery.intro": (
        "Keep these codes safe, for example printed. Each code replaces the app's code once if "
        "you cannot use your phone."
    ),
    "recovery.once": "The codes are shown only now.",
    "recovery.continue": "Continue",
    "account.security_title": "Login means",
    "account.security_text": "Password, authenticator app and Online-Ausweis: view, add, block.",
    "account.security_link": "Manage login means",
    "account.eid_registered": (
        "Your ServiceKonto was created with your Online-Ausweis. Your data comes from the card "
        "at trust level “high”."
    ),
    "account.no_email": "none",
    "account.email_unverified": "not confirmed yet",
    "account.add_email_title": "Add an email address",
    "account.add_email_hint": (
        "Optional. We send you a link to confirm it; after that you get notifications by email."
    ),
    "account.add_email": "Add email address",
    "account.email_sent": "We sent you a confirmation link. Please open it within 7 days.",
    "account.email_invalid": "Please enter a valid email address.",
    "login.no_account": "No ServiceKonto yet?",
    "login.register_link": "Register now",
    # consent
    "consent.title": "Consent to share data",
    "consent.client_fallback": "The online service",
    "consent.intro": (
        "{client} would like to receive the following information from your ServiceKonto. "
        "Please choose which information may be shared."
    ),
    "consent.claims_legend": "Information to be shared",
    "consent.required": "required",
    "consent.required_hint": (
        "The service cannot work without the information marked as required. If you do not "
        "want to share it, choose “Deny”."
    ),
    "consent.scopes": "The service also receives the following permissions:",
    "consent.offline_access_title": "Permanent authentication",
    "consent.offline_access": (
        "{client} may use your ServiceKonto even when you are not logged in – "
        "until you revoke this consent under “My account”."
    ),
    "consent.revoke_hint": "You can revoke your consent at any time under “My account”.",
    "consent.allow": "Allow",
    "consent.deny": "Deny",
    # scopes without claims of their own
    "scope.organization": "Acting for your company or organisation",
    "scope.favorites": "Your favourites",
    "scope.account": "Manage your ServiceKonto",
    "scope.offline_access": "Permanent authentication",
    "scope.postfach": "Deliver messages and notices to your mailbox",
    "scope.safe": "Store documents in your document safe",
    # account
    "account.title": "My account",
    "account.signed_in_as": "You are logged in as {who}.",
    "account.identity": "Your details",
    "account.level": "Trust level",
    "account.attribute": "Item",
    "account.value": "Value",
    "account.attribute_level": "Trust level",
    "account.no_attributes": "No personal details have been stored yet.",
    "account.consents": "Your consents",
    "account.consents_intro": "These online services may retrieve information from your account.",
    "account.no_consents": "You have not given consent to any online service yet.",
    "account.claims": "Shared information",
    "account.scopes": "Permissions",
    "account.granted_at": "Granted on",
    "account.revoke": "Revoke consent",
    "account.revoked": "The consent has been revoked.",
    "account.password_changed": (
        "Your password has been changed. You are logged out on all other devices."
    ),
    "account.email_change_sent": (
        "We have sent a confirmation link to the new email address. Until you confirm it, the "
        "current address stays in use."
    ),
    "account.change_password": "Change password",
    "account.change_email": "Change email address",
    "account.logout": "Log out",
    "account.identity_title": "Confirm your identity",
    "account.identity_text": (
        "Use the activation code from your letter to confirm your identity. There you can also "
        "see whether your letter is on its way and request a new one."
    ),
    "account.identity_link": "Confirm identity and see letter status",
    # logout
    "logout.title": "Log out",
    "logout.question": "Do you want to log out?",
    "logout.from_client": "{client} has asked to log you out.",
    "logout.confirm": "Log out",
    "logout.stay": "Stay logged in",
    "logout.done_title": "Logged out",
    "logout.done": "You have been logged out.",
    "logout.done_hint": "If you are using a shared computer, please also close the browser window.",
    # errors
    "error.title": "Something went wrong",
    "error.invalid_request_title": "Invalid request",
    "error.interaction_expired_title": "Process expired",
    "error.csrf_title": "Form expired",
    "error.forbidden_title": "No access",
    "error.not_found_title": "Page not found",
    "error.too_many_requests_title": "Too many requests",
    "error.server_error_title": "Technical error",
    "error.generic": "Your request could not be processed.",
    "error.bad_request": "Your request could not be processed.",
    "error.invalid_request": (
        "The portal's request is invalid or incomplete. No data has been shared."
    ),
    "error.invalid_client": (
        "The portal you came from is not known to ServiceKonto. No data has been shared."
    ),
    "error.invalid_redirect_uri": (
        "The portal's return address is not registered with ServiceKonto. "
        "For your protection, we do not forward you there."
    ),
    "error.invalid_scope": "The portal asked for permissions it is not allowed to receive.",
    "error.unauthorized_client": "The portal is not permitted to use this kind of login.",
    "error.unsupported_response_type": "The portal uses a method that is not supported.",
    "error.access_denied": "The process was cancelled.",
    "error.login_required": "Please log in to continue.",
    "error.unmet_authentication_requirements": (
        "The trust level required by the portal cannot be reached at the moment."
    ),
    "error.interaction_expired": "The login process has expired or has already been completed.",
    "error.interaction_other_browser": (
        "This login process was started in another browser. Please start the login again "
        "at the portal in this browser."
    ),
    "error.csrf": (
        "The form has expired or was not sent from this page. Please reload the page and try again."
    ),
    "error.unauthorized": "Please log in to open this page.",
    "error.forbidden": "You are not allowed to open this page.",
    "error.not_found": "The requested page could not be found.",
    "error.method_not_allowed": "This page cannot be opened this way.",
    "error.conflict": (
        "The change could not be saved because the data has changed in the meantime. "
        "Please reload the page."
    ),
    "error.invalid_input": "The data you entered is not valid. Please check your entries.",
    "error.too_many_requests": (
        "Too many requests were sent in a short time. Please wait a moment and try again."
    ),
    "error.payload_too_large": "The data sent is too large.",
    "error.server_error": "A technical error occurred on our side. Please try again later.",
    "error.unavailable_title": "Temporarily unavailable",
    "error.unavailable": "ServiceKonto is temporarily unavailable. Please try again later.",
    "error.control_characters": (
        "Your entry contains control characters that are not allowed (such as a null byte). "
        "Please enter the data again."
    ),
    "error.what_now": "What can you do?",
    "error.advice": "Go back to the portal you came from and start the process there again.",
    "error.status": "Error code",
    "error.request_id": "Reference number",
    "error.request_id_hint": "If you contact support, please quote this reference number.",
    "error.back": "Go to the start page",
    # uploads (uploads/errors.py codes; web/upload_messages.py fills {file} and the limits)
    "upload.file.named": "“{name}”",
    "upload.file.numbered": "File {number}",
    "upload.file.unnamed": "File",
    "upload.error.upload_refused": "{file}: The file was not accepted.",
    "upload.error.too_many_files": (
        "You can upload at most {max_files} files at once. Nothing was saved; please choose "
        "fewer files."
    ),
    "upload.error.file_name_missing": "{file}: The file has no name. Please name it and try again.",
    "upload.error.file_name_path": (
        "{file}: The file name contains a slash (“/” or “\\”) and looks like a path. Please "
        "rename the file."
    ),
    "upload.error.file_name_control": (
        "{file}: The file name contains control characters (such as a null character or "
        "characters that reverse the writing direction). Please rename the file."
    ),
    "upload.error.file_name_too_long": (
        "{file}: The file name is longer than {max_chars} characters. Please choose a shorter one."
    ),
    "upload.error.file_empty": "{file}: The file is empty.",
    "upload.error.file_too_large": (
        "{file}: The file is larger than {max_mb} MB. Please upload a smaller file, for example a "
        "scan at a lower resolution."
    ),
    "upload.error.file_type_not_allowed": (
        "{file}: This file format is not allowed. Allowed are PDF files (.pdf) and PNG (.png) or "
        "JPEG (.jpg, .jpeg) images."
    ),
    "upload.error.file_content_unknown": (
        "{file}: The content is neither a PDF nor a PNG or JPEG image. Please save the document "
        "as a PDF or an image and upload it again."
    ),
    "upload.error.file_extension_mismatch": (
        "{file}: The extension “.{extension}” does not match the content, which is a {detected}. "
        "Please correct the extension or choose the right file."
    ),
    "upload.error.file_content_type_mismatch": (
        "{file}: The declared file type does not match the content, which is a {detected}. "
        "Please choose the right file."
    ),
    "upload.error.file_extra_data": (
        "{file}: There is more data before the start or after the end of the {detected} content, "
        "such as a second file appended to it. For security reasons we do not accept such files. "
        "Please save or export the document again."
    ),
    "upload.error.file_polyglot": (
        "{file}: The file is a {detected} but also contains {other} content. For security "
        "reasons we do not accept such files. Please save the document again."
    ),
    "upload.error.file_truncated": (
        "{file}: The file is incomplete; saving or uploading it was probably interrupted. Please "
        "upload it again."
    ),
    "upload.error.file_unreadable": (
        "{file}: The file is damaged and cannot be read. Please save the document again and "
        "upload it again."
    ),
    "upload.error.image_too_many_pixels": (
        "{file}: The image has more than {max_megapixels} million pixels. Please make it smaller "
        "or scan at a lower resolution."
    ),
    "upload.error.pdf_encrypted": (
        "{file}: The PDF is encrypted or password-protected. Please upload it without a password."
    ),
    "upload.error.pdf_javascript": (
        "{file}: The PDF contains JavaScript, which we do not accept for security reasons. Use "
        "“Print to PDF” to make a new PDF of the document and upload that."
    ),
    "upload.error.pdf_launch": (
        "{file}: The PDF contains an action that starts a program, which we do not accept for "
        "security reasons. Use “Print to PDF” to make a new PDF and upload that."
    ),
    "upload.error.pdf_embedded_file": (
        "{file}: The PDF contains embedded files (attachments). Please upload every document as "
        "a file of its own."
    ),
    "upload.error.pdf_open_action": (
        "{file}: The PDF runs an action when it is opened, which we do not accept for security "
        "reasons. Use “Print to PDF” to make a new PDF and upload that."
    ),
    "upload.error.pdf_additional_actions": (
        "{file}: The PDF contains actions triggered when a page is shown or a form is filled in, "
        "which we do not accept for security reasons. Use “Print to PDF” to make a new PDF."
    ),
    "upload.error.pdf_active_content": (
        "{file}: The PDF contains active content ({feature}), such as a form that sends data or "
        "links into other files. Use “Print to PDF” to make a new PDF and upload that."
    ),
    "upload.error.file_infected": (
        "{file}: The malware scan found malicious software ({signature}). The file was not "
        "saved. Please check your device with an up-to-date virus scanner."
    ),
    "upload.error.scan_failed": (
        "{file}: The file could not be checked for malware and was therefore not accepted. "
        "Please try a smaller file."
    ),
    "upload.error.scan_unavailable": (
        "The malware scan for uploaded files is not available right now, so we cannot accept "
        "files at the moment; nothing was saved. Please try again later."
    ),
    # trust levels
    "level.basic": "basic registration",
    "level.low": "low",
    "level.substantial": "substantial",
    "level.high": "high",
    # claims
    "claim.openid": "Pseudonymous identifier for this service",
    "claim.given_name": "Given name(s)",
    "claim.family_name": "Family name",
    "claim.birthdate": "Date of birth",
    "claim.birth_family_name": "Birth name",
    "claim.place_of_birth": "Place of birth",
    "claim.nationalities": "Nationality",
    "claim.address": "Address",
    "claim.email": "Email address",
    "claim.email_verified": "Email address verification",
    "claim.phone_number": "Phone number",
    "claim.organization": "Company or organisation",
    # start page
    "index.title": "Welcome to ServiceKonto",
    "index.intro": (
        "With your ServiceKonto you can use the online services of all administrations in your "
        "region – with a single login. You decide which information a service receives, and "
        "you can revoke your consent at any time."
    ),
    "index.next": "What would you like to do?",
    "index.login": "Log in",
    "index.register": "Register",
    "index.account": "My account",
    "index.demo": "Try the demo portal",
    # demo portal
    "demo.brand": "Demo portal (sample case-handling service)",
    "demo.title": "Demo portal",
    "demo.intro": (
        "This demo portal stands for an administration's case-handling service. It is a real "
        "OpenID Connect client: it sends you to ServiceKonto to log in and then shows which "
        "information it has received."
    ),
    "demo.not_logged_in": (
        "You are not logged in to the demo portal. Choose the trust level you want to log in with."
    ),
    "demo.logged_in": "You are logged in to the demo portal.",
    "demo.login_low": "Log in – trust level low",
    "demo.login_substantial": "Log in – trust level substantial",
    "demo.login_high": "Log in – trust level high",
    "demo.login_heading": "Log in with ServiceKonto",
    "demo.logout": "Log out",
    "demo.acr": "Achieved trust level (acr)",
    "demo.claims": "Information received",
    "demo.userinfo": "UserInfo endpoint response",
    "demo.id_token": "ID token content",
    "demo.no_claims": "No information was shared.",
    "demo.error": "The login was not completed. Error code: {error}",
    # registration
    "register.title": "Create a ServiceKonto",
    "register.intro": (
        "With a ServiceKonto you can use the online services of your administration. "
        "Please fill in all fields."
    ),
    "register.account_legend": "Login details",
    "register.email": "Email address",
    "register.password": "Password",
    "register.password_hint": (
        "At least 12 characters. Special characters are not required. "
        "Commonly used passwords are not accepted."
    ),
    "register.person_legend": "About you",
    "register.given_name": "Given name(s)",
    "register.given_name_hint": "All given names as shown on your ID card.",
    "register.family_name": "Family name",
    "register.birth_date": "Date of birth",
    "register.birth_date_hint": "In the format YYYY-MM-DD, for example 1985-03-27.",
    "register.address_legend": "Your address",
    "register.address_hint": (
        "The address of your main residence as recorded in the civil register (Melderegister)."
    ),
    "register.street": "Street",
    "register.house_number": "House number",
    "register.postal_code": "Postcode",
    "register.locality": "Town or city",
    "register.privacy_title": "Privacy notice",
    "register.privacy_text": "Before you create your account, here is how we handle your data.",
    "register.privacy_stored": (
        "We store your email address, your names, your date of birth and your address. "
        "Your password is stored only in encrypted form (as a hash)."
    ),
    "register.privacy_match": (
        "We compare your details with the civil register (Melderegister) of the municipality "
        "where you live."
    ),
    "register.privacy_letter": (
        "If they match, we send you a letter with an activation code. The letter goes to the "
        "address recorded in the civil register – not to the address you enter here."
    ),
    "register.privacy_retention": (
        "If you do not confirm your email address within 7 days, we delete your registration."
    ),
    "register.privacy_deletion": (
        "You can delete your account at any time. We then delete all data of your account."
    ),
    "register.privacy_legal_basis": (
        "The legal basis is your consent (Art. 6(1)(a) GDPR) together with the German Online "
        "Access Act (OZG). You can withdraw your consent at any time by deleting your account."
    ),
    "register.privacy_more": "Read the full privacy policy",
    "register.privacy_consent": (
        "I have read the privacy notice and consent to my data being processed as described."
    ),
    "register.submit": "Create account",
    "register.have_account": "Already have a ServiceKonto?",
    "register.have_account_link": "Log in",
    "register.error.summary_title": "Please check your entries",
    "register.error.summary_item": "{field}: {message}",
    "register.error.required": "Please fill in this field.",
    "register.error.email": "Please enter a valid email address, for example name@example.com.",
    "register.error.password_too_short": "The password must be at least 12 characters long.",
    "register.error.password_too_long": "The password is too long. Please choose a shorter one.",
    "register.error.password_too_common": (
        "This password is very common and easy to guess. Please choose a different one."
    ),
    "register.error.birth_date": (
        "Please enter a valid date of birth in the format YYYY-MM-DD, for example 1985-03-27."
    ),
    "register.error.too_long": (
        "The entry is too long: at most {limit} characters, you entered {length}."
    ),
    "register.error.character_person": (
        "The character {character} is not allowed in names. Allowed are letters (also with "
        "accents and special letters such as ß, é, ł), space, hyphen, apostrophe and full stop."
    ),
    "register.error.character_other": (
        "The character {character} is not allowed here. Allowed are letters (also with accents), "
        "digits, space and common punctuation."
    ),
    "register.error.birth_date_in_future": "The date of birth is in the future. Please check it.",
    "register.error.birth_date_implausible": (
        "The date of birth is before 1900 and therefore not plausible. Please check the year."
    ),
    "register.error.postal_code": "Please enter a postcode with 5 digits.",
    "register.error.privacy_consent": (
        "Please consent to the processing of your data. We cannot create an account without it."
    ),
    "register.error.register_unavailable": (
        "The civil register cannot be checked at the moment. Please try again later. "
        "Nothing has been stored."
    ),
    "register_done.title": "Please confirm your email address",
    "register_done.email": "Please confirm your email address using the link we have sent you.",
    "register_done.letter": (
        "If your details match the civil register (Melderegister), you will receive a letter "
        "with an activation code at your registered address within the next few days. It lets "
        "you confirm your identity (trust level substantial)."
    ),
    "register_done.meanwhile": "Until then, you can use your account with trust level low.",
    "register_done.no_mail": "No email received? Please also check your spam folder.",
    "register_done.login": "Go to login",
    "email_confirm.title": "Confirm your email address",
    "email_confirm.text": "Please confirm with the button that this email address is yours.",
    "email_confirm.submit": "Confirm email address",
    "email_verified.ok_title": "Email address confirmed",
    "email_verified.ok_text": (
        "Thank you. You can now log in with your email address and password."
    ),
    "email_verified.login": "Go to login",
    "email_verified.failed_title": "The link is invalid or has expired",
    "email_verified.failed_text": (
        "You may have used the link before, or it was not copied completely."
    ),
    "email_verified.failed_login": "Already confirmed your email address? Then simply log in:",
    "email_verified.failed_register": (
        "Unconfirmed registrations are deleted after 7 days. In that case, please register again:"
    ),
    "email_verified.register": "Go to registration",
    # identity confirmation (PIN letter)
    "identity.title": "Confirm your identity",
    "identity.intro": (
        "Use the activation code from your letter to confirm your identity. Your details then "
        "reach trust level substantial. We send the letter to your address in the civil "
        "register (Melderegister)."
    ),
    "identity.verified_title": "Your identity is confirmed",
    "identity.verified": "Your details from the civil register have trust level substantial.",
    "identity.letter_title": "Your letter",
    "identity.letter_status": "Status",
    "identity.letter_reference": "Reference",
    "identity.letter_created": "Created on",
    "identity.letter_valid_until": "Code valid until",
    "identity.attempts_left": "Attempts left",
    "identity.no_letter": "There is currently no letter with an activation code on its way to you.",
    "identity.code_title": "Enter activation code",
    "identity.code": "Activation code",
    "identity.code_hint": "You will find it in your letter, for example ABCD-EFGH-JKMN.",
    "identity.submit": "Confirm identity",
    "identity.error_summary": "Your identity could not be confirmed",
    "identity.error": "The code is wrong, has expired or is no longer valid.",
    "identity.order_title": "Request a new letter",
    "identity.order_text": (
        "Have you not received a letter, or is the code no longer valid? Then you can request a "
        "new letter. The code in the previous letter will no longer work. You can request at "
        "most 3 letters within 90 days."
    ),
    "identity.order_submit": "Request a new letter",
    "identity.back": "Back to “My account”",
    "identity.notice.activated": "Your identity is confirmed.",
    "identity.notice.ordered": (
        "We will send a new letter to your address in the civil register within the next few "
        "days. The code in the previous letter is no longer valid."
    ),
    "identity.notice.order_refused": (
        "A new letter cannot be requested at the moment, for example because 3 letters have "
        "already been sent in the last 90 days."
    ),
    "identity.notice.order_no_match": (
        "No new letter can be sent: your details do not currently match an entry in the civil "
        "register. Please contact your administration."
    ),
    "identity.notice.register_unavailable": (
        "The civil register cannot be reached right now. Please try again later."
    ),
    "letter.status.queued": "being printed",
    "letter.status.dispatched": "sent",
    "letter.status.activated": "used",
    "letter.status.void": "invalid",
    "letter.status.expired": "expired",
    # letter dispatch (print shop)
    "dispatch.title": "Letter dispatch",
    "dispatch.intro": "These letters with an activation code still need to be printed and sent.",
    "dispatch.empty": "There are no letters waiting to be sent.",
    "dispatch.count": "Letters waiting to be sent: {count}",
    "dispatch.select_column": "Selection",
    "dispatch.select": "Select letter {reference}",
    "dispatch.reference": "Reference",
    "dispatch.kind": "Kind",
    "dispatch.kind.pin": "PIN letter (identity)",
    "dispatch.kind.org_activation": "Company activation",
    "dispatch.created": "Created on",
    "dispatch.valid_until": "Valid until",
    "dispatch.administration": "Administration",
    "dispatch.recipient": "Recipient",
    "dispatch.hint": "Mark letters as sent only once they have been printed and posted.",
    "dispatch.export": "Download selected as PDF",
    "dispatch.mark_dispatched": "Mark selected as sent",
    "dispatch.error_title": "The letters cannot be downloaded",
    "dispatch.error.none_queued": (
        "None of the selected letters is still waiting to be sent. Please reload the overview."
    ),
    "dispatch.error.unreadable": (
        "At least one of the selected letters is damaged or missing and cannot be printed. "
        "Nothing was downloaded. Please contact operations; the person concerned can request "
        "a new letter."
    ),
    "dispatch.error.too_many": "Please select at most 200 letters at a time.",
    "dispatch.error.too_many_title": "Too many letters selected",
    "dispatch.second_factor.title": "Second factor required",
    "dispatch.second_factor.text": (
        "Letter dispatch shows activation codes, so a password is not enough: please confirm "
        "your login with the code from your authenticator app."
    ),
    "dispatch.second_factor.enter_code": "Enter code",
    "dispatch.second_factor.enrol": "Set up an authenticator app",
    "dispatch.second_factor.enrol_text": (
        "Letter dispatch shows activation codes, so a password is not enough: you need a "
        "confirmed authenticator app. Set the app up after logging in with your Online-Ausweis "
        "and it is confirmed at once, or have your administration set it up."
    ),
    "dispatch.unbound.title": "Authenticator app not yet confirmed",
    "dispatch.unbound.text": (
        "Letter dispatch shows activation codes. Your authenticator app is not yet confirmed "
        "and is not enough, since whoever knows your password can set up an app of their own. "
        "Log in with your Online-Ausweis, then confirm the app under “Login means” with "
        "“Confirm”. Without an Online-Ausweis, please contact your administration."
    ),
    "dispatch.unbound.action": "Go to login means",
    "account.staff_letters": "Go to letter dispatch",
    # password reset and account deletion (registration/recovery.py)
    "login.forgot_link": "Forgot your password?",
    "login.notice.password_changed": (
        "Your password has been changed. Please log in with the new password."
    ),
    "forgot.title": "Forgotten password",
    "forgot.intro": (
        "Enter the email address of your ServiceKonto. We will send you a link to set a new "
        "password."
    ),
    "forgot.email": "Email address",
    "forgot.email_hint": "The address you log in with.",
    "forgot.submit": "Request link",
    "forgot.back_to_login": "Go to login",
    "forgot_sent.title": "Please check your inbox",
    "forgot_sent.text": (
        "If an account with this address exists, we have sent you a link to set a new password."
    ),
    "forgot_sent.validity": (
        "The link is valid for 30 minutes and works only once. Afterwards you will be logged "
        "out on all devices."
    ),
    "forgot_sent.no_mail": (
        "No email received? Please also check your spam folder, or request the link again in a "
        "few minutes."
    ),
    # change password / email address while logged in
    "password_change.title": "Change password",
    "password_change.intro": "Enter your current password and your new password twice.",
    "password_change.current": "Current password",
    "password_change.consequence": (
        "You will then be logged out on all other devices. We will notify you of the change by "
        "email."
    ),
    "password_change.submit": "Change password",
    "password_change.no_password": (
        "Your account has no password: you log in with your Online-Ausweis."
    ),
    "email_change.title": "Change email address",
    "email_change.current": "Current email address",
    "email_change.new": "New email address",
    "email_change.new_hint": (
        "We will send a confirmation link to the new address. Until you confirm it, the current "
        "address stays in use."
    ),
    "email_change.password_hint": "For your security we ask for your password.",
    "email_change.submit": "Send confirmation link",
    "email_change.eid_needed": (
        "Please log in with your Online-Ausweis first. Then you can change your email address."
    ),
    "change.back": "Back to “My account”",
    "change.error.current": "The current password is wrong.",
    "change.error.same_address": "This already is your email address.",
    "change.error.too_many": (
        "You have already requested several changes in the last hour. Please try again later."
    ),
    "reset.title": "Set a new password",
    "reset.intro": "Please enter your new password twice.",
    "reset.password": "New password",
    "reset.password_hint": (
        "At least 12 characters. Special characters are not required. "
        "Commonly used passwords are refused."
    ),
    "reset.password_repeat": "Repeat new password",
    "reset.consequence": (
        "Afterwards you will be logged out on all devices, and online services will ask you to "
        "log in again."
    ),
    "reset.submit": "Save password",
    "reset.error.summary_title": "Please check your entries",
    "reset.error.summary_item": "{field}: {message}",
    "reset.error.required": "Please enter a new password.",
    "reset.error.mismatch": "The two passwords do not match.",
    "reset.error.password_too_short": "The password must be at least 12 characters long.",
    "reset.error.password_too_long": "The password is too long. Please choose a shorter one.",
    "reset.error.password_too_common": (
        "This password is very common and easy to guess. Please choose another one."
    ),
    "reset.error.email_required": "Please enter your email address.",
    "reset.error.email": "Please enter a valid email address, for example name@example.org.",
    "reset_invalid.title": "The link is invalid or has expired",
    "reset_invalid.text": (
        "A password reset link is valid for 30 minutes and works only once. You may have used "
        "it already, requested a newer link, or it was not copied completely."
    ),
    "reset_invalid.new_link": "Request a new link:",
    "reset_invalid.new_link_action": "Request a new link",
    "reset_invalid.login": "Remembered your password? Then log in:",
    "account.delete_title": "Delete account",
    "account.delete_link": "Delete account",
    "delete.title": "Delete account",
    "delete.warning_title": "Deleting cannot be undone",
    "delete.warning": (
        "Once your account is deleted, you can no longer log in with it anywhere. For a new "
        "account you would have to confirm your identity again."
    ),
    "delete.what": "We delete all data of your account:",
    "delete.what_data": "your email address, your password and your personal details,",
    "delete.what_consents": "your consents and every login at online services,",
    "delete.what_letters": "letters with an activation code and the evidence of your identity.",
    "delete.services": (
        "We notify the online services you used with your account. Please delete anything you "
        "stored there with the service itself."
    ),
    "delete.password": "Your current password",
    "delete.password_hint": "For your security, confirm the deletion with your password.",
    "delete.submit": "Delete account permanently",
    "delete.cancel": "Cancel and return to “My account”",
    "delete.error_summary": "The account was not deleted",
    "delete.error": "The password is incorrect.",
    "delete.error_eid": (
        "Your Online-Ausweis login is more than 5 minutes ago. Please confirm the deletion with "
        "your Online-Ausweis again."
    ),
    "delete.eid_hint": (
        "Your account has no password. For your security, confirm the deletion with your "
        "Online-Ausweis; you then come back here."
    ),
    "delete.eid_confirmed": (
        "You have just logged in with your Online-Ausweis. You can delete your account now."
    ),
    "deleted.title": "Your account has been deleted",
    "deleted.text": "Your ServiceKonto and all its data have been deleted. You are logged out.",
    "deleted.mail": "We are sending you an email to confirm this.",
    # legal pages: what ServiceKonto itself knows; the rest is marked for the operator
    "legal.operator_fills": "To be completed by the operator",
    "legal.operator": "Operator",
    "legal.address": "Address",
    "legal.contact": "Contact",
    "legal.dpo": "Data protection officer",
    "imprint.operator_rest": "Authorised representative and competent supervisory authority.",
    "privacy.operator_rest": (
        "Purposes and legal bases, recipients, retention periods, your rights (access, "
        "rectification, erasure, restriction, objection, data portability, withdrawal) and your "
        "right to lodge a complaint with the supervisory authority."
    ),
    "imprint.title": "Legal notice",
    "imprint.intro": (
        "The legal notice names the authority that operates ServiceKonto for its online "
        "services. It follows section 5 of the German Digital Services Act (DDG)."
    ),
    "imprint.operator": (
        "Name and address of the authority, its authorised representative, email address and "
        "telephone number, competent supervisory authority."
    ),
    "imprint.software_title": "About this software",
    "imprint.software": (
        "ServiceKonto is the software behind these pages. Each online service you log in to "
        "with ServiceKonto is the responsibility of its own provider."
    ),
    "imprint.privacy_link": "Go to the privacy policy",
    "privacy.title": "Privacy policy",
    "privacy.intro": (
        "The operator of ServiceKonto, as the controller, provides the privacy policy under "
        "Art. 13 of the General Data Protection Regulation (GDPR). First, here is what "
        "ServiceKonto itself stores."
    ),
    "privacy.operator": (
        "Controller and data protection officer with contact details, purposes and legal "
        "bases, recipients, retention periods, your rights (access, rectification, erasure, "
        "restriction, objection, portability, withdrawal) and your right to complain to the "
        "supervisory authority."
    ),
    "privacy.stored_title": "What ServiceKonto stores",
    "privacy.stored_account": (
        "Account data: your email address, your password only as a hash, and the additional "
        "login methods you set up (authenticator app, recovery codes)."
    ),
    "privacy.stored_identity": (
        "Identity data: names, date of birth and address, checked against the civil register "
        "or taken from your online ID card, and how they were confirmed."
    ),
    "privacy.stored_consents": (
        "Consents: which details you released to which online service, until you withdraw "
        "the consent."
    ),
    "privacy.stored_audit": (
        "Audit log: security events such as login, consent or account deletion, with time "
        "and identifiers – no names and no email addresses."
    ),
    "privacy.no_tracking": (
        "ServiceKonto uses no analytics or advertising services and does not track your "
        "behaviour."
    ),
    "privacy.deletion": (
        "You can delete your account at any time under “My account”. We then delete all data "
        "of your account."
    ),
    "privacy.cookies_title": "Cookies",
    "privacy.cookies_intro": (
        "ServiceKonto only sets cookies needed for logging in and for the security of its "
        "forms:"
    ),
    "privacy.cookie.sk_session": (
        "keeps you logged in; deleted when you log out, at the latest when you close the "
        "browser."
    ),
    "privacy.cookie.sk_csrf": (
        "stops other websites from submitting your forms; lasts until you close the browser."
    ),
    "privacy.cookie.sk_lang": (
        "remembers the language if you change it at the top of the page; lasts one year."
    ),
    "privacy.cookie.sk_eid": (
        "ties your browser to a login with the online ID card while it runs; lasts 10 minutes."
    ),
    "privacy.cookie.sk_demo": (
        "keeps you logged in to the demo portal (/demo-portal), only if you use it; deleted "
        "when you log out, at the latest when you close the browser."
    ),
    "privacy.cookies_prefix": (
        "Over HTTPS the names carry the prefix “__Host-”. The cookies are not used for "
        "analytics or advertising."
    ),
    "a11y.title": "Accessibility statement",
    "a11y.scope": (
        "This statement covers the pages of ServiceKonto: logging in, registering, consenting, "
        "“My account” and logging in with the online ID card. It follows section 12b of the "
        "German Disability Equality Act (BGG) and section 7 of BITV 2.0, which implement "
        "Directive (EU) 2016/2102."
    ),
    "a11y.operator_scope": (
        "Name of the public body and the web address at which ServiceKonto is operated."
    ),
    "a11y.status_title": "Compliance status",
    "a11y.status": (
        "Only an audit by people can show whether the pages meet the requirements of BITV 2.0. "
        "Until there is one, we state no level of compliance."
    ),
    "a11y.tested_intro": "Every change to the software is tested automatically:",
    "a11y.tested_axe": (
        "all pages with axe-core against the WCAG 2.1 success criteria, levels A and AA,"
    ),
    "a11y.tested_reflow": (
        "all pages at a width of 320 CSS pixels: nothing may scroll sideways (WCAG success "
        "criterion 1.4.10, Reflow),"
    ),
    "a11y.tested_keyboard": "login and consent using the keyboard alone.",
    "a11y.tested_limit": "Automated tests find only some of the possible barriers.",
    "a11y.operator_audit": (
        "Result of a manual audit (for example BITV-Test) with date and auditor, then the "
        "status: fully, partially or not compliant. The operator commissions the audit."
    ),
    "a11y.limits_title": "Non-accessible content",
    "a11y.limits_none": "The developers know of no barriers on these pages.",
    "a11y.limits_pdf": (
        "The letters with an activation code are generated as PDF for printing and posting; "
        "they are print documents, not content for reading on screen."
    ),
    "a11y.operator_limits": (
        "Barriers found by an audit, with the reason and, where there is one, the accessible "
        "alternative."
    ),
    "a11y.made_title": "Preparation of this statement",
    "a11y.operator_date": (
        "Date on which the statement was prepared or last reviewed, and whether it rests on a "
        "self-assessment or on an audit by a third party."
    ),
    "a11y.feedback_title": "Reporting barriers: feedback and contact",
    "a11y.feedback": (
        "If you come across a barrier or need content in an accessible form, please write to "
        "us."
    ),
    "a11y.operator_feedback": (
        "Responsible office with email address, telephone number and postal address, and "
        "within what time it replies."
    ),
    "a11y.enforcement_title": "Conciliation procedure",
    "a11y.enforcement": (
        "If you do not receive a satisfactory answer to your report, you can apply for a "
        "conciliation procedure: with the conciliation body under section 16 BGG or the body "
        "that state law provides for this. The procedure is free of charge for you."
    ),
    "a11y.operator_enforcement": (
        "Competent conciliation body with address and web address: for federal bodies the "
        "conciliation body under section 16 BGG, otherwise the body under state law."
    ),
}

MESSAGES: dict[str, dict[str, str]] = {"de": _DE, "en": _EN}


def translate(locale: str, key: str, **params: object) -> str:
    """The text for `key` in `locale`, else in German, else the key itself.

    `{name}` placeholders are filled from `params`; a text whose placeholders do not match is
    returned unformatted rather than failing the whole page.
    """
    text = MESSAGES.get(locale, _DE).get(key)
    if text is None:
        text = _DE.get(key, key)
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def _supported(tag: str) -> str | None:
    """The supported locale for a BCP 47 tag ("en-US" → "en"), or None."""
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in SUPPORTED else None


def _accept_language(header: str) -> list[str]:
    """The language tags of an Accept-Language header (RFC 9110 §12.5.4), best first."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header[:_MAX_HEADER].split(",")[:_MAX_TAGS]):
        tag, _, rest = part.partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for param in rest.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        if 0.0 < quality <= 1.0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def pick_locale(ui_locales: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page language: first supported `ui_locales` entry (OIDC Core §3.1.2.1, space-separated
    BCP 47 tags), then the language cookie, then Accept-Language, else German."""
    if ui_locales:
        for tag in ui_locales[:_MAX_HEADER].split()[:_MAX_TAGS]:
            if (locale := _supported(tag)) is not None:
                return locale
    if cookie and (locale := _supported(cookie[:16])) is not None:
        return locale
    if accept_language:
        for tag in _accept_language(accept_language):
            if (locale := _supported(tag)) is not None:
                return locale
    return DEFAULT_LOCALE
