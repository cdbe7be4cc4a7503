"""Every table, imported by name: Alembic's env.py and the tests use this module's metadata."""

from sqlmodel import SQLModel

from coop.audit.models import AuditEntry
from coop.auth.models import Invitation, LoginAttempt, LoginSession, PasswordReset, Person
from coop.caregivers.models import AvailabilityException, AvailabilityWindow, CaregiverProfile
from coop.cooperatives.models import Cooperative, Site, SiteHours
from coop.members.models import Child, Household, Membership, PickupPerson

metadata = SQLModel.metadata

__all__ = [
    "AuditEntry", "AvailabilityException", "AvailabilityWindow", "CaregiverProfile", "Child",
    "Cooperative", "Household", "Invitation", "LoginAttempt", "LoginSession", "Membership",
    "PasswordReset", "Person", "PickupPerson", "Site", "SiteHours", "metadata",
]
