"""The one pager of the site: a long list cut into pages of ``PAGE_SIZE`` rows, each page
knowing the paths of all its siblings, so no page grows with the portfolio and every row is
reachable without JavaScript."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

PAGE_SIZE = 100  # rows per page, for every paged list

T = TypeVar("T")


def paged_path(first: str, number: int, *, in_folder: bool = False) -> str:
    """The source path of page ``number`` of a list whose first page is ``first``: ``x.md``,
    ``x-page-2.md`` …; with ``in_folder`` (the portfolio's lists, each an ``index.md`` of its
    own folder) ``folder/index.md``, ``folder/page-2.md`` …, as those URLs were published."""
    if number == 1:
        return first
    if in_folder and first.endswith("/index.md"):
        return f"{first[: -len('index.md')]}page-{number}.md"
    return f"{first[:-3]}-page-{number}.md"


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a long list, with the paths of all its sibling pages."""

    items: Sequence[T]
    number: int  # 1-based
    paths: tuple[str, ...]  # page 1 first
    start: int  # the 1-based position of the first item
    total: int

    @property
    def path(self) -> str:
        return self.paths[self.number - 1]

    @property
    def end(self) -> int:
        return self.start + len(self.items) - 1

    @property
    def count(self) -> int:
        return len(self.paths)

    # The names the portfolio list template reads (an overriding template may too).
    @property
    def first_row(self) -> int:
        return self.start

    @property
    def last_row(self) -> int:
        return self.end

    @property
    def pages(self) -> tuple[tuple[int, str], ...]:
        return tuple(enumerate(self.paths, start=1))

    @property
    def prev_path(self) -> str | None:
        return self.paths[self.number - 2] if self.number > 1 else None

    @property
    def next_path(self) -> str | None:
        return self.paths[self.number] if self.number < self.count else None

    def key(self) -> tuple[object, ...]:
        """Where the page sits, as plain values (for a memo key; the items are not)."""
        return (self.number, self.paths, self.start, self.total)


def paginate(
    items: Sequence[T], first: str, size: int = PAGE_SIZE, *, in_folder: bool = False
) -> list[Page[T]]:
    """The pages of ``items``: always at least one, even when there are none."""
    count = max(1, -(-len(items) // size))
    paths = tuple(paged_path(first, n, in_folder=in_folder) for n in range(1, count + 1))
    return [
        Page(items[(n - 1) * size : n * size], n, paths, (n - 1) * size + 1, len(items))
        for n in range(1, count + 1)
    ]


def pager_links(page: Page[T], link: Callable[[str], str]) -> list[dict[str, object]]:
    """Links to every page of the list, the current one marked; empty for a single page."""
    if page.count == 1:
        return []
    return [
        {"number": n, "href": link(path), "current": n == page.number} for n, path in page.pages
    ]


__all__ = ["PAGE_SIZE", "Page", "paged_path", "pager_links", "paginate"]
