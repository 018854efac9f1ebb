"""Stage 4, the scoring model: features, scores, flags and explained score cards."""
