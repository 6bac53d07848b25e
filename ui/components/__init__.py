"""Custom components (st.components.v2, plain HTML/CSS/JavaScript, no build step): the latent pad that decodes
in the browser while the pointer moves, and the drawing pad for a student's own digit or points."""

from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent


def component(name: str):
    """The component `name`: its script is shared.js then <name>.js, its style <name>.css, all in this folder."""
    script = "".join((HERE / file).read_text(encoding="utf-8") for file in ("shared.js", f"{name}.js"))
    return st.components.v2.component(name, js=script, css=(HERE / f"{name}.css").read_text(encoding="utf-8"))
