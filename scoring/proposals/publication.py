"""Two publications from one set of proposals: the internal portfolio (everything) and the
public register, which leaves out every withheld row and every internal or withheld field.

The public build redacts right after loading, before scoring and before any page, table,
download or search index is made, so nothing later in the build can carry a value the
public may not see: what is not in the Proposal is on no page. Scores in a public build are
those of the published facts.

Visibility comes, most specific path first, from the site's ``visibility`` option, then
the ``visibility`` section of the shipped mapping a proposal was imported with (named in
its ``source.inventory``), then the defaults below: personal names are internal. In any
field not marked public, e-mail addresses are replaced, wherever they appear.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from scoring.proposals.proposal import Intake, InvalidFile, LineMap, Link, Proposal
from scoring.sources.inventory.convert import get_path
from scoring.sources.inventory.mapping import SHIPPED, shipped_path

PUBLIC, INTERNAL, WITHHELD = "public", "internal", "withheld"
LEVELS = (PUBLIC, INTERNAL, WITHHELD)
PUBLICATIONS = ("public", "internal")

# Names of people are internal unless a site marks them public (issue 28).
DEFAULT_FIELDS: Mapping[str, str] = {
    "owner": INTERNAL,
    "sponsor": INTERNAL,
    "data.sources.owner": INTERNAL,  # who owns a data source: often a person's name
    "roles": INTERNAL,  # names of the people in each role
    "source.unmapped": INTERNAL,  # raw inventory cells the mapping did not translate
}
# A non-public value of these is replaced, not removed: the first three every proposal must
# have, and the scores read whether the others are named (a sponsor named or not, the
# owners of the data), never who, so the public register's scores stay those of the same facts.
REPLACED_TEXT = ("title", "summary", "team", "owner", "sponsor", "data.sources.owner")
# Names whose presence the scores read (a role filled or vacant): a non-public name is
# replaced, so the public scores stay those of the same facts.
NAMED_ROLES = "roles"
VACANT = "vacant"
NOT_PUBLISHED = "Not published"
EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
EMAIL_WITHHELD = "[e-mail address not published]"
WAIVED = "waived"


class VisibilityError(ValueError):
    """A visibility section that cannot be used; the message names the key."""


@dataclass(frozen=True)
class RowRule:
    """A row is withheld from the public build when ``field`` holds a value that is not
    one of ``public_values`` (compared ignoring case and surrounding spaces); an empty or
    missing value leaves it public."""

    field: str
    public_values: tuple[str, ...]

    def withholds(self, data: Mapping[str, Any]) -> bool:
        value = get_path(data, self.field)
        if value is None or (isinstance(value, str) and not value.strip()):
            return False
        if isinstance(value, bool):
            return value
        text = str(value).strip().casefold()
        return text not in {v.strip().casefold() for v in self.public_values}


@dataclass(frozen=True)
class Visibility:
    """Field path (dotted) → public, internal or withheld, and which rows are withheld."""

    fields: Mapping[str, str] = field(default_factory=dict)
    withhold_rows: RowRule | None = None

    def over(self, base: Visibility) -> Visibility:
        """These rules, falling back on ``base`` where they say nothing."""
        return Visibility({**base.fields, **self.fields}, self.withhold_rows or base.withhold_rows)

    def level(self, path: str) -> tuple[str, bool]:
        """The level of a dotted path (its own rule or its nearest parent's), and whether a
        rule set it explicitly (an explicit public lets e-mail addresses through)."""
        parts = path.split(".")
        for end in range(len(parts), 0, -1):
            found = self.fields.get(".".join(parts[:end]))
            if found is not None:
                return found, True
        return PUBLIC, False


def parse_visibility(section: Any, where: str) -> Visibility:
    """A ``visibility`` section: {fields: {path: level}, withhold_rows: {field,
    public_values}}; VisibilityError names what is wrong."""
    if section is None:
        return Visibility()
    if not isinstance(section, Mapping):
        raise VisibilityError(f"{where} must be a mapping with fields and withhold_rows")
    unknown = sorted(set(section) - {"fields", "withhold_rows"})
    if unknown:
        raise VisibilityError(
            f"{where}: unknown key(s) {', '.join(map(str, unknown))}; use fields, withhold_rows"
        )
    fields = section.get("fields") or {}
    if not isinstance(fields, Mapping):
        raise VisibilityError(f"{where}.fields must map field paths to {', '.join(LEVELS)}")
    for path, level in fields.items():
        if not isinstance(path, str) or not re.fullmatch(r"[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*", path):
            raise VisibilityError(f"{where}.fields: {path!r} is not a field path such as owner")
        if level not in LEVELS:
            raise VisibilityError(
                f"{where}.fields.{path} must be {', '.join(LEVELS)}, not {level!r}"
            )
    rows = section.get("withhold_rows")
    rule = None
    if rows is not None:
        if not isinstance(rows, Mapping) or not isinstance(rows.get("field"), str):
            raise VisibilityError(f"{where}.withhold_rows needs a field (e.g. custom.withheld)")
        values = rows.get("public_values") or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise VisibilityError(f"{where}.withhold_rows.public_values must be a list of texts")
        rule = RowRule(rows["field"], tuple(values))
    return Visibility(dict(fields), rule)


@lru_cache(maxsize=len(SHIPPED))
def shipped_visibility(name: str) -> Visibility:
    """The ``visibility`` section of a mapping shipped with Sweetspot (our own files; a
    proposal's words only choose among these names, never a path)."""
    text = shipped_path(name).read_text(encoding="utf-8")
    return parse_visibility(yaml.safe_load(text).get("visibility"), f"mapping {name}")


def rules_for(data: Mapping[str, Any], site: Visibility) -> Visibility:
    """The rules for one proposal's data: the site's over its shipped mapping's over the
    defaults."""
    inventory = get_path(data, "source.inventory")
    base = Visibility(DEFAULT_FIELDS)
    if isinstance(inventory, str) and inventory in SHIPPED:
        base = shipped_visibility(inventory).over(base)
    return site.over(base)


@dataclass(frozen=True)
class LeftOut:
    """What the public build leaves out of one proposal (for the internal build's marks)."""

    fields: dict[str, str]  # dotted path → internal or withheld
    emails: tuple[str, ...] = ()  # fields whose e-mail addresses are replaced
    row_withheld: bool = False


@dataclass
class Publication:
    """One publication's proposals, and what the public one leaves out (counts only)."""

    kind: str = "internal"
    intake: Intake = field(default_factory=Intake)
    left_out: dict[str, LeftOut] = field(default_factory=dict)  # proposal id → what
    withheld_rows: int = 0
    withheld_with_waivers: int = 0
    proposals_total: int = 0
    rules: object = None  # the site's visibility rules, as plain values
    # Public only: the invalid files left out of every page, for the build's own report
    # (logs, exit status), never for a page, which gives their number alone.
    unpublished_invalid: list[InvalidFile] = field(default_factory=list)

    @property
    def public(self) -> bool:
        return self.kind == "public"

    @property
    def key(self) -> str:
        """What pages showing this publication's marks depend on besides the proposal."""
        return repr((self.kind, self.rules))


def _has_waiver(proposal: Proposal) -> bool:
    governance = proposal.get("governance")
    return isinstance(governance, Mapping) and WAIVED in governance.values()


def _scrub_emails(value: Any) -> tuple[Any, bool]:
    if isinstance(value, str):
        scrubbed = EMAIL.sub(EMAIL_WITHHELD, value)
        return scrubbed, scrubbed != value
    if isinstance(value, list):
        pairs = [_scrub_emails(v) for v in value]
        return [v for v, _ in pairs], any(c for _, c in pairs)
    if isinstance(value, Mapping):
        items = {k: _scrub_emails(v) for k, v in value.items()}
        return {k: v for k, (v, _) in items.items()}, any(c for _, c in items.values())
    return value, False


@dataclass
class _Found:
    fields: dict[str, str] = field(default_factory=dict)
    emails: list[str] = field(default_factory=list)


def _redact(data: Mapping[str, Any], rules: Visibility, prefix: str, out: _Found) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        level, explicit = rules.level(path)
        if level != PUBLIC:
            out.fields[path] = level
            if path in REPLACED_TEXT and isinstance(value, str):
                kept[key] = NOT_PUBLISHED
            elif path.startswith(NAMED_ROLES) and isinstance(value, Mapping):
                kept[key] = {
                    role: name if str(name).strip().casefold() == VACANT else NOT_PUBLISHED
                    for role, name in value.items()
                }
            continue
        if isinstance(value, Mapping):
            kept[key] = _redact(value, rules, f"{path}.", out)
        elif isinstance(value, list) and any(isinstance(v, Mapping) for v in value):
            # A list of records (data.sources): a rule names their fields without an index.
            kept[key] = [
                _redact(v, rules, f"{path}.", out) if isinstance(v, Mapping) else v for v in value
            ]
        elif explicit:
            kept[key] = value
        else:
            kept[key], changed = _scrub_emails(value)
            if changed:
                out.emails.append(path)
    return kept


def redact(proposal: Proposal, rules: Visibility) -> tuple[Proposal, LeftOut]:
    """The proposal as the public may see it, and what was left out."""
    found = _Found()
    data = _redact(proposal.fields, rules, "", found)
    left = LeftOut(found.fields, tuple(found.emails))
    gone = tuple(left.fields) + left.emails
    lines = LineMap(
        (name, line)
        for name, line in proposal.line_of.items()
        if not any(name == g or name.startswith(g + ".") for g in gone)
    )
    published = dataclasses.replace(
        proposal,
        title=data["title"],
        summary=data["summary"],
        team=data["team"],
        owner=data.get("owner"),
        sponsor=data.get("sponsor"),
        tags=tuple(data.get("tags", ())),
        links=tuple(Link(**link) for link in data.get("links", ())),
        fields=data,
        line_of=lines,
    )
    return published, left


# Under `mkdocs serve` the same loaded proposal gives the same published one, so page caches
# keyed on the proposal object keep working: (id of the loaded object, rules) → both.
RedactionCache = dict[tuple[int, object], tuple[Proposal, Proposal, LeftOut]]


def _rules_key(rules: Visibility) -> object:
    return (tuple(sorted(rules.fields.items())), rules.withhold_rows)


def publish(
    intake: Intake,
    kind: str,
    site: Visibility = Visibility(),
    cache: RedactionCache | None = None,
) -> Publication:
    """The proposals of one publication. ``internal`` keeps everything and records what
    the public one leaves out; ``public`` drops withheld rows and redacts the rest."""
    result = Publication(kind=kind, proposals_total=len(intake.proposals), rules=_rules_key(site))
    proposals: list[Proposal] = []
    used: RedactionCache = {}
    for proposal in intake.proposals:
        rules = rules_for(proposal.fields, site)
        withheld = rules.withhold_rows is not None and rules.withhold_rows.withholds(
            proposal.fields
        )
        if withheld:
            result.withheld_rows += 1
            result.withheld_with_waivers += _has_waiver(proposal)
            result.left_out[proposal.id] = LeftOut({}, (), row_withheld=True)
            if kind == "internal":
                proposals.append(proposal)
            continue
        key = (id(proposal), _rules_key(rules))
        kept = cache.get(key) if cache is not None else None
        if kept is not None and kept[0] is proposal:
            published, left = kept[1], kept[2]
        else:
            published, left = redact(proposal, rules)
        used[key] = (proposal, published, left)
        if left.fields or left.emails:
            result.left_out[proposal.id] = left
        proposals.append(published if kind == "public" else proposal)
    if cache is not None:
        cache.clear()
        cache.update(used)
    # An invalid file cannot be read for its visibility, and its name and problems can quote
    # what it holds (an imported file's name is its title): the public register leaves it
    # out and counts it; the build still reports it (``unpublished_invalid``).
    if kind == "public":
        result.unpublished_invalid = list(intake.invalid)
        result.intake = Intake(proposals=proposals)
    else:
        result.intake = Intake(proposals=proposals, invalid=list(intake.invalid))
    return result


def publish_records(
    records: Iterable[Mapping[str, Any]], kind: str, site: Visibility = Visibility()
) -> tuple[list[dict[str, Any]], int]:
    """Plain proposal data (an inventory export reads files, valid or not) as the
    publication may show it, and how many rows the public one withholds."""
    kept: list[dict[str, Any]] = []
    withheld = 0
    for data in records:
        rules = rules_for(data, site)
        if rules.withhold_rows is not None and rules.withhold_rows.withholds(data):
            withheld += 1
            if kind == "public":
                continue
        kept.append(_redact(data, rules, "", _Found()) if kind == "public" else dict(data))
    return kept, withheld


__all__ = [
    "INTERNAL",
    "LEVELS",
    "PUBLIC",
    "PUBLICATIONS",
    "WITHHELD",
    "LeftOut",
    "Publication",
    "RowRule",
    "Visibility",
    "VisibilityError",
    "parse_visibility",
    "publish",
    "publish_records",
    "redact",
    "rules_for",
]
