"""The site layer's seams: one settings object for the plugin's options (read by the plugin
and by `sweetspot build-docs` alike), and the keys of what `mkdocs serve` rebuilds keep."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sitekit import MINIMAL_ID, MINIMAL_YAML, build_project, logged_build, write_site
from test_dirty_build import serve_build

from plugins.config import SweetspotConfig
from scoring.cli.main import main
from scoring.rubric import load_rubric
from scoring.site.settings import DEFAULTS, OPTION_NAMES, SettingsError, SiteSettings


def plugin_defaults() -> dict[str, Any]:
    """Every option the MkDocs plugin declares, with its default."""
    return {name: option.default for name, option in SweetspotConfig._schema}


def test_the_plugin_declares_exactly_the_settings_options_with_the_same_defaults() -> None:
    declared = plugin_defaults()
    assert set(declared) == OPTION_NAMES
    for name, default in declared.items():
        expected = DEFAULTS[name]
        assert default == (list(expected) if isinstance(expected, tuple) else expected), name


def every_option_set() -> dict[str, Any]:
    """Every plugin option, each given a value a real site could write."""
    values = {name: value for name, value in plugin_defaults().items() if value is not None}
    values.update(
        impact_threshold=60,
        risk_threshold=40,
        balance_tolerance=0.2,
        target_mix={"quick_win": 0.5},
        exchange_rates={"USD": 0.92},
        compact_html=False,
        strict=False,
        focus=["churn-*"],
        custom_templates="overrides",
        build_date="2026-12-07",
        decisions_dir="decisions",
        deciders=["Ada Lovelace"],
        regimes=["rubric-classes", "omb-m-24-10"],
        visibility={"fields": {"owner": "public"}},
        history_since="2026-09-01",
        scenarios=[{"name": "2027", "budget": 500000, "capacity": {"Risk": 3}}],
    )
    assert set(values) == OPTION_NAMES - {"rubric"}  # the built-in rubric: no file to name
    return values


def test_build_docs_accepts_every_plugin_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`compact_html: false` in mkdocs.yml once made build-docs exit 2 ("unknown option")."""
    root = write_site(
        tmp_path / "site", {MINIMAL_ID: MINIMAL_YAML}, plugin_options=every_option_set()
    )
    (root / "overrides").mkdir()
    monkeypatch.chdir(root)
    status = main(["build-docs", "--config", "mkdocs.yml", "--out", str(tmp_path / "out")])
    assert status == 0, capsys.readouterr().err
    assert (tmp_path / "out" / "docs" / "proposals" / f"{MINIMAL_ID}.md").is_file()


@pytest.mark.slow
def test_the_plugin_builds_with_every_option_set(tmp_path: Path) -> None:
    root = write_site(tmp_path, {MINIMAL_ID: MINIMAL_YAML}, plugin_options=every_option_set())
    (root / "overrides").mkdir()
    site = build_project(root)
    assert (site / "proposals" / MINIMAL_ID / "index.html").is_file()


def test_build_docs_still_refuses_an_unknown_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_site(
        tmp_path / "site", {MINIMAL_ID: MINIMAL_YAML}, plugin_options={"compact_htm": False}
    )
    monkeypatch.chdir(root)
    status = main(["build-docs", "--config", "mkdocs.yml", "--out", str(tmp_path / "out")])
    assert status == 2
    assert (
        "mkdocs.yml: plugins: sweetspot: unknown option(s) compact_htm" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"impact_threshold": 150}, "impact_threshold must be between 0 and 100, not 150"),
        ({"balance_tolerance": 2}, "balance_tolerance must be between 0 and 1, not 2"),
        ({"target_mix": {"quick_wins": 0.5}}, "target_mix: unknown quadrant(s) quick_wins"),
        (
            {"target_mix": {"quick_win": 1.5}},
            "target_mix: quick_win must be a share between 0 and 1, not 1.5",
        ),
    ],
)
def test_plugin_and_build_docs_refuse_a_bad_value_with_the_same_words(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    options: dict[str, Any],
    message: str,
) -> None:
    with pytest.raises(SettingsError) as refused:
        SiteSettings.from_options(options).quadrants_of(load_rubric(None))
    assert str(refused.value).startswith(message)
    root = write_site(tmp_path / "site", {MINIMAL_ID: MINIMAL_YAML}, plugin_options=options)
    outcome = logged_build(root)
    assert outcome.error is not None
    assert any(m.startswith(f"sweetspot: {message}") for m in outcome.messages), outcome.text
    monkeypatch.chdir(root)
    status = main(["build-docs", "--config", "mkdocs.yml", "--out", str(tmp_path / "out")])
    assert status == 2
    assert f"mkdocs.yml: sweetspot: {message}" in capsys.readouterr().err


def test_settings_from_a_config_file_keep_what_was_written(tmp_path: Path) -> None:
    config = yaml.safe_load("focus: [a-*, b]\ncompact_html: false\nrubric: null\n")
    settings = SiteSettings.from_options(config)
    assert settings.focus == ("a-*", "b")
    assert settings.compact_html is False and settings.rubric is None
    assert settings.cache_dir == DEFAULTS["cache_dir"]


def test_one_pager_pages_every_list_with_the_urls_it_always_had() -> None:
    from scoring.site.pager import paginate

    lists = paginate(list(range(201)), "portfolio/proposals/index.md", in_folder=True)
    assert [p.path for p in lists] == [
        "portfolio/proposals/index.md",
        "portfolio/proposals/page-2.md",
        "portfolio/proposals/page-3.md",
    ]
    assert (lists[2].first_row, lists[2].last_row, lists[2].prev_path, lists[2].next_path) == (
        201,
        201,
        "portfolio/proposals/page-2.md",
        None,
    )
    groups = paginate(list(range(101)), "portfolio/units/index.md")
    assert [p.path for p in groups] == [
        "portfolio/units/index.md",
        "portfolio/units/index-page-2.md",
    ]
    empty = paginate([], "portfolio/states/quick_win.md", in_folder=True)
    assert [(p.path, p.start, p.end, p.total) for p in empty] == [
        ("portfolio/states/quick_win.md", 1, 0, 0)
    ]


# -- what `mkdocs serve` rebuilds keep, key by key -------------------------------------------
# Each test edits exactly what one key covers and sees the page change (rendered again, and
# the new text in the built HTML), then checks that what the key does not cover was kept
# (not rendered again, its HTML the same bytes). The rule: scoring/site/rebuild/__init__.py.


class Session:
    """A site served with `mkdocs serve --dirty`: one plugin instance, rebuilt after edits;
    each rebuild records the Markdown pages rendered and the rows and entries made."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from scoring.site import portfolio_view
        from scoring.site.pages import exports
        from scoring.site.pages.context import SiteContext

        self.root = root
        self.rendered: set[str] = set()
        self.rows: list[str] = []
        self.entries: list[str] = []
        self.csv_rows: list[int] = []
        render, card_row = SiteContext.render, portfolio_view.card_row
        entry, write_csv = exports.export_entry, exports.write_csv

        def counting_render(ctx: Any, template: str, page: str, **context: Any) -> str:
            self.rendered.add(page)
            return render(ctx, template, page, **context)

        def counting_row(card: Any, rubric: Any) -> Any:
            self.rows.append(card.proposal.id)
            return card_row(card, rubric)

        def counting_entry(card: Any) -> Any:
            self.entries.append(card.proposal.id)
            return entry(card)

        def counting_csv(frame: Any, out: Any) -> None:
            self.csv_rows.append(len(frame))
            write_csv(frame, out)

        monkeypatch.setattr(SiteContext, "render", counting_render)
        monkeypatch.setattr(portfolio_view, "card_row", counting_row)
        monkeypatch.setattr(exports, "export_entry", counting_entry)
        monkeypatch.setattr(exports, "write_csv", counting_csv)
        self.site = Path(serve_build(root, dirty=True, startup=True).site_dir)

    def rebuild(self) -> None:
        self.rendered, self.rows, self.entries, self.csv_rows = set(), [], [], []
        serve_build(self.root, dirty=True, startup=False)

    def html(self, page: str) -> bytes:
        return (self.site / page / "index.html").read_bytes()

    def proposal(self, proposal_id: str) -> dict[str, Any]:
        path = self.root / "content" / "proposals" / f"{proposal_id}.yaml"
        data: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
        return data

    def edit(self, proposal_id: str, **fields: Any) -> None:
        path = self.root / "content" / "proposals" / f"{proposal_id}.yaml"
        path.write_text(
            yaml.safe_dump(
                {**self.proposal(proposal_id), **fields}, sort_keys=False, allow_unicode=True
            ),
            encoding="utf-8",
        )


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Session:
    from benchmarks.synthetic import write_proposals

    root = write_site(
        tmp_path,
        {},
        plugin_options={"custom_templates": "templates"},
        extra_files={"templates/.keep": ""},
    )
    write_proposals(root / "content" / "proposals", 8, seed=2)
    return Session(root, monkeypatch)


EDITED, OTHER = "synthetic-00003", "synthetic-00005"


@pytest.mark.dirty
def test_a_proposal_page_is_kept_until_its_own_proposal_changes(session: Session) -> None:
    other_before = session.html(f"proposals/{OTHER}")
    session.edit(EDITED, summary="An edited summary, seen on its own page only.")
    session.rebuild()
    assert f"proposals/{EDITED}.md" in session.rendered
    assert "An edited summary, seen on its own page only." in session.html(
        f"proposals/{EDITED}"
    ).decode("utf-8")
    assert f"proposals/{OTHER}.md" not in session.rendered
    assert session.html(f"proposals/{OTHER}") == other_before


@pytest.mark.dirty
def test_every_proposal_page_is_rendered_again_when_a_template_changes(session: Session) -> None:
    (session.root / "templates" / "score_bars.html.j2").write_text(
        (
            Path(__file__).resolve().parent.parent
            / "site_templates"
            / "fragments"
            / "score_bars.html.j2"
        ).read_text("utf-8")
        + '<p class="edited-template"></p>\n',
        encoding="utf-8",
    )
    session.rebuild()
    assert {f"proposals/{p}.md" for p in (EDITED, OTHER)} <= session.rendered
    assert b"edited-template" in session.html(f"proposals/{OTHER}")


@pytest.mark.dirty
def test_a_team_page_is_kept_until_one_of_its_proposals_changes(session: Session) -> None:
    from scoring.portfolio.orgunits import unique_slugs

    teams = {pid: session.proposal(pid)["team"] for pid in (EDITED, OTHER)}
    assert teams[EDITED] != teams[OTHER], teams
    slugs = unique_slugs(
        {t: [] for t in sorted({session.proposal(f"synthetic-{n:05d}")["team"] for n in range(8)})},
        "team",
    )
    edited_page = f"portfolio/teams/{slugs[teams[EDITED]]}"
    other_page = f"portfolio/teams/{slugs[teams[OTHER]]}"
    other_before = session.html(other_page)
    session.edit(EDITED, title="A retitled proposal, listed on its team's page")
    session.rebuild()
    assert f"{edited_page}.md" in session.rendered
    assert "A retitled proposal, listed on its team" in session.html(edited_page).decode("utf-8")
    assert f"{other_page}.md" not in session.rendered
    assert session.html(other_page) == other_before


@pytest.mark.dirty
def test_reference_pages_are_kept_while_the_rubric_and_templates_are(session: Session) -> None:
    before = session.html("reference/scoring-method")
    session.edit(EDITED, title="A retitled proposal, not on the reference pages")
    session.rebuild()
    assert "reference/scoring-method.md" not in session.rendered
    assert session.html("reference/scoring-method") == before
    config = session.root / "mkdocs.yml"
    data = yaml.safe_load(config.read_text("utf-8"))
    data["plugins"][-1]["sweetspot"]["impact_threshold"] = 61
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    session.rebuild()
    assert "reference/scoring-method.md" in session.rendered
    assert b"impact of at least 61 is high" in session.html("reference/scoring-method")


@pytest.mark.dirty
def test_rows_csv_lines_and_json_entries_are_made_again_for_the_edited_card_only(
    session: Session,
) -> None:
    session.edit(EDITED, title="A retitled proposal, in every download")
    session.rebuild()
    assert session.rows == [EDITED]
    assert session.entries == [EDITED]
    assert session.csv_rows == [1]  # the one stale line (and the header)
    site = session.site / "portfolio"
    for name in ("rows.json", "portfolio.csv", "portfolio.json"):
        assert "A retitled proposal, in every download" in (site / name).read_text("utf-8")


def test_the_intake_page_names_the_inventory_row_the_loader_read(tmp_path: Path) -> None:
    """The row comes with the loaded file (InvalidFile.imported_from); the page is rendered
    without opening any proposal file again, so a file gone since still has its row."""
    from scoring.model.scorecard import score_intake
    from scoring.proposals.loading import load_proposals
    from scoring.site.pages import SiteOptions, build_site

    folder = tmp_path / "proposals"
    folder.mkdir()
    (folder / "imported-one.yaml").write_text(
        "title: An imported use case\nsummary: From the inventory.\nteam: Ops\n"
        "stage: someday\nsource:\n  file: inventory.csv\n  row: 17\n",
        encoding="utf-8",
    )
    rubric = load_rubric(None)
    intake = load_proposals([folder], rubric, root=tmp_path)
    assert [bad.imported_from for bad in intake.invalid] == ["row 17 of inventory.csv"]
    (folder / "imported-one.yaml").unlink()
    pages = {
        page.path: page
        for page in build_site(
            score_intake(intake, rubric), SiteOptions(source_root=tmp_path)
        ).all_pages()
    }
    text = pages["intake-problems.md"].inlined()
    assert isinstance(text, str)
    assert "Imported from row 17 of inventory\\.csv" in text  # Markdown-escaped


@pytest.mark.dirty
def test_a_state_list_is_kept_until_a_proposal_in_it_changes(session: Session) -> None:
    rows = json.loads((session.site / "portfolio" / "rows.json").read_text("utf-8"))
    state_of = {row[0]: row[rows["fields"].index("state")] for row in rows["rows"]}
    other_state = next(s for s in sorted(set(state_of.values())) if s != state_of[EDITED])
    edited_page = f"portfolio/states/{state_of[EDITED]}"
    other_page = f"portfolio/states/{other_state}"
    other_before = session.html(other_page)
    session.edit(EDITED, title="A retitled proposal, in its state's list")
    session.rebuild()
    assert f"{edited_page}.md" in session.rendered
    assert "A retitled proposal, in its state" in session.html(edited_page).decode("utf-8")
    assert f"{other_page}.md" not in session.rendered
    assert session.html(other_page) == other_before


@pytest.mark.dirty
def test_a_pitfall_page_is_kept_until_a_row_it_shows_changes(session: Session) -> None:
    listing = [
        (p.parent.relative_to(session.site).as_posix(), f"synthetic-{n:05d}")
        for n in range(8)
        for p in sorted((session.site / "pitfalls").glob("*/index.html"))
        if f"proposals/synthetic-{n:05d}/" in p.read_text("utf-8")
    ]
    assert listing, "no proposal is open on any checklist"
    page, shown = listing[0]
    before = session.html(page)
    session.edit(shown, summary="A summary no pitfall page shows.")
    session.rebuild()
    assert f"{page}.md" not in session.rendered  # its card is new; what the page shows is not
    assert session.html(page) == before
    session.edit(shown, title="A retitled proposal, open on this checklist")
    session.rebuild()
    assert f"{page}.md" in session.rendered
    assert "A retitled proposal, open on this checklist" in session.html(page).decode("utf-8")
