"""Every table, imported by name: Alembic's env.py and the tests use this module's metadata."""

from sqlmodel import SQLModel

from coop.audit.models import AuditEntry
from coop.auth.models import Invitation, LoginAttempt, LoginSession, PasswordReset, Person
from coop.bookings.models import Booking, BookingRules, CalendarFeed
from coop.caregivers.models import AvailabilityException, AvailabilityWindow, CaregiverProfile
from coop.cheques.models import (
    ChequeCard,
    ChequeDispute,
    ChequeLot,
    ChequeMovement,
    ChequeRedemption,
    ChequeScheme,
    ChequeService,
    Provider,
    ProviderService,
    ProviderUser,
)
from coop.cooperatives.models import Cooperative, Site, SiteHours
from coop.credits.models import CreditEntry, CreditSettings, CreditTransaction, PledgeChange, PledgeScaleBand
from coop.governance.models import GovernanceRules, Proposal, SettingChange, Vote
from coop.members.models import Child, Household, Membership, PickupPerson
from coop.outbox.models import OutboxMessage
from coop.rosters.models import (
    Roster,
    RosterAssignment,
    RosterFeed,
    RosterRules,
    RosterShift,
    ShiftSwap,
    ShiftTemplate,
    SolveRun,
)

metadata = SQLModel.metadata

__all__ = [
    "ChequeCard", "ChequeDispute", "ChequeLot", "ChequeMovement", "ChequeRedemption", "ChequeScheme", "ChequeService",
    "CreditEntry", "CreditSettings", "CreditTransaction", "PledgeChange", "PledgeScaleBand",
    "Provider", "ProviderService", "ProviderUser",
    "AuditEntry", "AvailabilityException", "AvailabilityWindow", "Booking", "BookingRules", "CalendarFeed",
    "CaregiverProfile", "Child",
    "Cooperative", "Household", "Invitation", "LoginAttempt", "LoginSession", "Membership",
    "GovernanceRules", "Proposal", "SettingChange", "Vote",
    "OutboxMessage", "PasswordReset", "Person", "PickupPerson", "Roster", "RosterAssignment", "RosterFeed",
    "RosterRules", "RosterShift", "ShiftSwap", "ShiftTemplate", "Site", "SiteHours", "SolveRun", "metadata",
]
