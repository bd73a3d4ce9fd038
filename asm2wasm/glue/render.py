"""Rendering the templates in templates/ (StrictUndefined: a missing context key is a bug, not an empty string)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

_PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = (_PACKAGE / "templates", _PACKAGE.parent / "templates")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in TEMPLATE_DIRS if d.is_dir()]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(template: str, context: dict) -> str:
    return environment().get_template(template).render(**context)
