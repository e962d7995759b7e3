"""The page text of an upload refusal (`uploads/errors.py`) in the page's language.

A page shows `upload_error_message(language, error)`: the text of `upload.error.<code>` from the
gettext catalogs (the German source texts are marked here, like `texts.py`), with the file named
as the person knows it („Satzung.pdf“), by its position when its name was the problem
("Datei 2"), and the limits filled in (`%(name)s` placeholders from the refusal's `params`).
Templates escape it like any text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from servicekonto.uploads.errors import UploadRefused
from servicekonto.web.i18n import N_, Language, Text, packaged

UPLOAD_TEXTS: Final[Mapping[str, Text]] = {
    "upload.file.named": N_("„%(name)s“"),
    "upload.file.numbered": N_("Datei %(number)s"),
    "upload.file.unnamed": N_("Datei"),
    "upload.error.upload_refused": N_("%(file)s: Die Datei wurde nicht angenommen."),
    "upload.error.too_many_files": N_(
        "Sie können höchstens %(max_files)s Dateien auf einmal hochladen. Es wurde nichts "
        "gespeichert; bitte wählen Sie weniger Dateien aus."
    ),
    "upload.error.file_name_missing": N_(
        "%(file)s: Die Datei hat keinen Namen. Bitte geben Sie ihr einen Namen und laden Sie "
        "sie erneut hoch."
    ),
    "upload.error.file_name_path": N_(
        "%(file)s: Der Dateiname enthält einen Schrägstrich („/“ oder „\\“) und sieht damit "
        "wie ein Pfad aus. Bitte benennen Sie die Datei um."
    ),
    "upload.error.file_name_control": N_(
        "%(file)s: Der Dateiname enthält unzulässige Steuerzeichen (etwa ein Nullzeichen oder "
        "Zeichen, die die Schreibrichtung umkehren). Bitte benennen Sie die Datei um."
    ),
    "upload.error.file_name_too_long": N_(
        "%(file)s: Der Dateiname ist länger als %(max_chars)s Zeichen. Bitte wählen Sie einen "
        "kürzeren Namen."
    ),
    "upload.error.file_empty": N_("%(file)s: Die Datei ist leer."),
    "upload.error.file_too_large": N_(
        "%(file)s: Die Datei ist größer als %(max_mb)s MB. Bitte laden Sie eine kleinere Datei "
        "hoch, zum Beispiel einen Scan mit geringerer Auflösung."
    ),
    "upload.error.file_type_not_allowed": N_(
        "%(file)s: Dieses Dateiformat ist nicht erlaubt. Erlaubt sind PDF-Dateien (.pdf) und "
        "Bilder im Format PNG (.png) oder JPEG (.jpg, .jpeg)."
    ),
    "upload.error.file_content_unknown": N_(
        "%(file)s: Der Inhalt ist weder ein PDF noch ein PNG- oder JPEG-Bild. Bitte speichern "
        "Sie das Dokument als PDF oder als Bild und laden Sie es erneut hoch."
    ),
    "upload.error.file_extension_mismatch": N_(
        "%(file)s: Die Dateiendung „.%(extension)s“ passt nicht zum Inhalt, denn die Datei ist "
        "ein %(detected)s. Bitte korrigieren Sie die Endung oder wählen Sie die richtige "
        "Datei."
    ),
    "upload.error.file_content_type_mismatch": N_(
        "%(file)s: Der angegebene Dateityp passt nicht zum Inhalt, denn die Datei ist ein "
        "%(detected)s. Bitte wählen Sie die richtige Datei."
    ),
    "upload.error.file_extra_data": N_(
        "%(file)s: Vor dem Anfang oder nach dem Ende des %(detected)s-Inhalts stehen weitere "
        "Daten, etwa eine angehängte zweite Datei. Solche Dateien nehmen wir aus "
        "Sicherheitsgründen nicht an. Bitte speichern oder exportieren Sie das Dokument neu."
    ),
    "upload.error.file_polyglot": N_(
        "%(file)s: Die Datei ist ein %(detected)s, enthält aber zusätzlich Inhalte im Format "
        "%(other)s. Solche Dateien nehmen wir aus Sicherheitsgründen nicht an. Bitte speichern "
        "Sie das Dokument neu."
    ),
    "upload.error.file_truncated": N_(
        "%(file)s: Die Datei ist unvollständig; vermutlich wurde das Speichern oder Hochladen "
        "abgebrochen. Bitte laden Sie sie erneut hoch."
    ),
    "upload.error.file_unreadable": N_(
        "%(file)s: Die Datei ist beschädigt und kann nicht gelesen werden. Bitte speichern Sie "
        "das Dokument neu und laden Sie es erneut hoch."
    ),
    "upload.error.image_too_many_pixels": N_(
        "%(file)s: Das Bild hat mehr als %(max_megapixels)s Millionen Bildpunkte. Bitte "
        "verkleinern Sie es oder scannen Sie mit geringerer Auflösung."
    ),
    "upload.error.pdf_encrypted": N_(
        "%(file)s: Das PDF ist verschlüsselt oder mit einem Passwort geschützt. Bitte laden "
        "Sie das Dokument ohne Passwortschutz hoch."
    ),
    "upload.error.pdf_javascript": N_(
        "%(file)s: Das PDF enthält JavaScript. PDFs mit Programmcode nehmen wir aus "
        "Sicherheitsgründen nicht an. Drucken Sie das Dokument über „Als PDF drucken“ in ein "
        "neues PDF und laden Sie dieses hoch."
    ),
    "upload.error.pdf_launch": N_(
        "%(file)s: Das PDF enthält eine Aktion, die ein Programm startet. Solche PDFs nehmen "
        "wir aus Sicherheitsgründen nicht an. Drucken Sie das Dokument über „Als PDF drucken“ "
        "in ein neues PDF und laden Sie dieses hoch."
    ),
    "upload.error.pdf_embedded_file": N_(
        "%(file)s: Das PDF enthält eingebettete Dateien (Anhänge). Bitte laden Sie jedes "
        "Dokument als eigene Datei hoch."
    ),
    "upload.error.pdf_open_action": N_(
        "%(file)s: Das PDF führt beim Öffnen automatisch eine Aktion aus. Solche PDFs nehmen "
        "wir aus Sicherheitsgründen nicht an. Drucken Sie das Dokument über „Als PDF drucken“ "
        "in ein neues PDF und laden Sie dieses hoch."
    ),
    "upload.error.pdf_additional_actions": N_(
        "%(file)s: Das PDF enthält Aktionen, die beim Anzeigen einer Seite oder beim Ausfüllen "
        "ausgelöst werden. Solche PDFs nehmen wir aus Sicherheitsgründen nicht an. Drucken Sie "
        "das Dokument über „Als PDF drucken“ in ein neues PDF und laden Sie dieses hoch."
    ),
    "upload.error.pdf_active_content": N_(
        "%(file)s: Das PDF enthält aktive Inhalte (%(feature)s), etwa ein Formular, das Daten "
        "versendet, oder Verweise in andere Dateien. Drucken Sie das Dokument über „Als PDF "
        "drucken“ in ein neues PDF und laden Sie dieses hoch."
    ),
    "upload.error.file_infected": N_(
        "%(file)s: Die Virenprüfung hat Schadsoftware gefunden (%(signature)s). Die Datei "
        "wurde nicht gespeichert. Bitte prüfen Sie Ihr Gerät mit einem aktuellen "
        "Virenschutzprogramm."
    ),
    "upload.error.scan_failed": N_(
        "%(file)s: Die Datei konnte nicht auf Schadsoftware geprüft werden und wurde deshalb "
        "nicht angenommen. Bitte versuchen Sie es mit einer kleineren Datei."
    ),
    "upload.error.scan_unavailable": N_(
        "Die Virenprüfung für hochgeladene Dateien ist gerade nicht verfügbar. Deshalb können "
        "wir im Moment keine Dateien annehmen; es wurde nichts gespeichert. Bitte versuchen "
        "Sie es später erneut."
    ),
}


class _Params(dict[str, object]):
    """A parameter a refusal lacks shows as nothing rather than failing the page."""

    def __missing__(self, key: str) -> str:
        return ""


def _text(language: Language, key: str, **params: object) -> str:
    item = UPLOAD_TEXTS.get(key, UPLOAD_TEXTS["upload.error.upload_refused"])
    return language.gettext(item.msgid) % _Params(params)


def upload_error_message(language: Language | str, error: UploadRefused) -> str:
    """The refusal's page text in `language` (or the package catalogs' language of that tag)."""
    if isinstance(language, str):
        language = packaged().language(language)
    if error.display_name:
        file = _text(language, "upload.file.named", name=error.display_name)
    elif error.index is not None:
        file = _text(language, "upload.file.numbered", number=error.index)
    else:
        file = _text(language, "upload.file.unnamed")
    return _text(language, error.message_key, **{**error.params, "file": file})
