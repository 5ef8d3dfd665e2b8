"""Documents and exports shared by the areas (PDF builders, CSV and XLSX)."""
