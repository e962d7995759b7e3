# ruff: noqa: E501  (the generated text table below keeps one text per line)
"""The page text of an upload refusal (`uploads/errors.py`) in the page's language.

A page shows `upload_error_message(locale, error)`: the text of `upload.error.<code>`, with the
file named as the person knows it („Satzung.pdf“), by its position when its name was the problem
("Datei 2"), and the limits filled in. Templates escape it like any text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from servicekonto.uploads.errors import UploadRefused

# Generated from the pre-catalog web/i18n.py: the upload refusals' texts, German and English.
# They still use str.format placeholders; moving them into the gettext catalogs is open work
# (README, Languages).
UPLOAD_TEXTS: Final[Mapping[str, Mapping[str, str]]] = {
    'de': {
        'upload.file.named': '„{name}“',
        'upload.file.numbered': 'Datei {number}',
        'upload.file.unnamed': 'Datei',
        'upload.error.upload_refused': '{file}: Die Datei wurde nicht angenommen.',
        'upload.error.too_many_files': 'Sie können höchstens {max_files} Dateien auf einmal hochladen. Es wurde nichts gespeichert; bitte wählen Sie weniger Dateien aus.',
        'upload.error.file_name_missing': '{file}: Die Datei hat keinen Namen. Bitte geben Sie ihr einen Namen und laden Sie sie erneut hoch.',
        'upload.error.file_name_path': '{file}: Der Dateiname enthält einen Schrägstrich („/“ oder „\\“) und sieht damit wie ein Pfad aus. Bitte benennen Sie die Datei um.',
        'upload.error.file_name_control': '{file}: Der Dateiname enthält unzulässige Steuerzeichen (etwa ein Nullzeichen oder Zeichen, die die Schreibrichtung umkehren). Bitte benennen Sie die Datei um.',
        'upload.error.file_name_too_long': '{file}: Der Dateiname ist länger als {max_chars} Zeichen. Bitte wählen Sie einen kürzeren Namen.',
        'upload.error.file_empty': '{file}: Die Datei ist leer.',
        'upload.error.file_too_large': '{file}: Die Datei ist größer als {max_mb} MB. Bitte laden Sie eine kleinere Datei hoch, zum Beispiel einen Scan mit geringerer Auflösung.',
        'upload.error.file_type_not_allowed': '{file}: Dieses Dateiformat ist nicht erlaubt. Erlaubt sind PDF-Dateien (.pdf) und Bilder im Format PNG (.png) oder JPEG (.jpg, .jpeg).',
        'upload.error.file_content_unknown': '{file}: Der Inhalt ist weder ein PDF noch ein PNG- oder JPEG-Bild. Bitte speichern Sie das Dokument als PDF oder als Bild und laden Sie es erneut hoch.',
        'upload.error.file_extension_mismatch': '{file}: Die Dateiendung „.{extension}“ passt nicht zum Inhalt, denn die Datei ist ein {detected}. Bitte korrigieren Sie die Endung oder wählen Sie die richtige Datei.',
        'upload.error.file_content_type_mismatch': '{file}: Der angegebene Dateityp passt nicht zum Inhalt, denn die Datei ist ein {detected}. Bitte wählen Sie die richtige Datei.',
        'upload.error.file_extra_data': '{file}: Vor dem Anfang oder nach dem Ende des {detected}-Inhalts stehen weitere Daten, etwa eine angehängte zweite Datei. Solche Dateien nehmen wir aus Sicherheitsgründen nicht an. Bitte speichern oder exportieren Sie das Dokument neu.',
        'upload.error.file_polyglot': '{file}: Die Datei ist ein {detected}, enthält aber zusätzlich Inhalte im Format {other}. Solche Dateien nehmen wir aus Sicherheitsgründen nicht an. Bitte speichern Sie das Dokument neu.',
        'upload.error.file_truncated': '{file}: Die Datei ist unvollständig; vermutlich wurde das Speichern oder Hochladen abgebrochen. Bitte laden Sie sie erneut hoch.',
        'upload.error.file_unreadable': '{file}: Die Datei ist beschädigt und kann nicht gelesen werden. Bitte speichern Sie das Dokument neu und laden Sie es erneut hoch.',
        'upload.error.image_too_many_pixels': '{file}: Das Bild hat mehr als {max_megapixels} Millionen Bildpunkte. Bitte verkleinern Sie es oder scannen Sie mit geringerer Auflösung.',
        'upload.error.pdf_encrypted': '{file}: Das PDF ist verschlüsselt oder mit einem Passwort geschützt. Bitte laden Sie das Dokument ohne Passwortschutz hoch.',
        'upload.error.pdf_javascript': '{file}: Das PDF enthält JavaScript. PDFs mit Programmcode nehmen wir aus Sicherheitsgründen nicht an. Drucken Sie das Dokument über „Als PDF drucken“ in ein neues PDF und laden Sie dieses hoch.',
        'upload.error.pdf_launch': '{file}: Das PDF enthält eine Aktion, die ein Programm startet. Solche PDFs nehmen wir aus Sicherheitsgründen nicht an. Drucken Sie das Dokument über „Als PDF drucken“ in ein neues PDF und laden Sie dieses hoch.',
        'upload.error.pdf_embedded_file': '{file}: Das PDF enthält eingebettete Dateien (Anhänge). Bitte laden Sie jedes Dokument als eigene Datei hoch.',
        'upload.error.pdf_open_action': '{file}: Das PDF führt beim Öffnen automatisch eine Aktion aus. Solche PDFs nehmen wir aus Sicherheitsgründen nicht an. Drucken Sie das Dokument über „Als PDF drucken“ in ein neues PDF und laden Sie dieses hoch.',
        'upload.error.pdf_additional_actions': '{file}: Das PDF enthält Aktionen, die beim Anzeigen einer Seite oder beim Ausfüllen ausgelöst werden. Solche PDFs nehmen wir aus Sicherheitsgründen nicht an. Drucken Sie das Dokument über „Als PDF drucken“ in ein neues PDF und laden Sie dieses hoch.',
        'upload.error.pdf_active_content': '{file}: Das PDF enthält aktive Inhalte ({feature}), etwa ein Formular, das Daten versendet, oder Verweise in andere Dateien. Drucken Sie das Dokument über „Als PDF drucken“ in ein neues PDF und laden Sie dieses hoch.',
        'upload.error.file_infected': '{file}: Die Virenprüfung hat Schadsoftware gefunden ({signature}). Die Datei wurde nicht gespeichert. Bitte prüfen Sie Ihr Gerät mit einem aktuellen Virenschutzprogramm.',
        'upload.error.scan_failed': '{file}: Die Datei konnte nicht auf Schadsoftware geprüft werden und wurde deshalb nicht angenommen. Bitte versuchen Sie es mit einer kleineren Datei.',
        'upload.error.scan_unavailable': 'Die Virenprüfung für hochgeladene Dateien ist gerade nicht verfügbar. Deshalb können wir im Moment keine Dateien annehmen; es wurde nichts gespeichert. Bitte versuchen Sie es später erneut.',
    },
    'en': {
        'upload.file.named': '“{name}”',
        'upload.file.numbered': 'File {number}',
        'upload.file.unnamed': 'File',
        'upload.error.upload_refused': '{file}: The file was not accepted.',
        'upload.error.too_many_files': 'You can upload at most {max_files} files at once. Nothing was saved; please choose fewer files.',
        'upload.error.file_name_missing': '{file}: The file has no name. Please name it and try again.',
        'upload.error.file_name_path': '{file}: The file name contains a slash (“/” or “\\”) and looks like a path. Please rename the file.',
        'upload.error.file_name_control': '{file}: The file name contains control characters (such as a null character or characters that reverse the writing direction). Please rename the file.',
        'upload.error.file_name_too_long': '{file}: The file name is longer than {max_chars} characters. Please choose a shorter one.',
        'upload.error.file_empty': '{file}: The file is empty.',
        'upload.error.file_too_large': '{file}: The file is larger than {max_mb} MB. Please upload a smaller file, for example a scan at a lower resolution.',
        'upload.error.file_type_not_allowed': '{file}: This file format is not allowed. Allowed are PDF files (.pdf) and PNG (.png) or JPEG (.jpg, .jpeg) images.',
        'upload.error.file_content_unknown': '{file}: The content is neither a PDF nor a PNG or JPEG image. Please save the document as a PDF or an image and upload it again.',
        'upload.error.file_extension_mismatch': '{file}: The extension “.{extension}” does not match the content, which is a {detected}. Please correct the extension or choose the right file.',
        'upload.error.file_content_type_mismatch': '{file}: The declared file type does not match the content, which is a {detected}. Please choose the right file.',
        'upload.error.file_extra_data': '{file}: There is more data before the start or after the end of the {detected} content, such as a second file appended to it. For security reasons we do not accept such files. Please save or export the document again.',
        'upload.error.file_polyglot': '{file}: The file is a {detected} but also contains {other} content. For security reasons we do not accept such files. Please save the document again.',
        'upload.error.file_truncated': '{file}: The file is incomplete; saving or uploading it was probably interrupted. Please upload it again.',
        'upload.error.file_unreadable': '{file}: The file is damaged and cannot be read. Please save the document again and upload it again.',
        'upload.error.image_too_many_pixels': '{file}: The image has more than {max_megapixels} million pixels. Please make it smaller or scan at a lower resolution.',
        'upload.error.pdf_encrypted': '{file}: The PDF is encrypted or password-protected. Please upload it without a password.',
        'upload.error.pdf_javascript': '{file}: The PDF contains JavaScript, which we do not accept for security reasons. Use “Print to PDF” to make a new PDF of the document and upload that.',
        'upload.error.pdf_launch': '{file}: The PDF contains an action that starts a program, which we do not accept for security reasons. Use “Print to PDF” to make a new PDF and upload that.',
        'upload.error.pdf_embedded_file': '{file}: The PDF contains embedded files (attachments). Please upload every document as a file of its own.',
        'upload.error.pdf_open_action': '{file}: The PDF runs an action when it is opened, which we do not accept for security reasons. Use “Print to PDF” to make a new PDF and upload that.',
        'upload.error.pdf_additional_actions': '{file}: The PDF contains actions triggered when a page is shown or a form is filled in, which we do not accept for security reasons. Use “Print to PDF” to make a new PDF.',
        'upload.error.pdf_active_content': '{file}: The PDF contains active content ({feature}), such as a form that sends data or links into other files. Use “Print to PDF” to make a new PDF and upload that.',
        'upload.error.file_infected': '{file}: The malware scan found malicious software ({signature}). The file was not saved. Please check your device with an up-to-date virus scanner.',
        'upload.error.scan_failed': '{file}: The file could not be checked for malware and was therefore not accepted. Please try a smaller file.',
        'upload.error.scan_unavailable': 'The malware scan for uploaded files is not available right now, so we cannot accept files at the moment; nothing was saved. Please try again later.',
    },
}


def _text(locale: str, key: str, **params: object) -> str:
    """`key` in `locale` (its language part), else German; placeholders filled."""
    texts = UPLOAD_TEXTS.get(locale.split("-")[0].split("_")[0], UPLOAD_TEXTS["de"])
    text = texts.get(key) or UPLOAD_TEXTS["de"].get(key, key)
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text


def upload_error_message(locale: str, error: UploadRefused) -> str:
    if error.display_name:
        file = _text(locale, "upload.file.named", name=error.display_name)
    elif error.index is not None:
        file = _text(locale, "upload.file.numbered", number=error.index)
    else:
        file = _text(locale, "upload.file.unnamed")
    return _text(locale, error.message_key, file=file, **error.params)
