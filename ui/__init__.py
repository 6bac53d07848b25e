"""The app's shared UI: widgets every lesson page uses and the routing that keeps pages inside app.py.

It lives outside `pages/` because Streamlit treats every file in a `pages/` folder next to the entry
file as a page of its own until st.navigation has run; a helper module there would be a page too.
"""
