"""建档立卡: households, their members, incomes, cadres, visits, measures,
monitoring and papers, one module each. Every model names its path to the
village in ``area_scope_path`` so ``restrict(user, action)`` scopes it."""

from .registry import (  # noqa: F401
    CENT,
    DisabilityGrade,
    Education,
    Health,
    Household,
    HouseholdAttribute,
    HouseholdQuerySet,
    HouseholdStatus,
    HousingSafety,
    IdentificationStandard,
    LabourSkill,
    LeaveReason,
    MONEY,
    Member,
    MemberQuerySet,
    PovertyCause,
    Relation,
    SchoolStatus,
    Sex,
    WorkStatus,
    money_field,
)
from .income import (  # noqa: F401
    AnnualStandard,
    INCOME_GROUPS,
    Income,
    PRODUCTION_COST_RATES,
)
from .cadres import (  # noqa: F401
    Assignment,
    Cadre,
    UnitLevel,
    Visit,
)
from .measures import (  # noqa: F401
    Measure,
    MeasureCategory,
    MeasureGroup,
    MeasureStatus,
)
from .monitoring import (  # noqa: F401
    MONITORING_DECIDED,
    MONITORING_STAGE_ORDER,
    Monitoring,
    MonitoringStage,
    MonitoringType,
    SignalKind,
)
from .attachments import (  # noqa: F401
    Attachment,
    AttachmentKind,
)
from .printing import (  # noqa: F401
    CardPrint,
)
