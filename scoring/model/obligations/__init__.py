"""What the rules require of each use case (issue 27): regulatory profiles as data, each
proposal's determination and obligation status under every enabled regime, a compliance
state and the regulatory clock."""

from scoring.model.obligations.context import default_context, make_context
from scoring.model.obligations.flags import obligation_flags
from scoring.model.obligations.profiles import (
    DEFAULT_PROFILE,
    Condition,
    Evidence,
    Extension,
    Obligation,
    Outcome,
    Profile,
    ProfileError,
    builtin_ids,
    load_profile,
    load_profiles,
)
from scoring.model.obligations.status import (
    COMPLIANCE_STATES,
    STATE_LABELS,
    STATE_MEANINGS,
    STATUS_LABELS,
    STATUSES,
    ClockEntry,
    ComplianceContext,
    Determination,
    ObligationStatus,
    RegimeCompliance,
    Waivers,
    assess,
    assess_regime,
    worst_state,
)

__all__ = [
    "COMPLIANCE_STATES",
    "DEFAULT_PROFILE",
    "STATE_LABELS",
    "STATE_MEANINGS",
    "STATUSES",
    "STATUS_LABELS",
    "ClockEntry",
    "ComplianceContext",
    "Condition",
    "Determination",
    "Evidence",
    "Extension",
    "Obligation",
    "ObligationStatus",
    "Outcome",
    "Profile",
    "ProfileError",
    "RegimeCompliance",
    "Waivers",
    "assess",
    "assess_regime",
    "builtin_ids",
    "default_context",
    "load_profile",
    "load_profiles",
    "make_context",
    "obligation_flags",
    "worst_state",
]
