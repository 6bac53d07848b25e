"""A page of latent pads, one for each decoder of tests/browser/pad_decoders.py, for the parity test.

tests/browser/test_latent_pad.py runs it as `streamlit run tests/browser/latent_pad_app.py` from the
repository, so `playground`, `ui` and `tests` import. Each pad's key names its decoder.
"""

import numpy as np
import streamlit as st

from playground.models.dcgan import DCGAN
from tests.browser.pad_decoders import DECODERS, built, latent_size
from ui.components import latent_pad

st.set_page_config(layout="wide")
for key in DECODERS:
    model, label = built(key)
    k = latent_size(model)
    st.markdown(f"**{key}**")
    if isinstance(model, DCGAN):
        latent_pad.path(key, model, np.zeros(k), np.ones(k), "spherical", label=label)
    else:
        codes = latent_pad.Points(np.array([[1.0, -1.0]], np.float32), np.array([3]))
        latent_pad.plane(key, model, latent_pad.Plane.axis_aligned(np.zeros(k, np.float32), 4.0, 0.05), codes)
