"""Why an upload is refused: one error class per reason, each with a stable `code`.

`description` is ASCII English for the API (problem+json); it names the file by its position in
the request ("file 2"), never by its name, which may hold any character. People read German:
the page text of each code is `upload.error.<code>` in `web/upload_messages.py` (gettext
catalogs), filled with `params` and the file's display name (DESIGN §6 #2: German text lives in
the web layer). Every refusal means nothing of the request was stored (`intake.py`).
"""

from __future__ import annotations

from servicekonto.errors import InvalidInput


class UploadRefused(InvalidInput):
    """Base of every refusal. `index` is the file's position in the request (1-based; None for
    a refusal of the whole request), `display_name` its checked name when it has one."""

    code = "upload_refused"
    #: The English description; `{file}` becomes "file N", the rest comes from `params`.
    english = "{file}: refused"

    def __init__(
        self,
        *,
        index: int | None = None,
        display_name: str | None = None,
        **params: str | int,
    ) -> None:
        self.index = index
        self.display_name = display_name
        self.params: dict[str, str | int] = dict(params)
        label = f"file {index}" if index is not None else "upload"
        # ASCII whatever a parameter brings (a scanner's signature name, say).
        english = self.english.format(file=label, **params)
        super().__init__(english.encode("ascii", "replace").decode("ascii"))

    @property
    def message_key(self) -> str:
        """The i18n key of the German (and English) page text."""
        return f"upload.error.{self.code}"


# -- the request ------------------------------------------------------------------------------


class TooManyFiles(UploadRefused):
    status = 413
    code = "too_many_files"
    english = "{file}: at most {max_files} files per request"


# -- the name -------------------------------------------------------------------------------


class FileNameMissing(UploadRefused):
    code = "file_name_missing"
    english = "{file}: the file name is empty"


class FileNamePath(UploadRefused):
    code = "file_name_path"
    english = "{file}: the file name contains a path separator"


class FileNameControl(UploadRefused):
    code = "file_name_control"
    english = "{file}: the file name contains NUL, control or direction characters"


class FileNameTooLong(UploadRefused):
    code = "file_name_too_long"
    english = "{file}: the file name is longer than {max_chars} characters"


# -- size and type --------------------------------------------------------------------------


class FileEmpty(UploadRefused):
    code = "file_empty"
    english = "{file}: the file is empty"


class FileTooLarge(UploadRefused):
    status = 413
    code = "file_too_large"
    english = "{file}: larger than {max_mb} MB"


class FileTypeNotAllowed(UploadRefused):
    """The name's extension is none of pdf, png, jpg, jpeg."""

    status = 415
    code = "file_type_not_allowed"
    english = "{file}: only .pdf, .png, .jpg and .jpeg files are accepted"


class FileContentUnknown(UploadRefused):
    """The bytes are not PDF, PNG or JPEG by their magic bytes."""

    status = 415
    code = "file_content_unknown"
    english = "{file}: the content is not PDF, PNG or JPEG"


class FileExtensionMismatch(UploadRefused):
    status = 415
    code = "file_extension_mismatch"
    english = "{file}: the extension .{extension} does not match the content ({detected})"


class FileContentTypeMismatch(UploadRefused):
    status = 415
    code = "file_content_type_mismatch"
    english = "{file}: declared content type does not match the content ({detected})"


# -- structure --------------------------------------------------------------------------------


class FileExtraData(UploadRefused):
    """Bytes before the start or after the end of the format (an appended second file)."""

    code = "file_extra_data"
    english = "{file}: data before the start or after the end of the {detected} content"


class FilePolyglot(UploadRefused):
    """The bytes also carry another format's signature (e.g. a PDF header in a JPEG)."""

    code = "file_polyglot"
    english = "{file}: the {detected} file also contains {other} content"


class FileTruncated(UploadRefused):
    code = "file_truncated"
    english = "{file}: the {detected} file is incomplete"


class FileUnreadable(UploadRefused):
    code = "file_unreadable"
    english = "{file}: the {detected} file is damaged and cannot be read"


class ImageTooManyPixels(UploadRefused):
    code = "image_too_many_pixels"
    english = "{file}: the image has more than {max_megapixels} million pixels"


# -- PDF content ------------------------------------------------------------------------------


class PdfEncrypted(UploadRefused):
    code = "pdf_encrypted"
    english = "{file}: encrypted or password-protected PDFs are not accepted"


class PdfJavaScript(UploadRefused):
    code = "pdf_javascript"
    english = "{file}: the PDF contains JavaScript"


class PdfLaunch(UploadRefused):
    code = "pdf_launch"
    english = "{file}: the PDF contains an action that starts a program (Launch)"


class PdfEmbeddedFile(UploadRefused):
    code = "pdf_embedded_file"
    english = "{file}: the PDF contains embedded files"


class PdfOpenAction(UploadRefused):
    code = "pdf_open_action"
    english = "{file}: the PDF runs an action when opened (OpenAction)"


class PdfAdditionalActions(UploadRefused):
    code = "pdf_additional_actions"
    english = "{file}: the PDF contains additional actions (AA)"


class PdfActiveContent(UploadRefused):
    """XFA forms, rich media, form submission, data import, links into other files."""

    code = "pdf_active_content"
    english = "{file}: the PDF contains active content ({feature})"


# -- malware scan -----------------------------------------------------------------------------


class FileInfected(UploadRefused):
    code = "file_infected"
    english = "{file}: the malware scan found {signature}"


class ScanFailed(UploadRefused):
    """The scanner answered but could not scan this file (e.g. over its stream limit)."""

    code = "scan_failed"
    english = "{file}: the malware scan could not check this file"


class ScanUnavailable(UploadRefused):
    """No scanner configured or reachable, and the operator requires the scan."""

    status = 503
    code = "scan_unavailable"
    english = "{file}: the malware scan is not available, try again later"


#: Every refusal, for the message catalogue's completeness test and the API documentation.
ALL: tuple[type[UploadRefused], ...] = (
    TooManyFiles,
    FileNameMissing,
    FileNamePath,
    FileNameControl,
    FileNameTooLong,
    FileEmpty,
    FileTooLarge,
    FileTypeNotAllowed,
    FileContentUnknown,
    FileExtensionMismatch,
    FileContentTypeMismatch,
    FileExtraData,
    FilePolyglot,
    FileTruncated,
    FileUnreadable,
    ImageTooManyPixels,
    PdfEncrypted,
    PdfJavaScript,
    PdfLaunch,
    PdfEmbeddedFile,
    PdfOpenAction,
    PdfAdditionalActions,
    PdfActiveContent,
    FileInfected,
    ScanFailed,
    ScanUnavailable,
)
