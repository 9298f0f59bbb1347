"""The report page as a document: title and metadata, contents, appendix of wide tables.

:func:`typeset` takes the HTML that nbconvert made of the executed notebook (the cover from
:func:`impact.sections.title_html`, then ``<h2>`` sections with ``<h3>`` parts) and gives
the page its apparatus, for the screen and for print alike:

- ``<title>`` and ``<meta>`` author, description and keywords from the cover (WeasyPrint
  takes the PDF's title, author, subject and keywords from them; ``<html lang>`` gives the
  PDF's language);
- an id for every section heading and a table of contents after the cover (in print with
  the page numbers, by ``target-counter`` in ``report.css``);
- tables too wide for the main body (see :func:`table_width`) moved into an appendix of
  full statistical tables, each numbered and headed, with a link to it where it stood;
  there they are set smaller and wrap between phrases, and only a table that still would
  not fit goes on a landscape page (a change of orientation breaks the page, which can
  leave the page before it nearly empty);
- the running footer's text (programme · kind of report · milestone) as a CSS string.

The page is restructured with Beautiful Soup (a dependency of nbconvert's as well), on the
parsed tree rather than on strings, so escaped text stays escaped.
"""

from __future__ import annotations

import copy
import re

from bs4 import BeautifulSoup, Tag

from impact import fmt

# Characters of 8 pt table text (cell padding included) that fit across a portrait A4 page
# inside the margins of report.css: a wider table leaves the main body for the appendix.
PORTRAIT_TABLE_CHARACTERS = 100
# Characters of the appendix's 7 pt text across a portrait page, its cells wrapped: a table
# needing more is split into parts (its leading label columns repeated in each); a part
# that still needs more is printed on a landscape page.
PORTRAIT_APPENDIX_CHARACTERS = 112


def column_widths(table: Tag, *, wrapped: bool = False) -> list[int]:
    """The width each column of a table needs, in characters: its longest cell or the
    longest word of its header (headers wrap between words, cells should not).

    With ``wrapped``, the width it needs at the least: cells wrap too, between words, after
    hyphens and around their unbreakable phrases (``<span class="nw">``, see
    :func:`impact.sections.html_table`).

    Examples
    --------
    >>> soup = BeautifulSoup("<table><tr><th>Mean change</th><th>d_z</th></tr><tr>"
    ...     "<td>WHO-5 well-being</td><td>0,3</td></tr></table>", "html.parser")
    >>> column_widths(soup.table), column_widths(soup.table, wrapped=True)
    ([16, 3], [6, 3])
    """
    widths: dict[int, int] = {}
    for row in table.find_all("tr"):
        for position, cell in enumerate(row.find_all(["th", "td"])):
            if cell.name == "th" or wrapped:
                length = _longest_unbreakable(cell)
            else:
                length = len(cell.get_text(" ", strip=True))
            widths[position] = max(widths.get(position, 0), length)
    return [widths[position] for position in sorted(widths)]


def table_width(table: Tag, *, wrapped: bool = False) -> int:
    """The width a table needs, in characters, cell padding included (see
    :func:`column_widths`)."""
    widths = column_widths(table, wrapped=wrapped)
    return sum(widths) + 2 * len(widths)


def _longest_unbreakable(cell: Tag) -> int:
    spans = cell.find_all("span", class_="nw")
    phrases = [span.get_text() for span in spans]
    in_phrases = {id(string) for span in spans for string in span.strings}
    words = [
        word
        for string in cell.strings
        if id(string) not in in_phrases
        for word in re.split(r"\s+|(?<=-)", string)
    ]
    return max(len(p) for p in [*phrases, *words, ""])


# A cell that starts like a number or a statistic ("+8,2 [1,8; 12,6], n = 16", "< 5").
_STATISTIC = re.compile(r"^\s*[-+−–<>=≤≥(\[]?\s?\d")


def _label_columns(table: Tag, columns: int) -> int:
    """How many leading columns name what a row is about (at least one, at most three)."""
    rows = [row.find_all("td") for row in table.find_all("tr")]
    rows = [cells for cells in rows if len(cells) == columns]
    labels = 0
    for position in range(min(3, columns - 1)):
        numbers = sum(bool(_STATISTIC.match(cells[position].get_text())) for cells in rows)
        if rows and numbers > len(rows) / 2:
            break
        labels += 1
    return max(labels, 1)


def split_columns(table: Tag, *, limit: int) -> list[Tag]:
    """A table too wide for ``limit`` characters (cells wrapped) as several narrower tables,
    each with the leading label columns (those that are not numbers) and as many of the
    others as fit. A table that fits is returned as it is.

    Examples
    --------
    >>> soup = BeautifulSoup("<table><tr><th>Scale</th><th class='num'>Mean</th>"
    ...     "<th class='num'>Difference</th></tr><tr><td>WHO-5</td><td class='num'>52,2</td>"
    ...     "<td class='num'>+8,3</td></tr></table>", "html.parser")
    >>> [[th.get_text() for th in part.find_all("th")] for part in split_columns(soup.table,
    ...                                                                          limit=20)]
    [['Scale', 'Mean'], ['Scale', 'Difference']]
    """
    widths = column_widths(table, wrapped=True)
    if sum(widths) + 2 * len(widths) <= limit:
        return [table]
    labels = _label_columns(table, len(widths))
    base = sum(widths[:labels]) + 2 * labels
    groups: list[list[int]] = [[]]
    used = base
    for position in range(labels, len(widths)):
        if groups[-1] and used + widths[position] + 2 > limit:
            groups.append([])
            used = base
        groups[-1].append(position)
        used += widths[position] + 2
    parts = []
    for group in groups:
        keep = set(range(labels)) | set(group)
        part = copy.copy(table)
        for row in part.find_all("tr"):
            for position, cell in enumerate(row.find_all(["th", "td"])):
                if position not in keep:
                    cell.decompose()
        parts.append(part)
    return parts


def typeset(page: str, language: str) -> str:
    """The report page with its title, metadata, contents and appendix of wide tables.

    Parameters
    ----------
    page : str
        A whole HTML page whose ``<main>`` holds the report (see the ``impact_report``
        nbconvert template).
    language : str
        The report's language: the texts of the contents and the appendix.

    Examples
    --------
    >>> page = typeset(
    ...     "<html><head><title></title></head><body><main>"
    ...     "<header class='impact-cover' data-programme='P' data-kind='Impact report' "
    ...     "data-wave='Final (2024)'><h1>Evaluation report: P</h1></header>"
    ...     "<h2>Summary</h2><p>Text</p></main></body></html>", "en")
    >>> print(re.search("<title>.*</title>", page)[0])
    <title>Evaluation report: P – Impact report, Final (2024)</title>
    >>> print(re.search("<nav.*</nav>", page)[0].replace("<ol>", "\\n<ol>"))
    <nav aria-labelledby="impact-contents" class="impact-toc"><h2 id="impact-contents">Contents</h2>
    <ol><li><a href="#section-1">Summary</a></li></ol></nav>
    """
    soup = BeautifulSoup(page, "html.parser")
    t = fmt.texts(language)
    main = soup.main
    if main is None:
        return page
    cover = main.find("header", class_="impact-cover")
    _describe(soup, cover)
    _move_wide_tables(soup, main, t)
    _contents(soup, main, cover, t)
    return str(soup)


def _describe(soup: BeautifulSoup, cover: Tag | None) -> None:
    """Title, metadata and running footer from the cover's data attributes."""
    if cover is None or cover.h1 is None:
        return
    title = cover.h1.get_text(" ", strip=True)
    programme = str(cover.get("data-programme", ""))
    kind = str(cover.get("data-kind", ""))
    wave = str(cover.get("data-wave", ""))
    head = soup.head
    if head is None:
        head = soup.new_tag("head")
        soup.html.insert(0, head)
    if head.title is None:
        head.append(soup.new_tag("title"))
    about = ", ".join(filter(None, (kind, wave)))
    head.title.string = f"{title} – {about}" if about else title
    for name, content in (
        ("author", programme),
        ("description", f"{kind}: {wave}" if kind and wave else kind or wave),
        ("keywords", ", ".join(filter(None, (programme, kind, wave)))),
    ):
        if content:
            head.append(soup.new_tag("meta", attrs={"name": name, "content": content}))
    footer = " · ".join(filter(None, (programme, kind, wave)))
    style = soup.new_tag("style")
    style.string = f"@page {{ @bottom-left {{ content: {_css_string(footer)}; }} }}"
    head.append(style)


def _css_string(text: str) -> str:
    r"""A CSS string literal of any text.

    >>> print(_css_string('A "B" \\ </style>'))
    "A \"B\" \\ \3c /style>"
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return '"' + re.sub(r"\s+", " ", escaped) + '"'


def _move_wide_tables(soup: BeautifulSoup, main: Tag, t: dict[str, str]) -> None:
    """Tables too wide for the main body → numbered, into an appendix before the data-quality
    appendix (or at the end)."""
    appendix_heading = next(
        (h for h in main.find_all("h2") if h.get_text(strip=True) == t["section_appendix"]), None
    )
    wide = []
    for element in main.find_all(["h2", "table"]):  # in document order
        if element is appendix_heading:
            break
        if element.name == "table" and table_width(element) > PORTRAIT_TABLE_CHARACTERS:
            wide.append(element)
    if not wide:
        return
    group = soup.new_tag("section", attrs={"class": "impact-appendix-tables"})
    group_heading = soup.new_tag("h2")
    group_heading.string = t["print_tables_appendix"]
    group.append(group_heading)
    titles: dict[str, int] = {}
    for number, table in enumerate(wide, start=1):
        label = t["print_table"].format(number=f"A{number}")
        subject = table.find_previous(["h2", "h3"])
        title = subject.get_text(" ", strip=True) if subject else ""
        titles[title] = titles.get(title, 0) + 1
        if titles[title] > 1:
            title = f"{title} ({titles[title]})"
        anchor = f"table-a{number}"
        reference = soup.new_tag("p", attrs={"class": "impact-see-table"})
        reference.append(t["print_see_table"] + " ")
        link = soup.new_tag("a", attrs={"href": f"#{anchor}", "data-page": t["print_page"]})
        link.string = f"{label}: {title}" if title else label
        reference.append(link)
        table.replace_with(reference)
        pieces = split_columns(table, limit=PORTRAIT_APPENDIX_CHARACTERS)
        for count, piece in enumerate(pieces, start=1):
            kind = "impact-appendix-table"
            if table_width(piece, wrapped=True) > PORTRAIT_APPENDIX_CHARACTERS:
                kind += " impact-landscape"
            attributes = {"class": kind}
            if count == 1:
                attributes["id"] = anchor
            part = soup.new_tag("section", attrs=attributes)
            heading = soup.new_tag("h3")
            heading.string = (f"{label}: {title}" if title else label) + (
                f" ({count}/{len(pieces)})" if len(pieces) > 1 else ""
            )
            part.append(heading)
            part.append(piece)
            group.append(part)
    if appendix_heading is not None:
        appendix_heading.insert_before(group)
    else:
        main.append(group)


def _contents(soup: BeautifulSoup, main: Tag, cover: Tag | None, t: dict[str, str]) -> None:
    """An id for every h2 and h3 and a nested list of links to them after the cover."""
    entries = soup.new_tag("ol")
    current = None
    sections = 0
    parts = 0
    for heading in main.find_all(["h2", "h3"]):
        if heading.name == "h2":
            sections += 1
            parts = 0
            heading["id"] = heading.get("id") or f"section-{sections}"
            current = soup.new_tag("li")
            entries.append(current)
            target = current
        else:
            if current is None:
                continue
            parts += 1
            heading["id"] = heading.get("id") or f"section-{sections}-{parts}"
            nested = current.find("ol")
            if nested is None:
                nested = soup.new_tag("ol")
                current.append(nested)
            target = soup.new_tag("li")
            nested.append(target)
        link = soup.new_tag("a", attrs={"href": f"#{heading['id']}"})
        link.string = heading.get_text(" ", strip=True)
        target.insert(0, link)
    if not sections:
        return
    nav = soup.new_tag("nav", attrs={"class": "impact-toc", "aria-labelledby": "impact-contents"})
    title = soup.new_tag("h2", attrs={"id": "impact-contents"})
    title.string = t["print_contents"]
    nav.append(title)
    nav.append(entries)
    if cover is not None:
        cover.insert_after(nav)
    else:
        main.insert(0, nav)
