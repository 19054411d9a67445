"""What every page is showing: the data folder, the snapshot, the model version and the global filters.

`streamlit_app.py` decides it once per rerun (from the sidebar, whose widgets are bound to the URL's
query parameters) and pages read it here, so no page opens anything or picks filters on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from espejo.dashboards.filters import Filters, Topic

_STATE_KEY = "espejo_view"


@dataclass(frozen=True)
class View:
    data_dir: Path
    snapshot_stamp: int  # publication time of the snapshot (ns); part of every cache key
    model_version: str
    filters: Filters | None = None
    lang: str = "en"  # interface language
    topics: tuple[Topic, ...] = ()
    # frame -> (English label, Spanish label), from the snapshot; not hashed (a dict cannot be)
    frame_labels: Mapping[str, tuple[str, str]] = field(default_factory=dict, hash=False)
    query_string: str = ""  # the current filters as a URL query string (for links to the explorer)


def set_current_view(view: View) -> None:
    st.session_state[_STATE_KEY] = view


def current_view() -> View:
    return st.session_state[_STATE_KEY]
