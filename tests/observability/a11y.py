"""A small accessibility checker for server-rendered HTML (html.parser, no dependency).

check(html) returns a list of problems (empty when none) for the rules the status page must
keep: <html lang>, a non-empty <title>, one <h1> and no skipped heading level, unique ids,
every <table> with a <caption> (or aria-label), every <th> with scope, every <img> with alt,
every <svg> either aria-hidden or role="img" with an accessible name (aria-label, or
aria-labelledby naming existing ids), every form control with a <label for> or aria-label,
every link with text.
"""
from __future__ import annotations

from html.parser import HTMLParser
from typing import Dict, List, Optional, Tuple

CONTROLS = {"input", "select", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: List[str] = []
        self.ids: Dict[str, int] = {}
        self.labels_for: set = set()
        self.controls: List[Tuple[Optional[str], Dict[str, Optional[str]]]] = []
        self.svg_refs: List[str] = []
        self.stack: List[str] = []
        self.html_lang: Optional[str] = None
        self.title = ""
        self.headings: List[int] = []
        self.tables: List[Dict[str, bool]] = []
        self.link_text: Optional[List[str]] = None
        self.in_title = False

    def handle_starttag(self, tag: str, attrs_list) -> None:
        attrs = dict(attrs_list)
        if "id" in attrs and attrs["id"]:
            self.ids[attrs["id"]] = self.ids.get(attrs["id"], 0) + 1
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "title":
            self.in_title = True
        elif len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.headings.append(int(tag[1]))
        elif tag == "table":
            self.tables.append({"caption": bool(attrs.get("aria-label"))})
        elif tag == "caption" and self.tables:
            self.tables[-1]["caption"] = True
        elif tag == "th" and attrs.get("scope") not in ("row", "col", "rowgroup", "colgroup"):
            self.problems.append("<th> without a valid scope")
        elif tag == "img" and attrs.get("alt") is None:
            self.problems.append(f"<img src={attrs.get('src')!r}> without alt")
        elif tag == "svg" and self._outermost_svg():
            if attrs.get("aria-hidden") != "true":
                if attrs.get("role") != "img":
                    self.problems.append("<svg> without role=\"img\" (or aria-hidden)")
                if attrs.get("aria-labelledby"):
                    self.svg_refs.extend(attrs["aria-labelledby"].split())
                elif not attrs.get("aria-label"):
                    self.problems.append("<svg> without aria-label or aria-labelledby")
        elif tag == "label" and attrs.get("for"):
            self.labels_for.add(attrs["for"])
        elif tag in CONTROLS and attrs.get("type") not in ("hidden", "submit", "button"):
            self.controls.append((attrs.get("id"), attrs))
        elif tag == "a":
            self.link_text = [attrs.get("aria-label") or ""]
        if tag not in VOID:
            self.stack.append(tag)

    def _outermost_svg(self) -> bool:
        return "svg" not in self.stack

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "a" and self.link_text is not None:
            if not "".join(self.link_text).strip():
                self.problems.append("a link without text")
            self.link_text = None
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        if self.link_text is not None:
            self.link_text.append(data)


def check(html: str) -> List[str]:
    p = _Parser()
    p.feed(html)
    p.close()
    problems = list(p.problems)
    if not p.html_lang:
        problems.append("<html> without lang")
    if not p.title.strip():
        problems.append("no <title> text")
    if p.headings.count(1) != 1:
        problems.append(f"{p.headings.count(1)} <h1> elements, expected 1")
    for before, after in zip(p.headings, p.headings[1:]):
        if after > before + 1:
            problems.append(f"heading level skips from h{before} to h{after}")
    for ident, n in p.ids.items():
        if n > 1:
            problems.append(f"id {ident!r} used {n} times")
    for i, table in enumerate(p.tables):
        if not table["caption"]:
            problems.append(f"table #{i + 1} without <caption> or aria-label")
    for ref in p.svg_refs:
        if ref not in p.ids:
            problems.append(f"aria-labelledby names missing id {ref!r}")
    for ident, attrs in p.controls:
        if not (attrs.get("aria-label") or (ident and ident in p.labels_for)):
            problems.append(f"form control {ident or attrs} without a label")
    return problems
