"""Stage 5, the portfolio: analytics over all scored proposals."""
