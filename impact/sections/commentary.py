"""The evaluator's voice: interpretation and recommendations written by a person.

The report writes no recommendation of its own. What the evaluator writes for a milestone
and language goes into ``commentary-<milestone>.<language>.md`` beside ``survey.yml``
(``impact new-programme`` creates empty ones) and is rendered as "Interpretation and
recommendations". Markdown is rendered by markdown-it-py (CommonMark) with raw HTML
switched off, so any HTML in the file is shown as text; images are not rendered (a report
fetches nothing), and headings start below the report's section heading.

Examples
--------
>>> commentary_markup("## Einordnung\\n\\nGut <script>x</script> *so*.")
'<h3>Einordnung</h3>\\n<p>Gut &lt;script&gt;x&lt;/script&gt; <em>so</em>.</p>\\n'
"""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt

from impact.pipeline import Programme


def commentary_path(
    programme: Programme, milestone: str, language: str, *, folder: str | Path | None = None
) -> Path | None:
    """Where the evaluator's commentary for ``milestone`` in ``language`` lives: in
    ``folder``, by default the folder of ``survey.yml`` (a report's kernel, which runs
    elsewhere, passes the folder); None for a programme not loaded from a file."""
    if folder is None:
        if programme.survey.source is None:
            return None
        folder = Path(programme.survey.source).parent
    return Path(folder) / f"commentary-{milestone}.{language}.md"


def commentary_markup(text: str) -> str:
    """Markdown as safe HTML: raw HTML escaped, no images, and headings below the
    section's own: the file's highest heading level becomes ``<h3>``."""
    markdown = MarkdownIt("commonmark", {"html": False}).disable("image")
    tokens = markdown.parse(text)
    headings = [t for t in tokens if t.type in ("heading_open", "heading_close")]
    top = min((int(t.tag[1]) for t in headings), default=1)
    for token in headings:
        token.tag = f"h{min(6, int(token.tag[1]) - top + 3)}"
    return markdown.renderer.render(tokens, markdown.options, {})


def commentary_html(
    programme: Programme, milestone: str, language: str, *, folder: str | Path | None = None
) -> str | None:
    """The evaluator's commentary as safe HTML; None when there is none (no file, or only
    white space in it). ``folder``: see :func:`commentary_path`."""
    path = commentary_path(programme, milestone, language, folder=folder)
    if path is None or not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        return None
    return f"<div class='impact-commentary'>{commentary_markup(text)}</div>"
