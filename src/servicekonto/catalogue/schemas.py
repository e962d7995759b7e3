"""A catalogue entry at the edges (CLI, admin API): validated input, the view that goes out."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

Level = Literal["low", "substantial", "high"]
#: A LeiKa key (Leistungsschlüssel of the Leistungskatalog, FIM): 14 digits.
_LEIKA = re.compile(r"\d{14}")


class ServiceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: The slug of the responsible administration (a Kreis or a Verbandsgemeinde).
    administration: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=9, max_length=2000)
    min_level: Level = "substantial"
    leika: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        name = " ".join(value.split())
        if not name:
            raise ValueError("the name is empty")
        return name

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname or "@" in parts.netloc:
            raise ValueError("the link must be an absolute https URL without user information")
        if any(ch.isspace() for ch in value):
            raise ValueError("the link must not contain whitespace")
        return value

    @field_validator("leika")
    @classmethod
    def _leika(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not _LEIKA.fullmatch(value):
            raise ValueError("a LeiKa key has 14 digits")
        return value


class ServiceView(BaseModel):
    id: str
    name: str
    url: str
    min_level: str
    leika: str | None
    administration: str
    administration_name: str
    #: kreis | verbandsgemeinde | …
    administration_kind: str
