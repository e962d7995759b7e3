"""All ORM models, imported here so the one metadata knows every table (alembic autogenerate)."""

from servicekonto.db.models.account import Account, AccountAttribute
from servicekonto.db.models.administration import Administration
from servicekonto.db.models.audit import AuditEvent, AuditHead
from servicekonto.db.models.blob import Blob
from servicekonto.db.models.catalogue import CatalogueService, Favourite
from servicekonto.db.models.client import Client, ClientAssertionJti
from servicekonto.db.models.grant import (
    Authorization,
    AuthorizationCode,
    Consent,
    RefreshToken,
    RevokedAccessToken,
)
from servicekonto.db.models.identity import EmailToken, IdentityEvidence
from servicekonto.db.models.interaction import PendingAuthorization
from servicekonto.db.models.key import StoredSigningKey
from servicekonto.db.models.letter import Letter
from servicekonto.db.models.means import EidTransaction, LoginMeans, RecoveryCode
from servicekonto.db.models.organisation import (
    MemberClientPermission,
    Organisation,
    OrganisationDecision,
    OrganisationDocument,
    OrganisationInvitation,
    OrganisationMember,
    OrganisationNote,
)
from servicekonto.db.models.outbox import OutboxMessage
from servicekonto.db.models.postfach import (
    ApplicationStatus,
    ClientOrganisationSubject,
    PostfachAttachment,
    PostfachMessage,
    PostfachMessageRead,
    PostfachReader,
    PostfachWebhook,
)
from servicekonto.db.models.safe import SafeDocument, SafeShare, SafeUsage
from servicekonto.db.models.session import BrowserSession, SessionClient
from servicekonto.db.models.staff import StaffRole
from servicekonto.db.models.subject import ClientSubject

__all__ = [
    "Account",
    "AccountAttribute",
    "Administration",
    "ApplicationStatus",
    "AuditEvent",
    "AuditHead",
    "Authorization",
    "AuthorizationCode",
    "Blob",
    "BrowserSession",
    "CatalogueService",
    "Client",
    "ClientAssertionJti",
    "ClientOrganisationSubject",
    "ClientSubject",
    "Consent",
    "EidTransaction",
    "EmailToken",
    "Favourite",
    "IdentityEvidence",
    "Letter",
    "LoginMeans",
    "MemberClientPermission",
    "Organisation",
    "OrganisationDecision",
    "OrganisationDocument",
    "OrganisationInvitation",
    "OrganisationMember",
    "OrganisationNote",
    "OutboxMessage",
    "PendingAuthorization",
    "PostfachAttachment",
    "PostfachMessage",
    "PostfachMessageRead",
    "PostfachReader",
    "PostfachWebhook",
    "RecoveryCode",
    "RefreshToken",
    "RevokedAccessToken",
    "SafeDocument",
    "SafeShare",
    "SafeUsage",
    "SessionClient",
    "StaffRole",
    "StoredSigningKey",
]
