"""GitHub workflow commands: a problem shown on the offending line of a pull request, as
`sweetspot validate --format github` prints it for proposals and decision files alike."""

from __future__ import annotations

from scoring.sources.problems import Problem


def github_annotation(problem: Problem) -> str:
    """A workflow command that GitHub shows on the offending line of the pull request."""

    def escape(text: str, *, prop: bool = False) -> str:
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return text.replace(":", "%3A").replace(",", "%2C") if prop else text

    level = {"error": "error", "info": "notice"}.get(problem.severity, "warning")
    parts = [f"file={escape(problem.file, prop=True)}"]
    if problem.line:
        parts += [f"line={problem.line}", f"col={problem.column}"]
    title = f"Sweetspot: {problem.field}" if problem.field else "Sweetspot"
    parts.append(f"title={escape(title, prop=True)}")
    message = f"{problem.field}: {problem.message}" if problem.field else problem.message
    return f"::{level} {','.join(parts)}::{escape(message)}"


__all__ = ["github_annotation"]
