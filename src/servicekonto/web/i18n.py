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
    "login.eid_hint": "Die Anmeldung mit dem Online-Ausweis steht in Kürze zur Verfügung.",
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
    "scope.offline_access": "Permanente Authentifikation",
    "scope.postfach": "Nachrichten und Bescheide in Ihr Postfach zustellen",
    "scope.safe": "Dokumente in Ihrem Dokumentensafe ablegen",
    # account
    "account.title": "Mein Konto",
    "account.signed_in_as": "Sie sind angemeldet als {email}.",
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
    "account.logout": "Abmelden",
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
    "login.eid_hint": (
        "Logging in with your German ID card (Online-Ausweis) will be available soon."
    ),
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
    "scope.offline_access": "Permanent authentication",
    "scope.postfach": "Deliver messages and notices to your mailbox",
    "scope.safe": "Store documents in your document safe",
    # account
    "account.title": "My account",
    "account.signed_in_as": "You are logged in as {email}.",
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
    "account.logout": "Log out",
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
    "error.what_now": "What can you do?",
    "error.advice": "Go back to the portal you came from and start the process there again.",
    "error.status": "Error code",
    "error.request_id": "Reference number",
    "error.request_id_hint": "If you contact support, please quote this reference number.",
    "error.back": "Go to the start page",
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
