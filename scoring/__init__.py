"""Sweetspot's engine: load, validate and score ML project proposals. Never imports mkdocs."""
