"""The proposal JSON Schema: the hand-written base plus the ids the rubric defines."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from scoring.rubric import Rubric
from scoring.sources.yamlsource import load_trusted

SCHEMA_FILE_NAME = "proposal.schema.json"


@lru_cache(maxsize=1)
def _base_schema() -> dict[str, Any]:
    text = (resources.files("scoring") / "data" / "proposal.schema.yaml").read_text("utf-8")
    schema: dict[str, Any] = load_trusted(text)
    return schema


def proposal_schema(rubric: Rubric) -> dict[str, Any]:
    """The full schema, so unknown criterion or checklist ids get did-you-mean errors too."""
    schema = copy.deepcopy(_base_schema())
    props = schema["properties"]
    level = {
        "type": "integer",
        "minimum": 0,
        "maximum": 4,
        "description": "0 absent, 1 asserted, 2 documented, 3 evidenced with data, "
        "4 validated in production",
        "examples": [2],
    }
    note = {
        "type": "string",
        "maxLength": 1000,
        "description": "What the evidence is, so a reviewer can check it.",
        "examples": ["Measured on 2,000 tickets from March"],
    }
    evidence_ids = [c.id for c in rubric.criteria if c.kind == "evidence"]
    props["evidence"]["additionalProperties"] = False
    props["evidence"]["properties"] = {
        cid: {
            "description": rubric.criterion(cid).question,  # type: ignore[union-attr]
            "examples": [2],
            "oneOf": [
                level,
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["level"],
                    "properties": {"level": level, "note": note},
                },
            ],
        }
        for cid in evidence_ids
    }
    answer = {"type": "string", "enum": ["yes", "partial", "no", "unknown", "n/a"]}
    props["checklists"]["additionalProperties"] = False
    props["checklists"]["properties"] = {
        checklist.id: {
            "type": "object",
            "description": checklist.title,
            "additionalProperties": False,
            "examples": [{checklist.items[0].id: "partial"}],
            "properties": {
                item.id: {**answer, "description": item.text, "examples": ["yes"]}
                for item in checklist.items
            },
        }
        for checklist in rubric.checklists
    }
    factors = props["risks"]["properties"]["factors"]
    factors["additionalProperties"] = False
    rating = {"type": "integer", "minimum": 0, "maximum": 4}
    factors["properties"] = {
        factor.id: {
            "type": "object",
            "description": factor.question,
            "additionalProperties": False,
            "required": ["severity", "likelihood"],
            "examples": [{"severity": 2, "likelihood": 1}],
            "properties": {
                "severity": {**rating, "description": "0 negligible to 4 severe", "examples": [2]},
                "likelihood": {
                    **rating,
                    "description": "0 practically never to 4 almost certain",
                    "examples": [1],
                },
                "note": {
                    **note,
                    "description": "Why this rating, and what limits the harm.",
                    "examples": ["A wrong ranking delays one call by a day"],
                },
            },
        }
        for factor in rubric.risk_factors
        if factor.kind == "rated"
    }
    _declare_custom(props["custom"], rubric)
    return schema


_CUSTOM_TYPES: dict[str, dict[str, Any]] = {
    "text": {"type": "string", "maxLength": 10000},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "list": {"type": "array", "maxItems": 100, "items": {"type": "string", "maxLength": 1000}},
}


def _declare_custom(custom: dict[str, Any], rubric: Rubric) -> None:
    """The rubric's declared custom fields get their own checks; others stay free."""
    if not rubric.custom_fields:
        return
    custom["properties"] = {}
    for declared in rubric.custom_fields:
        spec: dict[str, Any] = {
            **_CUSTOM_TYPES[declared.type],
            "description": declared.description or declared.label,
            "examples": [
                list(declared.values[:1]) if declared.type == "list" else declared.values[0]
            ]
            if declared.values
            else [],
        }
        if declared.values:
            target = spec["items"] if declared.type == "list" else spec
            target["enum"] = list(declared.values)
        if not spec["examples"]:
            del spec["examples"]
        custom["properties"][declared.id] = spec


def schema_json(rubric: Rubric) -> str:
    return json.dumps(proposal_schema(rubric), indent=2, ensure_ascii=False) + "\n"
