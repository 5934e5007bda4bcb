"""Reading YAML into plain Python values, remembering where every key and value is.

ruamel.yaml's round-trip loader keeps the line and column of each mapping key, mapping
value and sequence item; we copy them into a table keyed by path and hand pydantic plain
``dict``/``list``/``str``/``int``/``bool`` values, so strict validation sees YAML's types.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from tocsin.world.document import Position, Positions
from tocsin.world.errors import WorldError, WorldFileError, YamlPath


class _Reader:
    def __init__(self) -> None:
        self.values: dict[YamlPath, Position] = {(): (1, 1)}
        self.keys: dict[YamlPath, Position] = {}

    def plain(self, node: Any, path: YamlPath) -> Any:
        if isinstance(node, CommentedMap):
            out: dict[str, Any] = {}
            for key in node:
                child = (*path, str(key))
                self._mark(self.keys, child, node.lc.key, key)
                self._mark(self.values, child, node.lc.value, key)
                out[str(key)] = self.plain(node[key], child)
            return out
        if isinstance(node, CommentedSeq):
            items = []
            for index, item in enumerate(node):
                self._mark(self.values, (*path, index), node.lc.item, index)
                items.append(self.plain(item, (*path, index)))
            return items
        return _scalar(node)

    def _mark(self, table: dict[YamlPath, Position], path: YamlPath, lookup: Any, k: Any) -> None:
        try:
            line, column = lookup(k)
        except (KeyError, TypeError, AttributeError):  # merged (<<) keys have no position
            return
        table[path] = (line + 1, column + 1)


def _scalar(node: Any) -> Any:
    # Subclasses (ScalarFloat, LiteralScalarString...) become their plain base types.
    if isinstance(node, bool | ScalarBoolean):
        return bool(node)
    for plain in (int, float, str):
        if isinstance(node, plain):
            return plain(node)
    if isinstance(node, TaggedScalar):
        return node.value  # a custom tag is ignored; its text is validated as usual
    if node is None or isinstance(node, date):
        return node
    return str(node)


def read_yaml(text: str, source: str) -> tuple[Any, Positions]:
    """Parse ``text``; a syntax error (or a key given twice) becomes a ``WorldFileError``."""
    try:
        tree = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise WorldFileError(
            [WorldError(source, line, column, "", f"invalid YAML: {problem}")]
        ) from None
    except YAMLError as exc:
        raise WorldFileError([WorldError(source, 1, 1, "", f"invalid YAML: {exc}")]) from None
    reader = _Reader()
    data = reader.plain(tree, ())
    return data, Positions(source, reader.values, reader.keys)
