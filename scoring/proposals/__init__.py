"""Stage 3, proposals: the proposal schema, finding and loading proposal files."""
