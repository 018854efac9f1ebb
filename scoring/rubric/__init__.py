"""Stage 2, the rubric: every weight, prior, class and rule the scores trace back to."""

from scoring.rubric.definitions import (
    DIMENSIONS,
    NEEDS_INFORMATION,
    QUADRANTS,
    RISK_CLASSES,
    STATES,
    Cap,
    Checklist,
    ChecklistItem,
    Criterion,
    CustomField,
    FlagRule,
    Level,
    Prior,
    Quadrants,
    RiskClass,
    RiskFactor,
    RiskModel,
    Rubric,
    Uncertainty,
    slugify,
)
from scoring.rubric.loading import RubricError, default_rubric_path, load_rubric, rubric_schema

__all__ = [
    "DIMENSIONS", "NEEDS_INFORMATION", "QUADRANTS", "RISK_CLASSES", "STATES", "Cap",
    "Checklist", "ChecklistItem", "Criterion", "CustomField", "FlagRule", "Level", "Prior",
    "Quadrants",
    "RiskClass", "RiskFactor", "RiskModel", "Rubric", "RubricError", "Uncertainty",
    "default_rubric_path", "load_rubric", "rubric_schema", "slugify",
]
