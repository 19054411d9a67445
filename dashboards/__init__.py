"""The Streamlit dashboard. Pages read the published snapshot through espejo.warehouse."""
