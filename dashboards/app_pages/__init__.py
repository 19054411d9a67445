"""Dashboard pages (UI only; data comes from espejo.warehouse.queries)."""
