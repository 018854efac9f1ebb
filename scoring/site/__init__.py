"""Turn a scored portfolio into site pages: view models, templates and assets (no mkdocs)."""
