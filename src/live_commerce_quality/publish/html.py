"""What the HTML pages share: the Jinja environment (templates/ beside this module, escaping
on, undefined names an error) and the little Markdown the indicator definitions use."""

from __future__ import annotations

import re
from functools import cache

import jinja2
from markupsafe import Markup, escape

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_EM = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_CODE = re.compile(r"`([^`]+)`")


def markdown_inline(text: str | None) -> Markup:
    """`**bold**`, `*emphasis*` and `` `code` `` as HTML, everything else escaped."""
    html = str(escape(text or ""))
    html = _CODE.sub(r"<code>\1</code>", html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    html = _EM.sub(r"<em>\1</em>", html)
    return Markup(html)


@cache
def template_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("live_commerce_quality.publish", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = markdown_inline
    return env
