"""What every page is showing: the data folder, the snapshot and the model version chosen in the sidebar.

`streamlit_app.py` decides it once per rerun and pages read it here, so no page opens anything or
picks a model version on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

_STATE_KEY = "espejo_view"


@dataclass(frozen=True)
class View:
    data_dir: Path
    snapshot_stamp: int  # publication time of the snapshot (ns); part of every cache key
    model_version: str


def set_current_view(view: View) -> None:
    st.session_state[_STATE_KEY] = view


def current_view() -> View:
    return st.session_state[_STATE_KEY]
