"""The protocol layer's collaborators, built once by the composition root and passed in: the
app's context (`http.context.AppContext`) with the signing keys and pairwise subjects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from servicekonto.http.context import AppContext, context_of
from servicekonto.oidc.keystore import KeyStore
from servicekonto.oidc.pairwise import SubjectIds
from servicekonto.postfach.recipients import OrganisationSubjectIds


@dataclass
class Provider(AppContext):
    keys: KeyStore
    subjects: SubjectIds
    #: Pairwise organisation ids (the `organization` claim, the Postfach's recipient).
    organisation_subjects: OrganisationSubjectIds


def provider_of(request: Request) -> Provider:
    """The app's context as the protocol layer's provider (`app.create_app` builds one)."""
    provider = context_of(request)
    if not isinstance(provider, Provider):
        raise TypeError("create_app puts a Provider on app.state")
    return provider


async def _provider(request: Request) -> Provider:  # on the loop: no thread-pool hop
    return provider_of(request)


ProviderDep = Annotated[Provider, Depends(_provider)]
