"""The script tags of a migrated app's HTML pages, and the rewrite that loads the Wasm before the app runs.

A page that includes a migrated script keeps every byte except:

* `<script src="asm2wasm-loader.js" data-asm2wasm-wasm='[...]'></script>` inserted right before the first script
  tag that includes a migrated file: it starts compiling the page's .wasm files (`WebAssembly.compileStreaming`,
  with the ArrayBuffer fallback) as soon as the parser reaches it;
* from that tag on, every classic script (external or inline) is held back: its type becomes
  `text/x-asm2wasm-deferred` (the original type, if any, is kept in `data-asm2wasm-type`), so the browser neither
  fetches nor runs it; the loader runs them, in document order, once the document is parsed and the modules are
  compiled. The migrated runtime then finds its compiled module and links as the asm.js did, synchronously, so
  scripts that use the library right after including it keep working; big modules instantiate asynchronously and
  hold Emscripten's run() back through its run dependencies (templates/migrate/runtime.js.j2).

Scripts that ran before the loader are untouched. The scanner is a small tolerant tokenizer (comments, script
elements with raw text content up to `</script`, attributes quoted or not), linear in the page's length.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from dataclasses import dataclass, field

from asm2wasm.glue.edits import Edit

DEFERRED_TYPE = "text/x-asm2wasm-deferred"
WASM_ATTRIBUTE = "data-asm2wasm-wasm"  # on the loader's tag: the .wasm files to compile (a JSON list of URLs)
TYPE_ATTRIBUTE = "data-asm2wasm-type"  # on a held-back script: its original type
LOADER_FILE = "asm2wasm-loader.js"
SHIMS_FILE = "asm2wasm-shims.js"
_CLASSIC_TYPES = {"", "text/javascript", "application/javascript", "application/x-javascript", "text/ecmascript",
                  "application/ecmascript", "text/jscript", "text/livescript", "text/x-javascript"}

_TOKEN = re.compile(r"<!--.*?(?:-->|\Z)|<script\b(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>"
                    r"(?P<body>.*?)(?:</script\s*>|\Z)", re.I | re.S)
_ATTR = re.compile(r"""(?P<name>[^\s"'>/=]+)(?:\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>]+)))?""")


@dataclass
class Attribute:
    name: str  # lower case
    value: str | None  # entity-decoded; None for a boolean attribute
    start: int  # page offsets of the whole `name="value"`
    end: int


@dataclass
class ScriptTag:
    start: int  # offset of `<script`
    attrs_start: int  # offset just after `<script`
    body_start: int
    body_end: int
    attributes: list[Attribute] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        """The attribute's value ("" for a boolean attribute), or None when the tag does not have it."""
        attribute = self.attribute(name)
        if attribute is None:
            return None
        return attribute.value if attribute.value is not None else ""

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)

    @property
    def src(self) -> str | None:
        return self.get("src")

    @property
    def is_classic(self) -> bool:
        """A classic script (not a module, JSON, template...): the kind the loader can hold back and run later."""
        kind = self.get("type")
        return kind is None or kind.strip().lower() in _CLASSIC_TYPES


def scripts(page: str) -> list[ScriptTag]:
    """Every script element of the page, in document order (not those inside comments)."""
    found = []
    for match in _TOKEN.finditer(page):
        if match.group("attrs") is None:
            continue  # a comment
        attrs_start = match.start("attrs")
        tag = ScriptTag(match.start(), attrs_start, match.start("body"), match.end("body"))
        for attr in _ATTR.finditer(match.group("attrs")):
            value = next((v for v in (attr.group("dq"), attr.group("sq"), attr.group("bare")) if v is not None), None)
            tag.attributes.append(Attribute(attr.group("name").lower(), html.unescape(value) if value else value,
                                            attrs_start + attr.start(), attrs_start + attr.end()))
        found.append(tag)
    return found


def resolve(page_rel: str, src: str) -> str | None:
    """The app-relative path of a script's src, or None when it points outside the app (another origin, an
    absolute path, a data: URL, above the app's root)."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//|^/", src.strip()):
        return None
    path = re.split(r"[?#]", src.strip(), maxsplit=1)[0]
    if not path:
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page_rel), path))
    return None if joined == ".." or joined.startswith("../") else joined


def relative_url(page_rel: str, target_rel: str) -> str:
    """The URL of an app file as written in a page of the app."""
    return posixpath.relpath(target_rel, posixpath.dirname(page_rel) or ".")


@dataclass
class PageRewrite:
    edits: list[Edit]
    wasm_files: list[str]  # app-relative, in the order the loader compiles them
    warnings: list[tuple[int, str]]  # (page offset, message)


def inline_program(page: str, tags: list[ScriptTag]) -> str:
    """The page's inline scripts as one JavaScript program with the page's offsets, lines and columns: everything
    outside the scripts' bodies becomes spaces (newlines kept), with a `;` where each gap starts (a script ends its
    last statement)."""
    pieces, at = [], 0
    for tag in tags:
        gap = re.sub(r"[^\n]", " ", page[at : tag.body_start])
        pieces.append(";" + gap[1:] if at and gap else gap)
        pieces.append(page[tag.body_start : tag.body_end])
        at = tag.body_end
    pieces.append(re.sub(r"[^\n]", " ", page[at:]))
    return "".join(pieces)


def loader_rewrite(page_rel: str, page: str, migrated: dict[str, list[str]], loader_rel: str,
                   inline_wasm: dict[int, list[str]] | None = None,
                   tags: list[ScriptTag] | None = None) -> PageRewrite | None:
    """The edits that make the page load the Wasm of its migrated scripts first, or None when the page includes
    none. `migrated`: app-relative script path -> the app-relative .wasm files that script links; `inline_wasm`:
    the page's own inline scripts (by tag offset) -> the .wasm files of the modules migrated inside them; `tags`:
    `scripts(page)`, when the caller has it already."""
    inline_wasm = inline_wasm or {}
    tags = scripts(page) if tags is None else tags

    per_tag = [inline_wasm.get(tag.start, []) if tag.src is None else migrated.get(resolve(page_rel, tag.src) or "", [])
               for tag in tags]
    first = next((i for i, files in enumerate(per_tag) if files), None)
    if first is None:
        return None
    wasm_files = list(dict.fromkeys(wasm for files in per_tag for wasm in files))
    urls = json.dumps([relative_url(page_rel, w) for w in wasm_files])
    loader = (f'<script src="{html.escape(relative_url(page_rel, loader_rel))}" '
              f"{WASM_ATTRIBUTE}='{html.escape(urls, quote=False)}'></script>")
    anchor = tags[first]
    edits = [Edit(anchor.start, anchor.start, loader, f"loads {', '.join(wasm_files)} before the app's scripts run")]
    warnings = []
    for tag in tags[first:]:
        if not tag.is_classic:
            warnings.append((tag.start, f"a script of type {tag.get('type')!r} after the migrated script runs "
                                        "before the held-back classic scripts (the loader only holds back classic "
                                        "scripts)"))
            continue
        edits.append(_defer(tag))
        body = page[tag.body_start : tag.body_end]
        if tag.src is None and re.search(r"\bdocument\s*\.\s*write(?:ln)?\s*\(", body):
            warnings.append((tag.start, "an inline script held back until the Wasm is compiled calls document.write,"
                                        " which cannot insert into a page that has finished parsing"))
    return PageRewrite(edits, wasm_files, warnings)


def _defer(tag: ScriptTag) -> Edit:
    kind = tag.attribute("type")
    if kind is None:
        return Edit(tag.attrs_start, tag.attrs_start, f' type="{DEFERRED_TYPE}"',
                    "held back until the Wasm is compiled (run by asm2wasm-loader.js)")
    original = html.escape(kind.value or "")
    return Edit(kind.start, kind.end, f'type="{DEFERRED_TYPE}" {TYPE_ATTRIBUTE}="{original}"',
                "held back until the Wasm is compiled (run by asm2wasm-loader.js)")


def loader_context() -> dict[str, str]:
    """What templates/migrate/page_loader.js.j2 must agree on with these rewrites."""
    return {"deferred_type": DEFERRED_TYPE, "wasm_attribute": WASM_ATTRIBUTE, "type_attribute": TYPE_ATTRIBUTE}
