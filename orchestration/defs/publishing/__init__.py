"""The marts published to PostgreSQL for BI tools (analytics.serving)."""
