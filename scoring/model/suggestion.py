"""A risk class suggested from what a use case says, with its reasons and sources.

The rules are data (the rubric's ``class_suggestions``): each names the class it suggests,
what the use does in words a reader can follow, the legal text that names such uses (the EU
AI Act's Annex III, Art. 5 and Art. 50; OMB memorandum M-25-21's uses presumed high-impact),
the words it looks for in the proposal's own texts (title, summary, outputs, topic, data)
and, where needed, conditions on structured fields. A suggestion is not an assessment: the
class stays what the stakes answers support, and an unanswered stakes section takes the
suggested class's band as its prior (stakes.py).

Matching works on words, not on raw characters, so it survives rewording: a term is one or
more words, each ending in ``*`` to match every word starting with it (``recogni*``), and
the words of a phrase may have up to two others between them ("determine their
eligibility" matches ``determin* eligib*``). Everything a rubric's rules need is compiled
once per rubric; a proposal is read once, word by word, with a cache of which pattern
words each distinct word matches, so scoring 10,000 rows costs little.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from scoring.model.answered import is_answered
from scoring.proposals.proposal import Proposal
from scoring.rubric import Rubric, WordRule

CLASS_ORDER = ("limited", "high")  # low to high: a higher match wins
PHRASE_GAP = 2  # words allowed between the words of a phrase
MAX_TEXT = 20_000  # characters read from one text; a register's cells are far shorter
MAX_CACHED_WORD = 40  # longer words are matched but not remembered
MAX_CACHED = 200_000  # words remembered at most: a register's vocabulary is far smaller


@dataclass(frozen=True)
class MatchedRule:
    id: str
    suggests: str
    reason: str
    source: str
    words: tuple[str, ...]  # the words of the proposal that matched, lowercased
    texts: tuple[str, ...]  # the texts they were found in (title, summary, ...)

    @cached_property  # read for every page, table and JSON record of the proposal
    def sentence(self) -> str:
        """ "biometric identification of people (EU AI Act Annex III 1(a)), from 'facial
        recognition'"."""
        said = ", ".join(f"'{w}'" for w in self.words[:3])
        return f"{self.reason} ({self.source})" + (f", from {said}" if said else "")


@dataclass(frozen=True)
class ClassSuggestion:
    """The class a use case's own words suggest (None when no rule matches), the rules that
    matched (the highest class's first) and the words that matched them."""

    risk_class: str | None
    rules: tuple[MatchedRule, ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w for rule in self.rules for w in rule.words))

    @cached_property
    def reasons(self) -> tuple[str, ...]:
        """Why, one entry per rule that suggests the class itself."""
        return tuple(r.sentence for r in self.rules if r.suggests == self.risk_class)

    @property
    def reason(self) -> str:
        """ "likely high: biometric identification of people (...)", or ""."""
        if self.risk_class is None:
            return ""
        return f"likely {self.risk_class}: " + "; ".join(self.reasons)


NO_SUGGESTION = ClassSuggestion(None)


# ---- the compiled rules -------------------------------------------------------------------

Term = tuple[int, ...]  # the ids of its pattern words, in order


@dataclass(frozen=True)
class _Terms:
    """A list of terms, each indexed by its anchor: its longest word, the one least likely to
    occur by chance ("screening" in "on person screening"). A sentence is tried only against
    the terms whose anchor it has."""

    by_anchor: dict[int, tuple[Term, ...]]
    needs: frozenset[int]  # a sentence can match only if it has one of these pattern words
    singles: frozenset[int]  # the anchors that are a whole term: present, a term is too
    # The terms of several words, as sets of their words, by anchor.
    phrases: dict[int, tuple[frozenset[int], ...]]

    @classmethod
    def of(cls, terms: list[tuple[Term, int]]) -> _Terms:
        by_anchor: dict[int, list[Term]] = {}
        phrases: dict[int, list[frozenset[int]]] = {}
        for term, anchor in terms:
            by_anchor.setdefault(anchor, []).append(term)
            if term != (anchor,):
                phrases.setdefault(anchor, []).append(frozenset(term))
        singles = frozenset(anchor for term, anchor in terms if term == (anchor,))
        return cls(
            {k: tuple(v) for k, v in by_anchor.items()},
            frozenset(by_anchor),
            singles,
            {k: tuple(v) for k, v in phrases.items()},
        )

    def __bool__(self) -> bool:
        return bool(self.by_anchor)

    def could(self, present: set[int]) -> bool:
        """Whether some term has all its words among these."""
        if not self.singles.isdisjoint(present):
            return True  # most terms are one word: no need to look at the others
        phrases = self.phrases
        for anchor in phrases.keys() & present:
            for words in phrases[anchor]:
                if words <= present:
                    return True
        return False


@dataclass(frozen=True)
class _Rule:
    rule: WordRule
    words: _Terms
    with_words: _Terms
    unless: _Terms
    texts: tuple[str, ...]
    context: _Terms
    context_texts: tuple[str, ...]
    unless_anywhere: _Terms  # in any sentence of its texts, and the rule does not apply

    @property
    def needs(self) -> frozenset[int]:
        return self.words.needs


class _Compiled:
    """Word rules as pattern-word ids, with the lookups that find them in a word."""

    def __init__(self, texts: Mapping[str, tuple[str, ...]], rules: Sequence[WordRule]) -> None:
        self.texts = dict(texts)
        self.fields = tuple(dict.fromkeys(f for fields in self.texts.values() for f in fields))
        # The fields by their section (the path's first part): a register's rows leave most
        # sections out, and a section left out is looked up once, not once per field.
        sections: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for name in self.fields:
            top, *rest = name.split(".")
            sections.setdefault(top, []).append((name, tuple(rest)))
        self.sections = tuple((top, tuple(members)) for top, members in sections.items())
        self._ids: dict[str, int] = {}
        self._exact: dict[str, set[int]] = {}
        self._stems: dict[str, set[int]] = {}
        # A lone ``*`` ("answer* * questions about") matches every word: it is kept out of the
        # lookups (or every word of every text would be a hit) and counted present wherever
        # a text or a sentence has a word.
        self._universal: set[int] = set()
        self.rules = tuple(self._rule(rule) for rule in rules)
        self.universal = frozenset(self._universal)
        self._lengths = sorted({len(stem) for stem in self._stems})
        self.cache: dict[str, frozenset[int]] = {}  # every word looked up
        self.byte_cache: dict[bytes, frozenset[int]] = {}  # the same, for words as bytes
        self.byte_seen: set[bytes] = set()  # its keys, as a set: new words by set difference
        self.byte_matching: set[bytes] = set()
        # The rules each pattern word can start a match of.
        starts: dict[int, set[int]] = {}
        for index, compiled_rule in enumerate(self.rules):
            for word in compiled_rule.needs:
                starts.setdefault(word, set()).add(index)
        self.starts = {word: frozenset(rules) for word, rules in starts.items()}

    def _word(self, pattern: str) -> int:
        if pattern not in self._ids:
            self._ids[pattern] = len(self._ids)
            stem = pattern.endswith("*")
            if stem and not pattern.rstrip("*"):
                self._universal.add(self._ids[pattern])
                return self._ids[pattern]
            table = self._stems if stem else self._exact
            table.setdefault(pattern.rstrip("*"), set()).add(self._ids[pattern])
        return self._ids[pattern]

    def _terms(self, terms: tuple[str, ...]) -> _Terms:
        found = []
        for term in terms:
            words = term.split()
            # The longest word, an exact one before a stem of the same length.
            anchor = max(words, key=lambda w: (len(w.rstrip("*")), not w.endswith("*")))
            found.append((tuple(self._word(w) for w in words), self._word(anchor)))
        return _Terms.of(found)

    def _rule(self, rule: WordRule) -> _Rule:
        return _Rule(
            rule,
            self._terms(rule.words),
            self._terms(rule.with_words),
            self._terms(rule.unless),
            rule.texts or tuple(self.texts),
            self._terms(rule.context_words),
            rule.context_texts,
            self._terms(rule.unless_anywhere),
        )

    def _lookup(self, word: str) -> frozenset[int]:
        hits = set(self._exact.get(word, ()))
        for length in self._lengths:
            if length > len(word):
                break
            hits |= self._stems.get(word[:length], set())
        return frozenset(hits)

    def ids_of(self, tokens: list[str]) -> list[frozenset[int]]:
        """The pattern words each token matches (exactly, or by its stem): the new ones
        looked up, then one pass over the cache."""
        cache = self.cache
        new = set(tokens).difference(cache)
        if new:
            self._make_room(len(new))
            for word in new:
                self._remember(word)
            if any(len(word) > MAX_CACHED_WORD for word in new):
                return [cache[t] if t in cache else self._lookup(t) for t in tokens]
        return list(map(cache.__getitem__, tokens))

    def _make_room(self, words: int) -> None:
        """Forget every word when this many more would overflow the bound (before a batch of
        lookups, so nothing a batch remembers is forgotten while it runs)."""
        if len(self.cache) + words > MAX_CACHED:
            for table in (self.cache, self.byte_cache, self.byte_matching, self.byte_seen):
                table.clear()

    def _remember(self, word: str) -> frozenset[int]:
        found = self._lookup(word)
        if len(word) > MAX_CACHED_WORD:
            return found  # no real word is this long: kept out, so the cache stays small
        self.cache[word] = found
        return found

    def hits_bytes(self, words: set[bytes]) -> dict[bytes, frozenset[int]]:
        """The words (ASCII bytes, see _Texts) that match a pattern word, with the pattern
        words each matches."""
        hits: dict[bytes, frozenset[int]] = {}
        new = words - self.byte_seen
        if new:
            self._make_room(len(new))
            for word in new:
                hit = self._remember(word.decode("ascii"))
                if len(word) <= MAX_CACHED_WORD:
                    self.byte_cache[word] = hit
                    self.byte_seen.add(word)
                    if hit:
                        self.byte_matching.add(word)
                elif hit:
                    hits[word] = hit
        matching = list(words & self.byte_matching)
        hits.update(zip(matching, map(self.byte_cache.__getitem__, matching), strict=True))
        return hits

    def present_bytes(self, words: set[bytes]) -> set[int]:
        """The pattern words that the distinct words of a text (ASCII bytes, see _Texts)
        match."""
        found: set[int] = set().union(*self.hits_bytes(words).values())
        return found | self.universal if words else found


_COMPILED: dict[int, tuple[Rubric, _Compiled]] = {}


def compiled(rubric: Rubric) -> _Compiled:
    """The rubric's rules compiled once per rubric object."""
    cached = _COMPILED.get(id(rubric))
    if cached is None or cached[0] is not rubric:
        section = rubric.class_suggestions
        cached = (rubric, _Compiled(section.texts, section.rules))
        _COMPILED[id(rubric)] = cached
    return cached[1]


# ---- reading a proposal -------------------------------------------------------------------

# A word, or the end of a sentence: a blank line (between paragraphs, list items on lines of
# their own, or two answers), or . ; ! ? followed by a space or the end (so "e.g." and "3.5"
# do not end one). A single line break is how a text is wrapped, not where a sentence ends.
_TOKEN = re.compile(r"[a-z0-9]+|[.;!?]+(?=\s|$)|\n[ \t]*(?:-[ \t]|\n)")


# Letters and digits kept (capitals lowered), every other byte a space.
_ASCII_WORDS = bytes(
    c + 32 if 65 <= c <= 90 else c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256)
)


class _Text:
    """One text of a proposal as words (and sentence ends), with the pattern words they match
    (worked out on first use); sentences are cut only when a rule needs to look closer."""

    def __init__(
        self,
        strings: list[str],
        matcher: _Compiled,
        fields: tuple[str, ...] = (),
        owner: _FieldWords | None = None,
    ) -> None:
        joined = "\n\n".join(strings)
        self._joined = joined[:MAX_TEXT]
        self._matcher = matcher
        # The words of each field, already looked up (_FieldWords), are usable when nothing
        # of this text is cut off: then its words are exactly those of its fields.
        self._fields = fields
        self._owner = owner if len(joined) <= MAX_TEXT else None
        self._present: set[int] | None = None
        self._sentences: list[_Sentence] | None = None

    @property
    def present(self) -> set[int]:
        if self._present is None:
            owner = self._owner
            if owner is None:
                words = self._joined.encode("ascii", "replace").translate(_ASCII_WORDS).split()
                self._present = self._matcher.present_bytes(set(words))
            else:
                self._present = owner.present_in(self._fields)
        return self._present

    @property
    def sentences(self) -> list[_Sentence]:
        if self._sentences is None:
            owner = self._owner
            if owner is None:
                self._sentences = _cut(self._joined, self._matcher)
            else:
                self._sentences = owner.sentences_in(self._fields)
        return self._sentences


def _cut(text: str, matcher: _Compiled) -> list[_Sentence]:
    """A text's sentences that match some pattern word, each as its words and what they
    match."""
    found, start = [], 0
    tokens: list[str] = _TOKEN.findall(text.lower())
    ids = matcher.ids_of(tokens)  # a sentence end matches none
    universal = matcher.universal
    for end in [*(i for i, t in enumerate(tokens) if t[0] in ".;!?\n"), None]:
        part = ids[start:end]
        present: set[int] = set().union(*filter(None, part))
        if part and universal:
            present |= universal  # every token between two ends is a word
        if present:
            found.append(_Sentence(tokens[start:end], part, present))
        start = 0 if end is None else end + 1
    return found


class _FieldWords:
    """The words of each field of a proposal, looked up once, and the sentences of each field
    cut once however many texts read it. Kept apart from _Texts so that a text can use it
    without holding the object that holds the text: no reference cycle, so each proposal's
    words are freed as soon as it is read, not by the cycle collector."""

    def __init__(
        self,
        by_field: dict[str, list[str]],
        field_words: dict[str, set[bytes]],
        hits: dict[bytes, frozenset[int]],
        matcher: _Compiled,
    ) -> None:
        self._by_field = by_field
        self._field_words = field_words
        self._hits = hits
        self._matcher = matcher
        self._field_present: dict[str, set[int]] = {}
        self._field_sentences: dict[str, list[_Sentence]] = {}

    def present_in(self, fields: tuple[str, ...]) -> set[int]:
        """The pattern words the words of these fields match."""
        found: set[int] = set()
        any_words = False
        for name in fields:
            words = self._field_words.get(name)
            if not words:
                continue
            any_words = True
            present = self._field_present.get(name)
            if present is None:
                hits = self._hits
                present = set().union(*map(hits.__getitem__, hits.keys() & words))
                self._field_present[name] = present
            found |= present
        return found | self._matcher.universal if any_words else found

    def sentences_in(self, fields: tuple[str, ...]) -> list[_Sentence]:
        """The sentences of these fields, in order: the blank line between two strings of a
        text always ends a sentence, so a text's sentences are its fields'."""
        found: list[_Sentence] = []
        for name in fields:
            strings = self._by_field.get(name)
            if not strings:
                continue
            cut = self._field_sentences.get(name)
            if cut is None:
                cut = self._field_sentences[name] = _cut("\n\n".join(strings), self._matcher)
            found += cut
        return found


class _Texts:
    """A proposal's texts: the words they hold together are looked up once; each text is
    cut into words and sentences of its own only when a rule asks for it."""

    def __init__(self, proposal: Proposal, matcher: _Compiled) -> None:
        self._matcher = matcher
        # Each field read once, however many texts it belongs to; only those with a text.
        by_field = _strings_by_field(proposal, matcher)
        self._by_field = by_field
        # All texts as ASCII bytes, lowercased, everything but letters and digits a space:
        # bytes.translate and split are far faster than a regular expression per text. Each
        # field's words are kept: a text's words are those of its fields.
        size = sum(len(t) + 1 for v in by_field.values() for t in v) - 1
        field_words: dict[str, set[bytes]] | None = None
        if size <= MAX_TEXT * 8:
            field_words = _words_by_field(by_field)
            words: set[bytes] = set().union(*field_words.values())
        else:  # cut off: each text reads its own words (_Text)
            joined = "\n".join(t for f in matcher.fields for t in by_field.get(f, ()))
            words = set(
                joined[: MAX_TEXT * 8].encode("ascii", "replace").translate(_ASCII_WORDS).split()
            )
        hits = matcher.hits_bytes(words) if words else {}
        self.present: set[int] = set().union(*hits.values())
        if words:
            self.present |= matcher.universal
        self._fields = (
            _FieldWords(by_field, field_words, hits, matcher) if field_words is not None else None
        )
        self._texts: dict[str, _Text] = {}
        self.universal = matcher.universal

    def __getitem__(self, name: str) -> _Text:
        text = self._texts.get(name)
        if text is None:
            # A text's strings are gathered only when a rule asks for it.
            fields = self._matcher.texts[name]
            strings = [t for f in fields for t in self._by_field.get(f, ())]
            text = self._texts[name] = _Text(strings, self._matcher, fields, self._fields)
        return text


def _strings_by_field(proposal: Proposal, matcher: _Compiled) -> dict[str, list[str]]:
    """The strings of each field the matcher reads that holds any, section by section."""
    found: dict[str, list[str]] = {}
    fields: Any = proposal.fields
    for top, members in matcher.sections:
        section = fields.get(top)
        if section is None:
            continue
        for name, rest in members:
            value = section
            for part in rest:
                is_mapping = type(value) is dict or isinstance(value, Mapping)
                value = value.get(part) if is_mapping else None
                if value is None:
                    break
            strings = list(_answer_strings(value))
            if strings:
                found[name] = strings
    return found


# As _ASCII_WORDS, but NUL kept: it separates the fields of one translation (_words_by_field).
_ASCII_WORDS_AND_NUL = b"\x00" + _ASCII_WORDS[1:]


def _words_by_field(by_field: dict[str, list[str]]) -> dict[str, set[bytes]]:
    """Each field's distinct words as ASCII bytes (see _Texts), from one encoding and one
    translation of all fields together, cut apart at the NUL between two fields; a text
    that holds a NUL itself is read field by field."""
    joined = "\x00".join("\n".join(strings) for strings in by_field.values())
    table = _ASCII_WORDS_AND_NUL
    parts = joined.encode("ascii", "replace").translate(table).split(b"\x00")
    if len(parts) != len(by_field):
        parts = [
            "\n".join(v).encode("ascii", "replace").translate(_ASCII_WORDS)
            for v in by_field.values()
        ]
    return {name: set(part.split()) for name, part in zip(by_field, parts, strict=True)}


@dataclass
class _Sentence:
    words: list[str]
    ids: list[frozenset[int]]  # the pattern words each word matches
    present: set[int]


def _answer_strings(value: Any) -> list[str] | Iterator[str]:
    """The strings of one answer; most answers are one string or none."""
    if isinstance(value, str):
        return [value]
    if value is None:
        return []
    return _strings(value)


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    """Every text in an answer: a string, or the strings in a list or mapping."""
    if isinstance(value, str):
        yield value
    elif depth < 4 and isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif depth < 4 and isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item, depth + 1)


def _term_at(term: Term, sentence: _Sentence, universal: frozenset[int]) -> str | None:
    """The words of the sentence that match a term, or None. A universal pattern word (a
    lone ``*``) matches any word."""
    if not all(w in sentence.present for w in term):
        return None
    first, rest = term[0], term[1:]
    ids = sentence.ids
    for start, hit in enumerate(ids):
        if first not in hit and first not in universal:
            continue
        end, ok = start, True
        for wanted in rest:
            window = range(end + 1, min(end + 2 + PHRASE_GAP, len(ids)))
            end = next((i for i in window if wanted in ids[i] or wanted in universal), -1)
            if end < 0:
                ok = False
                break
        if ok:
            return " ".join(sentence.words[start : end + 1])
    return None


def _first(terms: _Terms, sentence: _Sentence, universal: frozenset[int]) -> str | None:
    """The words of the first term the sentence has, or None."""
    for anchor in terms.needs & sentence.present:
        for term in terms.by_anchor[anchor]:
            said = _term_at(term, sentence, universal)
            if said is not None:
                return said
    return None


def _holds(condition: dict[str, Any], proposal: Proposal) -> bool:
    """A ``when`` condition on proposal fields, with the flags' semantics (rules.py): an
    unanswered field satisfies no comparison except ``answered: false`` and ``not_in``."""
    if "all" in condition:
        return all(_holds(part, proposal) for part in condition["all"])
    if "any" in condition:
        return any(_holds(part, proposal) for part in condition["any"])
    value = proposal.get(str(condition.get("field", "")))
    known = is_answered(value)

    def member(options: list[Any]) -> bool:
        # As the flags match: true never equals 1; a list or mapping matches nothing.
        if isinstance(value, (list, dict, set)):
            return False
        return any((type(o) is bool) == (type(value) is bool) and o == value for o in options)

    if "answered" in condition and known != condition["answered"]:
        return False
    if "equals" in condition and not (known and member([condition["equals"]])):
        return False
    if "in" in condition and not (known and member(condition["in"])):
        return False
    if "not_in" in condition and known and member(condition["not_in"]):
        return False
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if "below" in condition and not (number and float(value) < float(condition["below"])):
        return False
    return "at_least" not in condition or (number and float(value) >= float(condition["at_least"]))


Matched = list[tuple[Any, tuple[str, ...], tuple[str, ...]]]  # rule, words, texts


def candidates(matcher: _Compiled, texts: _Texts) -> list[int]:
    """The indices of the rules, in the matcher's order, that could match somewhere in the
    texts: a term of theirs (and of their context) has all its words in them. Usually few."""
    present = texts.present
    starts = matcher.starts
    found = []
    for index in sorted(set().union(*map(starts.__getitem__, starts.keys() & present))):
        compiled_rule = matcher.rules[index]
        if not compiled_rule.words.could(present):
            continue  # a phrase whose other words occur nowhere
        if compiled_rule.context and not compiled_rule.context.could(present):
            continue  # its context occurs nowhere (checked text by text in _match)
        found.append(index)
    return found


def matching_rules(
    matcher: _Compiled,
    proposal: Proposal,
    texts: _Texts | None = None,
    indices: list[int] | None = None,
) -> Matched:
    """The rules of a matcher that the proposal's texts match, in the matcher's order, each
    with the words that matched and the texts they were found in. ``texts`` reuses texts
    already read (with the same matcher); ``indices`` are the candidates to try (default:
    all of them); ``when`` conditions read the proposal given."""
    texts = texts if texts is not None else _Texts(proposal, matcher)
    matched = []
    for index in candidates(matcher, texts) if indices is None else indices:
        compiled_rule = matcher.rules[index]
        hit = _match(compiled_rule, texts, proposal)
        if hit is not None:
            matched.append((compiled_rule.rule, *hit))
    return matched


def suggestion_of(matched: Matched) -> ClassSuggestion:
    """The suggestion the matched class rules make (the highest class wins)."""
    found = [
        MatchedRule(rule.id, rule.suggests, rule.reason, rule.source, words, where)
        for rule, words, where in matched
    ]
    if not found:
        return NO_SUGGESTION
    best = max(CLASS_ORDER.index(m.suggests) for m in found)
    found.sort(key=lambda m: -CLASS_ORDER.index(m.suggests))
    return ClassSuggestion(CLASS_ORDER[best], tuple(found))


def suggest_class(proposal: Proposal, rubric: Rubric) -> ClassSuggestion:
    """The class the proposal's own words suggest, and why. Pure: the same proposal and
    rubric always give the same suggestion."""
    matcher = compiled(rubric)
    if not matcher.rules:
        return NO_SUGGESTION
    return suggestion_of(matching_rules(matcher, proposal))


def _match(
    compiled_rule: _Rule, texts: _Texts, proposal: Proposal
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    rule = compiled_rule.rule
    context = compiled_rule.context
    if context and not any(context.could(texts[n].present) for n in rule.context_texts):
        return None
    if rule.when and not _holds(rule.when, proposal):
        return None
    words: list[str] = []
    where: list[str] = []
    universal = texts.universal
    for name in compiled_rule.texts:
        text = texts[name]
        if not compiled_rule.words.could(text.present):
            continue  # no term has all its words in this text: no need to cut sentences
        if compiled_rule.with_words and not compiled_rule.with_words.could(text.present):
            continue  # nor any term it needs in the same sentence
        for sentence in text.sentences:
            if compiled_rule.needs.isdisjoint(sentence.present):
                continue
            said = _first(compiled_rule.words, sentence, universal)
            if said is None:
                continue
            with_words = compiled_rule.with_words
            also = _first(with_words, sentence, universal) if with_words else ""
            if also is None or _first(compiled_rule.unless, sentence, universal) is not None:
                continue
            words += [w for w in (said, also) if w and w not in words]
            if name not in where:
                where.append(name)
    if not words or _says_anywhere(compiled_rule, texts):
        return None
    return tuple(words), tuple(where)


def _says_anywhere(compiled_rule: _Rule, texts: _Texts) -> bool:
    """Whether a term of the rule's exclusions occurs in a sentence of a text it reads."""
    terms = compiled_rule.unless_anywhere
    if not terms:
        return False
    for name in compiled_rule.texts:
        text = texts[name]
        if not terms.could(text.present):
            continue
        for sentence in text.sentences:
            if terms.needs.isdisjoint(sentence.present):
                continue
            if _first(terms, sentence, texts.universal) is not None:
                return True
    return False
