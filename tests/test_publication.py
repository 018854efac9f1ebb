"""Issue 28: one repository, two publications. The public register leaves out withheld rows
and every internal or withheld field everywhere; the internal portfolio shows everything.

The hostile check puts a unique marker in every field the public may not see and searches
every file of the built public site for them. A feature that adds a page or a download
this round extends it by adding its own marked fields to ``PORTFOLIO`` (and its marker to
``MARKERS``): ``site_files`` already reads every file either build writes.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sitekit import build_project, logged_build, write_site

from scoring.cli.main import main
from scoring.model.scorecard import score_intake
from scoring.proposals.loading import load_proposals
from scoring.proposals.publication import (
    EMAIL_WITHHELD,
    Visibility,
    parse_visibility,
    publish,
)
from scoring.rubric import load_rubric

# Every value the public may not see holds one of these (lowercase: slugs and search
# indexes lowercase text; the search below ignores case).
MARKERS = {
    "owner": "mkownerq1",
    "sponsor": "mksponsorq2",
    "contact_email": "mkcontactq3",
    "cost_note": "mkcostnoteq4",
    "security": "mksecretq5",
    "withheld_title": "mkwithheldtitleq6",
    "withheld_summary": "mkwithheldsummaryq7",
    "summary_email": "mksummarymailq8",
    "data_owner": "mkdataownerq9",
    "unmapped": "mkunmappedq10",
    "role": "mkroleq11",
    "withheld_unit": "mkunitq13",
    "withheld_tag": "mktagq14",
    "withheld_team": "mkteamq15",
}

PUBLIC_ROW = f"""\
title: Route benefit claims to the right caseworker
summary: Claims wait in one queue; a classifier could send most to the right team first.
team: Benefits Operations
stage: pilot
owner: Alice {MARKERS["owner"]}
sponsor: Bob {MARKERS["sponsor"]}
tags: [claims]
roles:
  product_owner: Dana {MARKERS["role"]}
  data_scientist: vacant
data:
  sources:
    - name: Claims history
      owner: {MARKERS["data_owner"]} Records
custom:
  contact_email: {MARKERS["contact_email"]}@agency.example.gov
  withheld: "a) No"
  cost_note: Vendor quote {MARKERS["cost_note"]}
  security_detail: Runs on host {MARKERS["security"]}
  topic_area: Benefits
source:
  inventory: us-federal-2025
  row: 2
  unmapped:
    Stage of Development: {MARKERS["unmapped"]}
"""

WITHHELD_ROW = f"""\
title: Screen visa files {MARKERS["withheld_title"]}
summary: A model flags files for review {MARKERS["withheld_summary"]}.
team: Border {MARKERS["withheld_team"]}
org: [Department of Travel, Office {MARKERS["withheld_unit"]}]
tags: [{MARKERS["withheld_tag"]}]
stage: production
governance:
  testing_by_group: waived
custom:
  withheld: "b) Yes – agency has determined that there's a risk to disclosure"
source:
  inventory: us-federal-2025
  row: 3
"""

EMAIL_IN_TEXT = f"""\
title: Forecast call volumes
summary: Staffing follows last year's calls; questions to {MARKERS["summary_email"]}@example.org.
team: Contact Centre
stage: idea
tags: [forecasting]
"""

PORTFOLIO = {
    "benefit-claims": PUBLIC_ROW,
    "visa-screening": WITHHELD_ROW,
    "call-volumes": EMAIL_IN_TEXT,
}

SITE_VISIBILITY = {
    "fields": {"custom.cost_note": "internal", "custom.security_detail": "withheld"},
}


def site_files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (a built site, a build-docs folder), by relative path; a
    gzipped one (sitemap.xml.gz) unpacked, so its text is searched too."""
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            files[path.relative_to(root).as_posix()] = (
                gzip.decompress(data) if path.suffix == ".gz" else data
            )
    return files


def markers_in(files: dict[str, bytes]) -> dict[str, list[str]]:
    """Marker name → the files holding it (ignoring case)."""
    found: dict[str, list[str]] = {}
    for name, data in files.items():
        text = data.decode("utf-8", "replace").casefold()
        for key, marker in MARKERS.items():
            if marker in text:
                found.setdefault(key, []).append(name)
    return found


def write_portfolio(root: Path, publication: str) -> Path:
    return write_site(
        root,
        PORTFOLIO,
        plugin_options={"publication": publication, "visibility": SITE_VISIBILITY},
    )


# -- the redaction itself (fast) -----------------------------------------------------------------


def loaded(tmp_path: Path) -> object:
    root = write_portfolio(tmp_path / "src", "public")
    return load_proposals([root / "content" / "proposals"], load_rubric(None), root=root)


def test_a_public_publication_drops_withheld_rows_and_redacts_fields(tmp_path: Path) -> None:
    intake = loaded(tmp_path)
    site = parse_visibility(SITE_VISIBILITY, "visibility")
    public = publish(intake, "public", site)  # type: ignore[arg-type]
    ids = [p.id for p in public.intake.proposals]
    assert ids == ["benefit-claims", "call-volumes"]
    assert (public.withheld_rows, public.withheld_with_waivers) == (1, 1)
    claims = public.intake.proposals[0]
    assert claims.owner == claims.sponsor == "Not published"
    assert claims.get("custom.cost_note") is None
    assert claims.get("custom.security_detail") is None
    assert claims.get("custom.contact_email") is None  # internal by the 2025 mapping
    assert claims.get("custom.topic_area") == "Benefits"  # public stays
    assert claims.get("source.unmapped") is None
    assert claims.get("roles") == {"product_owner": "Not published", "data_scientist": "vacant"}
    assert public.left_out["benefit-claims"].fields["custom.security_detail"] == "withheld"
    calls = public.intake.proposals[1]
    assert EMAIL_WITHHELD in calls.summary and MARKERS["summary_email"] not in calls.summary
    dumped = json.dumps([dict(p.fields) for p in public.intake.proposals])
    assert not [m for m in MARKERS.values() if m in dumped.casefold()]


def test_the_internal_publication_keeps_everything_and_counts_the_same(tmp_path: Path) -> None:
    intake = loaded(tmp_path)
    site = parse_visibility(SITE_VISIBILITY, "visibility")
    internal = publish(intake, "internal", site)  # type: ignore[arg-type]
    public = publish(intake, "public", site)  # type: ignore[arg-type]
    assert len(internal.intake.proposals) == 3
    assert len(public.intake.proposals) == len(internal.intake.proposals) - 1
    assert public.withheld_rows == internal.withheld_rows == 1
    assert internal.intake.proposals[0].owner == f"Alice {MARKERS['owner']}"


def test_names_left_out_do_not_change_the_scores(tmp_path: Path) -> None:
    """A sponsor's name is withheld, not the fact that one is named: no `no_sponsor` flag, and
    the same scores, ranges and flags as the internal build."""
    intake = loaded(tmp_path)
    site = parse_visibility(SITE_VISIBILITY, "visibility")
    rubric = load_rubric(None)
    cards = {
        kind: {
            c.proposal.id: c
            for c in score_intake(publish(intake, kind, site).intake, rubric).cards  # type: ignore[arg-type]
        }
        for kind in ("internal", "public")
    }
    internal, public = cards["internal"]["benefit-claims"], cards["public"]["benefit-claims"]
    assert "no_sponsor" not in [f.id for f in public.flags]
    assert [f.id for f in public.flags] == [f.id for f in internal.flags]

    def figures(card: object) -> tuple[object, ...]:
        names = ("scores", "confidence", "ranges", "priority", "risk", "state")
        return tuple(getattr(card, name) for name in names)

    assert figures(public) == figures(internal)


def test_a_field_marked_public_is_published_with_its_email(tmp_path: Path) -> None:
    intake = loaded(tmp_path)
    site = Visibility({"owner": "public", "custom.contact_email": "public"})
    claims = publish(intake, "public", site).intake.proposals[0]  # type: ignore[arg-type]
    assert claims.owner == f"Alice {MARKERS['owner']}"
    assert claims.get("custom.contact_email") == f"{MARKERS['contact_email']}@agency.example.gov"


@pytest.mark.parametrize(
    ("visibility", "message"),
    [
        ({"fields": {"owner": "secret"}}, "visibility.fields.owner must be public, internal"),
        ({"field": {}}, "visibility: unknown key(s) field"),
        ({"withhold_rows": {"public_values": []}}, "withhold_rows needs a field"),
    ],
)
def test_a_bad_visibility_option_is_a_one_line_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    visibility: object,
    message: str,
) -> None:
    root = write_site(tmp_path / "src", PORTFOLIO, plugin_options={"visibility": visibility})
    monkeypatch.chdir(root)
    status = main(["build-docs", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_an_unknown_publication_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_site(tmp_path / "src", PORTFOLIO, plugin_options={"publication": "open"})
    monkeypatch.chdir(root)
    assert main(["build-docs", "--out", str(tmp_path / "out")]) == 2
    assert "must be public or internal, not 'open'" in capsys.readouterr().err


# -- the hostile check: whole sites ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("publication", ["public", "internal"])
def test_the_plugin_build_holds_no_marker_in_public_and_all_in_internal(
    tmp_path: Path, publication: str
) -> None:
    root = write_portfolio(tmp_path / "src", publication)
    files = site_files(build_project(root))
    assert "search/search_index.json" in files and "sitemap.xml" in files
    assert "sitemap.xml.gz" in files
    found = markers_in(files)
    if publication == "public":
        assert found == {}, found
        assert not [name for name in files if name.endswith((".yaml", ".yml"))]
        assert "publication/index.html" in files
        about = " ".join(files["publication/index.html"].decode().split())
        assert "<strong>1</strong> use case is withheld" in about
        assert "1 of them has a waived practice" in about
    else:
        assert set(found) == set(MARKERS), set(MARKERS) - set(found)
        page = files["proposals/visa-screening/index.html"].decode()
        assert "Not published: withheld row" in page
        claims = files["proposals/benefit-claims/index.html"].decode()
        assert "Not published" in claims and "Contact email" in claims


@pytest.mark.slow
def test_build_docs_gives_the_same_public_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_portfolio(tmp_path / "src", "internal")
    monkeypatch.chdir(root)
    out = tmp_path / "out"
    assert main(["build-docs", "--publication", "public", "--out", str(out)]) == 0, (
        capsys.readouterr().err
    )
    docs = site_files(out)
    assert markers_in(docs) == {}
    assert not [n for n in docs if n.startswith("docs/proposals/") and n.endswith(".yaml")]
    assert "docs/proposals/visa-screening.md" not in docs
    built = build_project(out)
    site = site_files(built)
    assert "search/search_index.json" in site
    assert markers_in(site) == {}
    # The plugin's public build has the same pages.
    plugin = site_files(build_project(write_portfolio(tmp_path / "plugin", "public")))
    pages = {n for n in plugin if n.endswith(".html")}
    assert pages == {n for n in site if n.endswith(".html")}


@pytest.mark.slow
def test_render_gives_the_public_pages_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_portfolio(tmp_path / "src", "internal")
    monkeypatch.chdir(root)
    out = tmp_path / "rendered"
    args = ["render", "--config", "mkdocs.yml", "--publication", "public"]
    status = main([*args, "--content", "content", "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    assert markers_in(site_files(out)) == {}


@pytest.mark.slow
def test_switching_publication_with_the_cache_leaves_no_stale_page(tmp_path: Path) -> None:
    """Proposal pages are kept on disk between builds; the publication is part of their key."""
    root = write_portfolio(tmp_path / "src", "internal")
    internal = site_files(build_project(root))
    assert set(markers_in(internal)) == set(MARKERS)
    write_site(
        root,
        PORTFOLIO,
        plugin_options={"publication": "public", "visibility": SITE_VISIBILITY, "cache": True},
    )
    public = site_files(build_project(root))
    assert markers_in(public) == {}


@pytest.mark.slow
def test_public_counts_are_the_internal_ones_minus_the_withheld(tmp_path: Path) -> None:
    counts = {}
    for publication in ("internal", "public"):
        site = build_project(write_portfolio(tmp_path / publication, publication))
        portfolio = json.loads((site / "portfolio" / "portfolio.json").read_text())
        rows = json.loads((site / "portfolio" / "rows.json").read_text())
        csv_lines = (site / "portfolio" / "portfolio.csv").read_text().splitlines()
        counts[publication] = (len(portfolio["proposals"]), len(rows["rows"]), len(csv_lines) - 1)
    assert counts["internal"] == (3, 3, 3)
    assert counts["public"] == (2, 2, 2)


@pytest.mark.slow
def test_an_invalid_file_is_left_out_of_the_public_register_but_still_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An imported file's name is its title, and an invalid one cannot be read for its
    visibility: the public register counts it; the build still reports it."""
    marker = "mkinvalidnameq12"
    broken = {f"dhs-{marker}": "title: [unclosed\n"}
    root = write_site(
        tmp_path / "src", {**PORTFOLIO, **broken}, plugin_options={"publication": "public"}
    )
    outcome = logged_build(root, strict=True)
    assert outcome.error is not None  # --strict still stops on it
    assert any(marker in record.getMessage() for record in outcome.records)
    site = site_files(build_project(root))
    assert not [name for name, data in site.items() if marker in data.decode("utf-8", "replace")]
    about = " ".join(site["publication/index.html"].decode().split())
    assert "1 proposal file is not valid" in about
    monkeypatch.chdir(root)
    assert main(["build-docs", "--out", str(tmp_path / "out")]) == 1
    assert marker in capsys.readouterr().err
    assert not [n for n, d in site_files(tmp_path / "out").items() if marker.encode() in d]


@pytest.mark.slow  # builds the site with build-docs
def test_a_bad_environment_publication_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_site(tmp_path / "src", PORTFOLIO)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SWEETSPOT_PUBLICATION", "everyone")
    assert main(["build-docs", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "SWEETSPOT_PUBLICATION) must be public or internal, not 'everyone'" in err
    assert len(err.strip().splitlines()) == 1
    # --publication on the command line wins over the environment.
    assert main(["build-docs", "--publication", "public", "--out", str(tmp_path / "out")]) == 0


MAPPING_WITH_VISIBILITY = """\
mapping_version: 1
name: own-register
id: {key: [Name]}
fields:
  title: {column: Name}
  summary: {column: Name}
  team: {column: Name}
  stage: {column: Name, default: idea, values: {x: idea}}
visibility:
  fields:
    custom.contact: LEVEL
  withhold_rows: {field: custom.secret, public_values: ["no"]}
"""


def test_a_mapping_may_state_its_visibility_and_a_bad_level_is_located(tmp_path: Path) -> None:
    from scoring.proposals.schema import proposal_schema
    from scoring.sources.inventory.mapping import MappingError, load_mapping

    schema = proposal_schema(load_rubric(None))
    good = tmp_path / "good.yaml"
    good.write_text(MAPPING_WITH_VISIBILITY.replace("LEVEL", "internal"), encoding="utf-8")
    load_mapping(good, schema)
    bad = tmp_path / "bad.yaml"
    bad.write_text(MAPPING_WITH_VISIBILITY.replace("LEVEL", "secret"), encoding="utf-8")
    with pytest.raises(MappingError) as raised:
        load_mapping(bad, schema)
    assert "bad.yaml:11" in str(raised.value) and "visibility" in str(raised.value)
