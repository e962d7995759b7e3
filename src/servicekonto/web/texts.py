"""Texts the code chooses by a code: error pages, notices after a redirect, field errors, and the
names of claims, scopes, trust levels, letter states and login means.

Route handlers and the error renderers name such a text by a stable code ("error.not_found",
"claim.birthdate"); templates show it with `text(code, **params)`. The values are the German
source texts, marked for the catalogs (`N_`, or `NC_` with a msgctxt where the same German reads
differently in English); every other page text sits in its template. A code that is missing here
is shown as itself, which the page tests look for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from servicekonto.web.i18n import N_, NC_, Text

# TRANSLATORS: the name of the catalog's own language, written in it (Deutsch, English, …);
# the language switcher shows it.
OWN_NAME: Final = NC_("name of this language, in it", "Deutsch")

TEXTS: Final[Mapping[str, Text]] = {
    "eid.button.login": N_("Mit Online-Ausweis anmelden"),
    "eid.button.continue": N_("Mit Online-Ausweis fortfahren"),
    "eid.button.link": N_("Online-Ausweis verbinden"),
    "eid.button.confirm": N_("Mit Online-Ausweis bestätigen"),
    "eid.error.title": N_("Anmeldung mit dem Online-Ausweis nicht möglich"),
    "eid.error.cancelled": N_(
        "Sie haben den Vorgang in der AusweisApp abgebrochen. Es wurden keine Daten übermittelt."
    ),
    "eid.error.revoked": N_(
        "Ihr Ausweis ist gesperrt. Mit einem gesperrten Ausweis ist keine Anmeldung möglich. "
        "Wenden Sie sich an Ihr Bürgeramt."
    ),
    "eid.error.expired": N_(
        "Ihr Ausweis ist abgelaufen. Mit einem abgelaufenen Ausweis ist keine Anmeldung möglich."
    ),
    "eid.error.failed": N_(
        "Der Ausweis konnte nicht gelesen werden. Bitte versuchen Sie es erneut."
    ),
    "eid.error.unavailable": N_(
        "Der eID-Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut."
    ),
    "eid.error.expired_transaction": N_(
        "Der Anmeldevorgang ist abgelaufen, wurde bereits abgeschlossen oder in einem anderen "
        "Browser begonnen. Bitte starten Sie die Anmeldung erneut."
    ),
    "eid.refused.card_blocked": N_(
        "Sie haben diesen Ausweis für die Anmeldung gesperrt. Melden Sie sich anders an und "
        "entfernen Sie die Sperre unter „Anmeldemittel“."
    ),
    "eid.refused.other_account": N_(
        "Dieser Ausweis ist bereits mit einem anderen ServiceKonto verbunden. Melden Sie sich ab "
        "und mit dem Online-Ausweis neu an."
    ),
    "eid.refused.data_mismatch": N_(
        "Die Daten Ihres Ausweises (Vorname, Familienname, Geburtsdatum) stimmen nicht mit den "
        "Angaben in Ihrem ServiceKonto überein. Der Ausweis wurde nicht verbunden; an Ihrem Konto "
        "wurde nichts geändert."
    ),
    "eid.refused.document_invalid": N_(
        "Ihr Ausweis ist nicht gültig. Es wurden keine Daten übernommen."
    ),
    "eid.refused.data_missing": N_(
        "Für die Anmeldung werden Name, Geburtsdatum und das dienste- und kartenspezifische "
        "Kennzeichen benötigt. Der Ausweis hat diese Daten nicht übermittelt."
    ),
    "security.kind.password": N_("Passwort"),
    "security.kind.totp": N_("Authenticator-App"),
    "security.kind.eid": N_("Online-Ausweis"),
    "security.state.active": N_("aktiv"),
    "security.state.blocked": N_("gesperrt"),
    "security.state.pending": N_("nicht bestätigt"),
    "security.unblock": N_("Entsperren"),
    "security.remove": N_("Entfernen"),
    "security.notice.eid_linked": N_("Ihr Online-Ausweis ist mit Ihrem Konto verbunden."),
    "security.notice.eid_confirmed": N_("Sie haben sich mit Ihrem Online-Ausweis angemeldet."),
    "security.notice.totp_unbound": N_(
        "Ihre Authenticator-App ist eingerichtet. Sie zählt für das Vertrauensniveau "
        "„substantiell“, sobald Sie sie nach einer Anmeldung mit dem Online-Ausweis bestätigen."
    ),
    "security.notice.totp_bound": N_("Ihre Authenticator-App ist bestätigt."),
    "security.notice.unblocked": N_("Das Anmeldemittel ist wieder freigegeben."),
    "security.error.bind_level": N_(
        "Bestätigen können Sie die App erst nach einer Anmeldung mit dem Online-Ausweis."
    ),
    "security.notice.totp_enrolled": N_("Ihre Authenticator-App ist eingerichtet."),
    "security.notice.blocked": N_("Das Anmeldemittel ist gesperrt."),
    "security.notice.removed": N_("Das Anmeldemittel wurde entfernt."),
    "security.error.level_too_low": N_(
        "Um ein neues Anmeldemittel einzurichten, melden Sie sich bitte zuerst mit Ihrem stärksten"
        " Anmeldemittel an (zum Beispiel dem Online-Ausweis)."
    ),
    "security.error.reauth": N_(
        "Die Bestätigung hat nicht geklappt: Passwort oder Code sind falsch, oder Ihre Anmeldung "
        "mit dem Online-Ausweis liegt mehr als 5 Minuten zurück. Es wurde nichts geändert."
    ),
    "account.eid_registered": N_(
        "Ihr ServiceKonto wurde mit Ihrem Online-Ausweis angelegt. Ihre Daten stammen aus dem "
        "Ausweis und haben das Vertrauensniveau „hoch“."
    ),
    "account.email_sent": N_(
        "Wir haben Ihnen einen Bestätigungslink geschickt. Bitte öffnen Sie ihn innerhalb von 7 "
        "Tagen."
    ),
    "account.email_invalid": N_("Bitte geben Sie eine gültige E-Mail-Adresse ein."),
    "scope.organization": N_("Handeln für Ihr Unternehmen oder Ihre Organisation"),
    "scope.favorites": N_("Ihre Favoriten"),
    "scope.account": N_("Ihr ServiceKonto verwalten"),
    "scope.offline_access": N_("Permanente Authentifikation"),
    "scope.postfach": N_("Nachrichten und Bescheide in Ihr Postfach zustellen"),
    "scope.safe": N_("Dokumente in Ihrem Dokumentensafe ablegen"),
    "account.revoked": N_("Die Einwilligung wurde widerrufen."),
    "account.password_changed": N_(
        "Ihr Passwort wurde geändert. Auf allen anderen Geräten sind Sie abgemeldet."
    ),
    "account.email_change_sent": N_(
        "Wir haben einen Bestätigungslink an die neue E-Mail-Adresse gesendet. Bis Sie ihn "
        "bestätigen, gilt die bisherige Adresse."
    ),
    "error.title": N_("Es ist ein Fehler aufgetreten"),
    "error.invalid_request_title": N_("Ungültige Anfrage"),
    "error.interaction_expired_title": N_("Vorgang abgelaufen"),
    "error.csrf_title": N_("Formular abgelaufen"),
    "error.forbidden_title": N_("Kein Zugriff"),
    "error.not_found_title": N_("Seite nicht gefunden"),
    "error.too_many_requests_title": N_("Zu viele Anfragen"),
    "error.server_error_title": N_("Technischer Fehler"),
    "error.generic": N_("Ihre Anfrage konnte nicht bearbeitet werden."),
    "error.bad_request": N_("Ihre Anfrage konnte nicht bearbeitet werden."),
    "error.invalid_request": N_(
        "Die Anfrage des Portals ist ungültig oder unvollständig. Es wurden keine Daten "
        "übermittelt."
    ),
    "error.invalid_client": N_(
        "Das Portal, von dem Sie kommen, ist bei ServiceKonto nicht bekannt. Es wurden keine Daten"
        " übermittelt."
    ),
    "error.invalid_redirect_uri": N_(
        "Die Rücksprungadresse des Portals ist bei ServiceKonto nicht registriert. Zu Ihrem Schutz"
        " leiten wir Sie nicht dorthin weiter."
    ),
    "error.invalid_scope": N_(
        "Das Portal hat Berechtigungen angefragt, die es nicht erhalten darf."
    ),
    "error.unauthorized_client": N_("Das Portal ist für diese Art der Anmeldung nicht zugelassen."),
    "error.unsupported_response_type": N_(
        "Das Portal verwendet ein nicht unterstütztes Verfahren."
    ),
    "error.access_denied": N_("Der Vorgang wurde abgebrochen."),
    "error.login_required": N_("Bitte melden Sie sich an, um fortzufahren."),
    "error.unmet_authentication_requirements": N_(
        "Das vom Portal verlangte Vertrauensniveau kann derzeit nicht erreicht werden."
    ),
    "error.interaction_expired": N_(
        "Der Anmeldevorgang ist abgelaufen oder wurde bereits abgeschlossen."
    ),
    "error.interaction_other_browser": N_(
        "Dieser Anmeldevorgang wurde in einem anderen Browser begonnen. Bitte starten Sie die "
        "Anmeldung in diesem Browser erneut beim Portal."
    ),
    "error.csrf": N_(
        "Das Formular ist abgelaufen oder wurde nicht von dieser Seite gesendet. Bitte laden Sie "
        "die Seite neu und versuchen Sie es noch einmal."
    ),
    "error.unauthorized": N_("Bitte melden Sie sich an, um diese Seite aufzurufen."),
    "error.forbidden": N_("Sie haben keine Berechtigung, diese Seite aufzurufen."),
    "error.not_found": N_("Die angeforderte Seite wurde nicht gefunden."),
    "error.method_not_allowed": N_("Diese Seite kann auf diese Weise nicht aufgerufen werden."),
    "error.conflict": N_(
        "Die Änderung konnte nicht gespeichert werden, weil sich die Daten inzwischen geändert "
        "haben. Bitte laden Sie die Seite neu."
    ),
    "error.invalid_input": N_(
        "Die eingegebenen Daten sind ungültig. Bitte prüfen Sie Ihre Eingaben."
    ),
    "error.too_many_requests": N_(
        "Es wurden zu viele Anfragen in kurzer Zeit gesendet. Bitte warten Sie einen Moment und "
        "versuchen Sie es dann noch einmal."
    ),
    "error.payload_too_large": N_("Die gesendeten Daten sind zu groß."),
    "error.server_error": N_(
        "Bei uns ist ein technischer Fehler aufgetreten. Bitte versuchen Sie es später noch "
        "einmal."
    ),
    "error.unavailable_title": N_("Vorübergehend nicht erreichbar"),
    "error.unavailable": N_(
        "ServiceKonto ist gerade vorübergehend nicht erreichbar. Bitte versuchen Sie es später "
        "erneut."
    ),
    "error.control_characters": N_(
        "Ihre Eingabe enthält unzulässige Steuerzeichen (zum Beispiel ein Nullbyte). Bitte geben "
        "Sie die Daten erneut ein."
    ),
    "level.basic": N_("Basisregistrierung"),
    "level.low": N_("niedrig"),
    "level.substantial": N_("substantiell"),
    "level.high": N_("hoch"),
    "claim.openid": N_("Pseudonyme Kennung für diesen Dienst"),
    "claim.given_name": N_("Vorname(n)"),
    "claim.family_name": N_("Familienname"),
    "claim.birthdate": N_("Geburtsdatum"),
    "claim.birth_family_name": N_("Geburtsname"),
    "claim.place_of_birth": N_("Geburtsort"),
    "claim.nationalities": N_("Staatsangehörigkeit"),
    "claim.address": N_("Anschrift"),
    "claim.email": N_("E-Mail-Adresse"),
    "claim.email_verified": N_("Bestätigung der E-Mail-Adresse"),
    "claim.phone_number": N_("Telefonnummer"),
    "claim.organization": N_("Pseudonyme Kennung der Organisation für diesen Dienst"),
    "claim.organization_name": N_("Name der Organisation"),
    "claim.organization_legal_form_text": N_("Rechtsform"),
    "claim.organization_register": N_("Registereintrag"),
    "claim.organization_trade_registration": N_("Gewerbeanmeldung"),
    "claim.organization_address": N_("Geschäftsanschrift"),
    "claim.organization_role": N_("Ihre Rolle in der Organisation"),
    "role.admin": N_("Administrator/in"),
    "role.member": N_("Mitglied"),
    "demo.login_low": N_("Anmelden – Vertrauensniveau niedrig"),
    "demo.login_substantial": N_("Anmelden – Vertrauensniveau substantiell"),
    "demo.login_high": N_("Anmelden – Vertrauensniveau hoch"),
    "demo.login_organization": N_("Für eine Organisation anmelden (Befugnis wählen)"),
    "demo.login_heading": N_("Mit ServiceKonto anmelden"),
    # The demo Fachverfahren's webhook events (sim/demo_fachverfahren.py).
    "demo.fachverfahren.delivered": N_("Nachricht zugestellt"),
    "demo.fachverfahren.read": N_("Nachricht gelesen"),
    "demo.fachverfahren.recalled": N_("Nachricht zurückgezogen"),
    "register.error.summary_title": N_("Bitte prüfen Sie Ihre Angaben"),
    "register.error.summary_item": N_("%(field)s: %(message)s"),
    "register.error.required": N_("Bitte füllen Sie dieses Feld aus."),
    "register.error.email": N_(
        "Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@beispiel.de."
    ),
    "register.error.password_too_short": N_("Das Passwort muss mindestens 12 Zeichen lang sein."),
    "register.error.password_too_long": N_(
        "Das Passwort ist zu lang. Bitte wählen Sie ein kürzeres Passwort."
    ),
    "register.error.password_too_common": N_(
        "Dieses Passwort wird sehr häufig verwendet und ist leicht zu erraten. Bitte wählen Sie "
        "ein anderes."
    ),
    "register.error.birth_date": N_(
        "Bitte geben Sie ein gültiges Geburtsdatum im Format JJJJ-MM-TT ein, zum Beispiel "
        "1985-03-27."
    ),
    "register.error.too_long": N_(
        "Die Eingabe ist zu lang: höchstens %(limit)s Zeichen, Sie haben %(length)s eingegeben."
    ),
    "register.error.character_person": N_(
        "Das Zeichen %(character)s ist in Namen nicht erlaubt. Erlaubt sind Buchstaben (auch mit "
        "Akzenten und Sonderzeichen wie ß, é, ł), Leerzeichen, Bindestrich, Apostroph und Punkt."
    ),
    "register.error.character_other": N_(
        "Das Zeichen %(character)s ist hier nicht erlaubt. Erlaubt sind Buchstaben (auch mit "
        "Akzenten), Ziffern, Leerzeichen und übliche Satzzeichen."
    ),
    "register.error.birth_date_in_future": N_(
        "Das Geburtsdatum liegt in der Zukunft. Bitte prüfen Sie das Datum."
    ),
    "register.error.birth_date_implausible": N_(
        "Das Geburtsdatum liegt vor dem Jahr 1900 und ist daher nicht plausibel. Bitte prüfen Sie "
        "das Jahr."
    ),
    "register.error.postal_code": N_("Bitte geben Sie eine Postleitzahl mit 5 Ziffern ein."),
    "register.error.privacy_consent": N_(
        "Bitte willigen Sie in die Verarbeitung Ihrer Daten ein. Ohne Ihre Einwilligung können wir"
        " kein Konto anlegen."
    ),
    "register.error.register_unavailable": N_(
        "Der Abgleich mit dem Melderegister ist gerade nicht möglich. Bitte versuchen Sie es "
        "später noch einmal. Es wurde nichts gespeichert."
    ),
    "identity.notice.activated": N_("Ihre Identität ist bestätigt."),
    "identity.notice.ordered": N_(
        "Wir schicken Ihnen in den nächsten Tagen einen neuen Brief an Ihre Anschrift im "
        "Melderegister. Der Code im bisherigen Brief ist ab sofort ungültig."
    ),
    "identity.notice.order_refused": N_(
        "Ein neuer Brief kann zurzeit nicht angefordert werden, zum Beispiel weil in den letzten "
        "90 Tagen bereits 3 Briefe verschickt wurden."
    ),
    "identity.notice.order_no_match": N_(
        "Ein neuer Brief kann nicht verschickt werden: Ihre Angaben passen zurzeit zu keinem "
        "Eintrag im Melderegister. Bitte wenden Sie sich an Ihre Verwaltung."
    ),
    "identity.notice.register_unavailable": N_(
        "Der Abgleich mit dem Melderegister ist gerade nicht möglich. Bitte versuchen Sie es "
        "später noch einmal."
    ),
    "dispatch.kind.pin": N_("PIN-Brief (Identität)"),
    "dispatch.kind.org_activation": N_("Aktivierung Unternehmen"),
    "letter.status.queued": N_("wird gedruckt"),
    "letter.status.dispatched": N_("verschickt"),
    "letter.status.activated": N_("eingelöst"),
    "letter.status.void": N_("ungültig"),
    "letter.status.expired": N_("abgelaufen"),
    "dispatch.error_title": N_("Die Briefe können nicht heruntergeladen werden"),
    "dispatch.error.none_queued": N_(
        "Keiner der ausgewählten Briefe wartet noch auf den Versand. Bitte laden Sie die Übersicht"
        " neu."
    ),
    "dispatch.error.unreadable": N_(
        "Mindestens einer der ausgewählten Briefe ist beschädigt oder fehlt und kann nicht "
        "gedruckt werden. Es wurde nichts heruntergeladen. Bitte wenden Sie sich an den Betrieb; "
        "die betroffene Person kann einen neuen Brief anfordern."
    ),
    "dispatch.error.too_many": N_("Bitte wählen Sie höchstens 200 Briefe auf einmal aus."),
    "dispatch.error.too_many_title": N_("Zu viele Briefe ausgewählt"),
    "dispatch.second_factor.title": N_("Zweiter Faktor erforderlich"),
    "dispatch.second_factor.text": N_(
        "Der Briefversand zeigt Aktivierungscodes. Dafür genügt das Passwort nicht: Bitte "
        "bestätigen Sie Ihre Anmeldung mit dem Code aus Ihrer Authenticator-App."
    ),
    "dispatch.second_factor.enter_code": N_("Code eingeben"),
    "dispatch.second_factor.enrol": N_("Authenticator-App einrichten"),
    "dispatch.second_factor.enrol_text": N_(
        "Der Briefversand zeigt Aktivierungscodes. Dafür genügt das Passwort nicht: Sie brauchen "
        "eine bestätigte Authenticator-App. Richten Sie die App nach einer Anmeldung mit dem "
        "Online-Ausweis ein, dann ist sie sofort bestätigt, oder lassen Sie sie von Ihrer "
        "Verwaltung einrichten."
    ),
    "dispatch.unbound.title": N_("Authenticator-App noch nicht bestätigt"),
    "dispatch.unbound.text": N_(
        "Der Briefversand zeigt Aktivierungscodes. Ihre Authenticator-App ist noch nicht bestätigt"
        " und reicht dafür nicht, denn wer Ihr Passwort kennt, kann selbst eine App einrichten. "
        "Melden Sie sich mit Ihrem Online-Ausweis an und bestätigen Sie die App danach unter "
        "„Anmeldemittel“ mit „Bestätigen“. Ohne Online-Ausweis wenden Sie sich an Ihre Verwaltung."
    ),
    "dispatch.unbound.action": N_("Zu den Anmeldemitteln"),
    # the Registrierungsstelle (web/routes/review.py)
    "review.state.draft": N_("Entwurf"),
    "review.state.submitted": N_("eingereicht"),
    "review.state.in_review": N_("in Prüfung"),
    "review.state.info_requested": N_("Rückfrage gestellt"),
    "review.state.approved": N_("genehmigt"),
    "review.state.rejected": N_("abgelehnt"),
    "review.state.activated": N_("aktiviert"),
    "review.state.suspended": N_("gesperrt"),
    "review.state.closed": N_("geschlossen"),
    "review.kind.company": N_("Unternehmen"),
    "review.kind.verein": N_("Verein"),
    "review.kind.freiberufler": N_("Freiberufler/Einzelunternehmen"),
    "review.kind.stiftung": N_("Stiftung"),
    "review.kind.public_body": N_("öffentliche Stelle"),
    "review.doc_type.handelsregisterauszug": N_("Handelsregisterauszug"),
    "review.doc_type.gewerbeanmeldung": N_("Gewerbeanmeldung"),
    "review.doc_type.vereinsregisterauszug": N_("Vereinsregisterauszug"),
    "review.doc_type.satzung": N_("Satzung"),
    "review.doc_type.vollmacht": N_("Vollmacht"),
    "review.doc_type.other": N_("anderes Dokument"),
    "review.document_removed_title": N_("Datei gelöscht"),
    "review.document_removed": N_(
        "Die Datei wurde nach Ablauf der Aufbewahrungsfrist gelöscht. Art, Größe, Prüfsumme und "
        "Zeitpunkt des Hochladens bleiben in der Akte."
    ),
    "review.scan.clean": N_("ohne Befund"),
    "review.scan.skipped": N_("nicht geprüft"),
    "review.action.submit": N_("Antrag eingereicht"),
    "review.action.start_review": N_("Prüfung begonnen"),
    "review.action.request_info": N_("Informationen angefordert"),
    "review.action.supplement": N_("Antrag ergänzt"),
    "review.action.first_approval": N_("erste Genehmigung"),
    "review.action.approve": N_("genehmigt"),
    "review.action.reject": N_("abgelehnt"),
    "review.action.activate": N_("aktiviert"),
    "review.action.suspend": N_("gesperrt"),
    "review.action.reinstate": N_("entsperrt"),
    "review.action.close": N_("geschlossen"),
    "review.action.block": N_("mit dem Widerrufscode gesperrt"),
    "review.supervision.suspend": N_(
        "Sperren (vorläufig; niemand kann mehr für die Organisation handeln)"
    ),
    "review.supervision.reinstate": N_("Sperre aufheben"),
    "review.supervision.close": N_("Endgültig schließen (etwa nach Löschung im Register)"),
    "review.notice.note": N_("Ihre Notiz ist gespeichert."),
    "review.notice.review": N_("Sie haben die Prüfung begonnen."),
    "review.notice.approve": N_(
        "Der Antrag ist genehmigt. Der Aktivierungsbrief geht an die Geschäftsadresse; die "
        "antragstellende Person erhält eine E-Mail."
    ),
    "review.notice.first_approval": N_(
        "Ihre Genehmigung ist vermerkt. Eine zweite, andere Person muss den Antrag noch "
        "genehmigen."
    ),
    "review.notice.reject": N_(
        "Der Antrag ist abgelehnt. Die antragstellende Person erhält die Begründung per E-Mail."
    ),
    "review.notice.request_info": N_(
        "Ihre Rückfrage ist verschickt. Der Antrag kommt zurück in die Übersicht, sobald die "
        "antragstellende Person ihn ergänzt."
    ),
    "review.notice.suspend": N_("Die Organisation ist gesperrt."),
    "review.notice.reinstate": N_("Die Sperre ist aufgehoben."),
    "review.notice.close": N_("Die Organisation ist geschlossen."),
    "review.error.reason_required": N_(
        "Bitte begründen Sie die Entscheidung. Die antragstellende Person liest die Begründung."
    ),
    "review.error.decision_unknown": N_(
        "Bitte wählen Sie: genehmigen, Informationen anfordern oder ablehnen."
    ),
    "review.error.text_required": N_("Bitte schreiben Sie einen Text."),
    "review.error.too_long": N_("Der Text ist zu lang."),
    "review.error.control_characters": N_(
        "Der Text enthält Steuerzeichen. Bitte geben Sie ihn neu ein."
    ),
    "review.error.action_unknown": N_("Bitte wählen Sie eine Maßnahme."),
    "review.refused.concurrent_title": N_("Bereits von jemand anderem entschieden"),
    "review.refused.concurrent": N_(
        "Jemand anderes hat diesen Antrag bearbeitet, während Sie ihn angesehen haben. Ihre "
        "Entscheidung wurde nicht gespeichert. Bitte sehen Sie sich den aktuellen Stand an."
    ),
    "review.refused.state": N_(
        "In seinem jetzigen Bearbeitungsstand ist das bei diesem Antrag nicht mehr möglich; "
        "vermutlich hat jemand anderes ihn gerade bearbeitet. Bitte sehen Sie sich den "
        "aktuellen Stand an."
    ),
    "review.refused.four_eyes_title": N_("Zweite Genehmigung durch eine andere Person"),
    "review.refused.four_eyes": N_(
        "Hier gilt das Vier-Augen-Prinzip: Sie haben die erste Genehmigung erteilt; die zweite "
        "muss von einer anderen Person kommen."
    ),
    "review.refused.own_title": N_("Eigener Antrag"),
    "review.refused.own": N_(
        "Sie können nicht über einen Antrag entscheiden, den Sie selbst gestellt haben oder "
        "dessen Organisation Sie angehören."
    ),
    "review.back_to_case": N_("Zum Antrag"),
    "review.second_factor.text": N_(
        "Die Registrierungsstelle zeigt Dokumente von Unternehmen. Dafür genügt das Passwort "
        "nicht: Bitte bestätigen Sie Ihre Anmeldung mit dem Code aus Ihrer Authenticator-App."
    ),
    "review.second_factor.unbound": N_(
        "Die Registrierungsstelle zeigt Dokumente von Unternehmen. Ihre Authenticator-App ist "
        "noch nicht bestätigt und reicht dafür nicht. Melden Sie sich mit Ihrem Online-Ausweis "
        "an und bestätigen Sie die App danach unter „Anmeldemittel“, oder wenden Sie sich an "
        "Ihre Verwaltung."
    ),
    "review.second_factor.enrol": N_(
        "Die Registrierungsstelle zeigt Dokumente von Unternehmen. Dafür genügt das Passwort "
        "nicht: Sie brauchen eine bestätigte Authenticator-App. Lassen Sie sie von Ihrer "
        "Verwaltung einrichten."
    ),
    "login.notice.password_changed": N_(
        "Ihr Passwort wurde geändert. Bitte melden Sie sich mit dem neuen Passwort an."
    ),
    "change.error.current": N_("Das bisherige Passwort ist falsch."),
    "change.error.same_address": N_("Das ist bereits Ihre E-Mail-Adresse."),
    "change.error.too_many": N_(
        "Sie haben in der letzten Stunde schon mehrere Änderungen beantragt. Bitte versuchen Sie "
        "es später noch einmal."
    ),
    "reset.error.summary_title": N_("Bitte prüfen Sie Ihre Angaben"),
    "reset.error.summary_item": N_("%(field)s: %(message)s"),
    "reset.error.required": N_("Bitte geben Sie ein neues Passwort ein."),
    "reset.error.mismatch": N_("Die beiden Passwörter stimmen nicht überein."),
    "reset.error.password_too_short": N_("Das Passwort muss mindestens 12 Zeichen lang sein."),
    "reset.error.password_too_long": N_(
        "Das Passwort ist zu lang. Bitte wählen Sie ein kürzeres Passwort."
    ),
    "reset.error.password_too_common": NC_(
        "password reset",
        "Dieses Passwort wird sehr häufig verwendet und ist leicht zu erraten. Bitte wählen Sie "
        "ein anderes."
    ),
    "reset.error.email_required": N_("Bitte geben Sie Ihre E-Mail-Adresse ein."),
    "reset.error.email": NC_(
        "password reset",
        "Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@beispiel.de."
    ),
    # -- company registration, the applicant's pages (web/routes/organizations.py) --
    "organizations.kind.company": N_("Unternehmen"),
    "organizations.kind.verein": N_("Verein"),
    "organizations.kind.freiberufler": N_("Freiberufler/Einzelunternehmen"),
    "organizations.kind.stiftung": N_("Stiftung"),
    "organizations.kind.public_body": N_("Öffentliche Stelle"),
    "organizations.doc.handelsregisterauszug": N_("Handelsregisterauszug"),
    "organizations.doc.gewerbeanmeldung": N_("Gewerbeanmeldung"),
    "organizations.doc.vereinsregisterauszug": N_("Vereinsregisterauszug"),
    "organizations.doc.satzung": N_("Satzung"),
    "organizations.doc.vollmacht": N_("Vollmacht"),
    "organizations.doc.other": N_("Sonstiges Dokument"),
    "organizations.state.draft": N_("Entwurf"),
    "organizations.state.submitted": N_("Eingereicht, wartet auf Prüfung"),
    "organizations.state.in_review": N_("In Prüfung"),
    "organizations.state.info_requested": N_("Rückfrage: Ihre Antwort wird benötigt"),
    "organizations.state.approved": N_("Genehmigt: Aktivierungsbrief ist unterwegs"),
    "organizations.state.rejected": N_("Abgelehnt"),
    "organizations.state.activated": N_("Aktiv"),
    "organizations.state.suspended": N_("Vorübergehend gesperrt"),
    "organizations.state.closed": N_("Geschlossen"),
    "organizations.step.submit": N_("Antrag eingereicht"),
    "organizations.step.start_review": N_("Prüfung begonnen"),
    "organizations.step.request_info": N_("Rückfrage der Registrierungsstelle"),
    "organizations.step.supplement": N_("Ihre Antwort"),
    "organizations.step.approve": N_("Genehmigt"),
    "organizations.step.reject": N_("Abgelehnt"),
    "organizations.step.activate": N_("Aktiviert"),
    "organizations.step.suspend": N_("Vorübergehend gesperrt"),
    "organizations.step.reinstate": N_("Wieder freigegeben"),
    "organizations.step.close": N_("Geschlossen"),
    "organizations.step.block": N_("Mit dem Widerrufscode gesperrt"),
    "organizations.notice.submitted": N_(
        "Ihr Antrag ist eingereicht. Die Registrierungsstelle prüft ihn; wir benachrichtigen "
        "Sie per E-Mail."
    ),
    "organizations.notice.supplemented": N_(
        "Ihre Antwort ist bei der Registrierungsstelle. Sie prüft den Antrag weiter."
    ),
    "organizations.notice.activated": N_(
        "Das Unternehmenskonto ist aktiv. Sie sind seine erste Administratorin oder sein erster "
        "Administrator und können nun Mitglieder einladen."
    ),
    "organizations.activate.wrong_code": N_(
        "Der Aktivierungscode ist falsch, abgelaufen oder nicht mehr gültig. Nach drei falschen "
        "Versuchen wird der Brief ungültig; die Registrierungsstelle kann einen neuen senden."
    ),
    "organizations.activate.not_applicant": N_(
        "Aktivieren kann nur die Person, die den Antrag gestellt hat. Bitte melden Sie sich mit "
        "deren ServiceKonto an. Haben Sie den Brief erhalten, ohne einen Antrag gestellt zu "
        "haben, sperren Sie das Unternehmenskonto mit dem Widerrufscode."
    ),
    "organizations.activate.not_approved": N_(
        "Dieser Antrag ist nicht (mehr) genehmigt. Aktivieren lässt sich nur ein genehmigter "
        "Antrag, für den ein Aktivierungsbrief verschickt wurde."
    ),
    "error.upload_too_large": N_(
        "Die gesendeten Dateien sind zusammen zu groß: höchstens 5 Dateien mit je 10 MB. Es "
        "wurde nichts gespeichert. Bitte wählen Sie weniger oder kleinere Dateien aus."
    ),
    # The Postfach (web.routes.postfach); the FITKO status vocabulary (egov-domain §4.4).
    "postfach.status.INITIATED": N_("Antrag begonnen"),
    "postfach.status.SUBMITTED": N_("Antrag abgeschickt"),
    "postfach.status.RECEIVED": N_("Antrag eingegangen"),
    "postfach.status.PROCESSING": N_("In Bearbeitung"),
    "postfach.status.ACTION_REQUIRED": N_("Ihre Mitwirkung ist erforderlich"),
    "postfach.status.COMPLETED": N_("Abgeschlossen"),
    "postfach.notice.deleted": N_("Die Nachricht wurde gelöscht."),
    "postfach.notice.readers": N_("Die Leserechte wurden geändert."),
    "postfach.notice.deleted_kept": N_(
        "Die Nachricht wurde gelöscht. Eine Kopie mit allen Anhängen liegt in Ihrem "
        "Dokumentensafe."
    ),
    "postfach.error.keep_level": N_(
        "Um eine Kopie in den Dokumentensafe zu legen, öffnen Sie die Nachricht zuerst mit dem "
        "nötigen Vertrauensniveau. Es wurde nichts gelöscht."
    ),
    "postfach.error.no_access": N_(
        "Sie dürfen das Postfach dieser Organisation nicht lesen. Die Administratorinnen und "
        "Administratoren der Organisation können es Ihnen erlauben."
    ),
    "postfach.error.admins_only": N_(
        "Das können nur die Administratorinnen und Administratoren der Organisation."
    ),
    # Members of an organisation (web/routes/members.py)
    "members.role.admin": N_("Administrator/in"),
    "members.role.member": N_("Mitglied"),
    "members.notice.invited": N_(
        "Die Einladung ist unterwegs. Der Link in der E-Mail gilt 7 Tage und nur einmal."
    ),
    "members.notice.withdrawn": N_("Die Einladung ist zurückgezogen; ihr Link gilt nicht mehr."),
    "members.notice.role": N_("Die Rolle ist geändert."),
    "members.notice.services": N_("Die Online-Dienste sind gespeichert."),
    "members.notice.removed": N_(
        "Das Mitglied ist entfernt und kann ab sofort nicht mehr für die Organisation handeln."
    ),
    "members.notice.joined": N_(
        "Willkommen! Sie gehören jetzt zu dieser Organisation und können bei der Anmeldung an "
        "einem Online-Dienst wählen, ob Sie persönlich oder für sie handeln."
    ),
    "members.error.last_admin": N_(
        "Die Organisation braucht mindestens eine Administratorin oder einen Administrator. "
        "Bitte ernennen Sie zuerst ein anderes Mitglied zur Administratorin oder zum "
        "Administrator."
    ),
    "members.error.already_member": N_("Diese Person gehört der Organisation bereits an."),
    "members.error.too_many_invitations": N_(
        "Es gibt schon sehr viele offene Einladungen. Bitte ziehen Sie zuerst welche zurück."
    ),
    "members.error.not_organisation_admin": N_(
        "Das dürfen nur Administratorinnen und Administratoren der Organisation."
    ),
    "members.error.organisation_not_active": N_("Das Unternehmenskonto ist nicht aktiv."),
    "members.error.invalid_organisation": N_("Bitte prüfen Sie die markierten Angaben."),
    "members.error.not_found": N_("Dieses Mitglied oder diese Einladung gibt es nicht mehr."),
    "members.error.generic": N_("Das hat leider nicht geklappt. Bitte versuchen Sie es erneut."),
    "members.error.email_malformed": N_(
        "Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@beispiel.de."
    ),
    "members.error.role_unknown": N_("Bitte wählen Sie die Rolle: Administrator/in oder Mitglied."),
    "members.error.client_unknown": N_("Einen dieser Online-Dienste gibt es nicht mehr."),
    "members.error.invitation_other_email": N_(
        "Diese Einladung gilt für eine andere E-Mail-Adresse als die Ihres ServiceKontos. "
        "Melden Sie sich ab und mit dem Konto an, an dessen E-Mail-Adresse die Einladung ging, "
        "oder bitten Sie um eine Einladung an Ihre Adresse."
    ),
    "members.error.already_member_self": N_("Sie gehören dieser Organisation bereits an."),
    "members.event.member_added": N_("Mitglied aufgenommen"),
    "members.event.member_invited": N_("Einladung gesendet"),
    "members.event.invitation_withdrawn": N_("Einladung zurückgezogen"),
    "members.event.invitation_accepted": N_("Einladung angenommen"),
    "members.event.member_role_changed": N_("Rolle geändert"),
    "members.event.member_permissions_changed": N_("Online-Dienste geändert"),
    "members.event.member_removed": N_("Mitglied entfernt"),
    "members.event.member_left": N_("Hat die Organisation verlassen"),
    # The administration admin's page (web/routes/administration.py)
    "staff.role.registration_officer": N_("Sachbearbeitung Registrierung"),
    "staff.role.registration_supervisor": N_("Leitung Registrierung"),
    "staff.role.letter_dispatch": N_("Briefversand"),
    "staff.role.administration_admin": N_("Administration der Verwaltung"),
    "staffadmin.notice.added": N_("Die Rolle ist vergeben."),
    "staffadmin.notice.unchanged": N_("Diese Person hatte die Rolle bereits."),
    "staffadmin.notice.removed": N_(
        "Die Rolle ist entzogen. Das gilt ab der nächsten Anfrage dieser Person."
    ),
    "staffadmin.notice.four_eyes_on": N_(
        "Das Vier-Augen-Prinzip ist eingeschaltet: Genehmigungen brauchen zwei verschiedene "
        "Personen."
    ),
    "staffadmin.notice.four_eyes_off": N_("Das Vier-Augen-Prinzip ist ausgeschaltet."),
    "staffadmin.error.email_malformed": N_(
        "Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@beispiel.de."
    ),
    "staffadmin.error.role_unknown": N_("Bitte wählen Sie eine der Rollen aus der Liste."),
    "staffadmin.error.own_admin_role": N_(
        "Ihre eigene Rolle „Administration der Verwaltung“ können Sie nicht entziehen, sonst "
        "könnte niemand mehr die Beschäftigten Ihrer Verwaltung verwalten. Bitten Sie eine andere "
        "Administratorin oder einen anderen Administrator darum."
    ),
    "staffadmin.error.not_found": N_("Diese Rolle hat die Person in Ihrer Verwaltung nicht."),
    "staffadmin.second_factor.text": N_(
        "Die Verwaltung der Beschäftigten ist nur mit zweitem Faktor möglich: Bitte bestätigen "
        "Sie Ihre Anmeldung mit dem Code aus Ihrer Authenticator-App."
    ),
    "staffadmin.second_factor.enrol_text": N_(
        "Die Verwaltung der Beschäftigten ist nur mit zweitem Faktor möglich. Bitte richten Sie "
        "zuerst eine Authenticator-App ein."
    ),
    "staffadmin.unbound.text": N_(
        "Die Verwaltung der Beschäftigten ist nur mit einem bestätigten zweiten Faktor möglich. "
        "Ihre Authenticator-App ist noch nicht bestätigt. Melden Sie sich mit Ihrem "
        "Online-Ausweis an und bestätigen Sie die App unter „Anmeldemittel“, oder wenden Sie "
        "sich an den Betrieb."
    ),
    "safe.notice.uploaded": N_("Das Dokument wurde geprüft und im Safe abgelegt."),
    "safe.notice.copied": N_("Eine Kopie liegt jetzt in Ihrem Dokumentensafe."),
    "safe.notice.deleted": N_("Das Dokument wurde gelöscht."),
    "safe.notice.shared": N_(
        "Das Dokument ist freigegeben. Der Online-Dienst kann es einmal abrufen."
    ),
    "safe.notice.revoked": N_("Die Freigabe wurde widerrufen."),
    "safe.notice.moved": N_("Das Dokument wurde verschoben."),
    "safe.error.safe_full": N_(
        "Ihr Dokumentensafe ist voll: Von %(quota_mb)s MB sind nur noch %(free_mb)s MB frei, "
        "das Dokument ist größer. Es wurde nichts gespeichert. Löschen Sie Dokumente, die Sie "
        "nicht mehr brauchen, und versuchen Sie es dann erneut."
    ),
    "safe.error.invalid_folder": N_(
        "Der Ordnername darf höchstens 60 Zeichen lang sein und nur Buchstaben, Ziffern, "
        "Leerzeichen und die Zeichen . , ( ) & + - enthalten."
    ),
    "safe.error.no_file": N_("Bitte wählen Sie eine Datei aus."),
    "safe.error.client_not_consented": N_(
        "Bitte wählen Sie einen Online-Dienst, dem Sie eine Einwilligung erteilt haben."
    ),
    "safe.error.invalid_application_id": N_(
        "Bitte geben Sie die Antragsnummer an: bis zu 100 Zeichen aus Buchstaben, Ziffern und "
        "den Zeichen . _ : / -, ohne Leerzeichen."
    ),
}
