"""esprima without the early errors that asm.js validation reports itself.

JavaScript makes `break` outside a loop or switch, `continue` outside a loop, a jump to an unknown label and a
label redeclared inside its own statement syntax errors; esprima raises them while parsing. asm.js gives them their
own reasons (§6.5.7, §6.5.9: T017, T023), so the parser lets them through and the checker reports them. Nothing
else changes: the parse methods are esprima's, run with a context that answers "allowed".
"""

from __future__ import annotations

from typing import Any

from esprima.parser import Parser


class _EveryLabel(dict):
    """A label set in which every label is declared (for `break L` and `continue L`)."""

    def __contains__(self, key: object) -> bool:
        return True


class _NoLabel(dict):
    """A label set in which no label is declared yet (for `L:`), so a nested duplicate is accepted."""

    def __contains__(self, key: object) -> bool:
        return False

    def __delitem__(self, key: object) -> None:
        self.pop(key, None)


class LenientParser(Parser):
    """esprima's script parser, minus the jump-target and label early errors."""

    def parseBreakStatement(self) -> Any:
        return self._with_any_target(super().parseBreakStatement)

    def parseContinueStatement(self) -> Any:
        return self._with_any_target(super().parseContinueStatement)

    def parseLabelledStatement(self) -> Any:
        context = self.context
        if not isinstance(context.labelSet, _NoLabel):
            context.labelSet = _NoLabel(context.labelSet)
        return super().parseLabelledStatement()

    def _with_any_target(self, parse: Any) -> Any:
        context = self.context
        saved = context.labelSet, context.inIteration, context.inSwitch
        context.labelSet, context.inIteration, context.inSwitch = _EveryLabel(), True, True
        try:
            return parse()
        finally:
            context.labelSet, context.inIteration, context.inSwitch = saved


def parse_script(text: str, options: dict[str, Any]) -> Any:
    """The ESTree of `text`, as `esprima.parseScript(text, options)` gives it, with the lenient rules above."""
    return LenientParser(text, options=dict(options, sourceType="script")).parseScript()
