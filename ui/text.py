"""Text a student typed or uploaded, shown as typed: never read as Markdown, never longer than a message.

Streamlit reads the body of st.error, st.warning, st.success, captions and metric labels as
Markdown: links, emphasis, `$…$` LaTeX, `:red[…]` colours, bare `www.` addresses. A file name, a
word or a model name from an uploaded header goes through `plain` before it reaches one: line
breaks become spaces, it is cut at playground.budgets.MESSAGE_CHARACTERS, and every ASCII
punctuation character is backslash-escaped (CommonMark lets any of them be), so the reader sees
the characters themselves. GitHub's bare links (`http://…`, `www.…`, `name@host`) are found after
escapes are read, so an invisible word joiner (U+2060) breaks their patterns. Plotly reads chart
titles as a little HTML: `chart_text` escapes that.
"""

import html
import re
import string

from playground.budgets import MESSAGE_CHARACTERS

CHART_TITLE_CHARACTERS = 60  # user text inside a chart title
_ESCAPED = str.maketrans({character: "\\" + character for character in string.punctuation})
_BARE_LINK = re.compile(r"(?<=:)(?=//)|(?<=@)|(?<=www)(?=\.)", re.IGNORECASE)  # where a word joiner breaks one
WORD_JOINER = "\u2060"


def _cut(text: object, limit: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def plain(text: object, limit: int = MESSAGE_CHARACTERS) -> str:
    """`text` on one line, at most `limit` characters, every Markdown character escaped, no bare link."""
    return _BARE_LINK.sub(WORD_JOINER, _cut(text, limit)).translate(_ESCAPED)


def chart_text(text: object, limit: int = CHART_TITLE_CHARACTERS) -> str:
    """`text` on one line, at most `limit` characters, HTML-escaped for a Plotly title or label."""
    return html.escape(_cut(text, limit))
