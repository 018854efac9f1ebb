"""Stage 1, reading sources: YAML with positions, schema validation and the file cache."""
