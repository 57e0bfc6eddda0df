"""Publication: daily reports with maps and charts, and data exports."""
