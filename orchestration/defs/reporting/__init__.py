"""The Analytics page as a Dagster asset (reports/analytics_page)."""
