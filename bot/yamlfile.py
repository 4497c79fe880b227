"""Safe YAML reading for moderator-edited files: size cap, UTF-8, no aliases, no tags.

The pipeline is: check the size before reading, decode strictly, refuse
aliases (the "billion laughs" trick), compose a node tree with PyYAML's *safe*
parser, then build plain Python values from it, refusing any tag other than
text, lists, mappings (and, outside entry files, numbers, booleans and null)
and any key written twice. Every failure is a :class:`FAQError` that names the
file and the line. The node tree is returned too, so callers can point at the
line of any key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.errors import FAQError

# libyaml's parser when PyYAML was built with it (the wheels are): the same
# safe loader, about ten times faster on a large FAQ.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The same parser with no implicit types, for entry files: every plain scalar
# stays text ("yes" is "yes", not True), and explicit tags stay visible to
# _values, which refuses them.
TextLoader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)

_TAG = "tag:yaml.org,2002:"
_PLAIN_SCALARS = frozenset(_TAG + t for t in ("null", "bool", "int", "float"))

MAX_FILE_BYTES = 1_000_000
"""A moderator's FAQ file is a few kilobytes; anything near a megabyte is a mistake."""


def _check_no_aliases(text: str, path: Path) -> None:
    """Refuse any alias (``*name``) before a node tree is built from it."""
    if "*" not in text:
        return
    for event in yaml.parse(text, Loader=SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else None
            raise FAQError(path, line, None, "YAML anchors and aliases (& and *) are not allowed")


def _values(node: yaml.Node, loader: Any, path: Path) -> Any:
    """Build Python values from a node tree, refusing unknown tags and repeated keys."""
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _TAG + "str":
            return node.value
        if node.tag in _PLAIN_SCALARS:
            return loader.construct_object(node)
        raise FAQError(
            path, line, None, f"YAML tag {node.tag!r} is not allowed here (only plain text, lists, mappings)"
        )
    if isinstance(node, yaml.SequenceNode) and node.tag == _TAG + "seq":
        return [_values(item, loader, path) for item in node.value]
    if isinstance(node, yaml.MappingNode) and node.tag == _TAG + "map":
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _values(key_node, loader, path)
            if not isinstance(key, str | int | bool) or key is None:
                raise FAQError(path, key_node.start_mark.line + 1, None, "mapping keys must be plain text")
            if key in result:
                raise FAQError(path, key_node.start_mark.line + 1, None, f"key {key!r} appears twice in the same place")
            result[key] = _values(value_node, loader, path)
        return result
    raise FAQError(path, line, None, f"YAML tag {node.tag!r} is not allowed here (only plain text, lists, mappings)")


def read_capped(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Read a file's bytes, refusing it before reading if it is over ``max_bytes``."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FAQError(path, None, None, f"file is {size:,} bytes; the limit is {max_bytes:,} (nothing was parsed)")
        return path.read_bytes()
    except OSError as exc:
        raise FAQError(path, None, None, f"cannot read file: {exc.strerror or exc}") from exc


def load_yaml(
    path: Path, max_bytes: int = MAX_FILE_BYTES, *, text_only: bool = False, raw: bytes | None = None
) -> tuple[Any, yaml.Node | None]:
    """Read ``path`` safely and return ``(data, root_node)``; ``(None, None)`` for an empty file.

    ``text_only`` reads every plain scalar as text (no booleans, numbers or
    null), which is what FAQ files need, and is faster on big files. ``raw``
    is the file's bytes when the caller already read them with :func:`read_capped`.
    """
    if raw is None:
        raw = read_capped(path, max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FAQError(path, line, None, f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from exc
    loader = (TextLoader if text_only else SafeLoader)(text)
    try:
        _check_no_aliases(text, path)
        root = loader.get_single_node()
        if root is None:
            return None, None
        return _values(root, loader, path), root
    except RecursionError as exc:
        raise FAQError(path, None, None, "YAML is nested too deeply") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise FAQError(path, line, None, f"YAML error: {problem}") from exc
    except yaml.YAMLError as exc:
        raise FAQError(path, None, None, f"YAML error: {exc}") from exc
    finally:
        loader.dispose()


def node_at(root: yaml.Node | None, *keys: str | int) -> yaml.Node | None:
    """Follow mapping keys and sequence indexes from ``root``; ``None`` if the path is absent."""
    node = root
    for key in keys:
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            node = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
        else:
            return None
    return node


def mapping_line(root: yaml.Node | None, *keys: str | int) -> int | None:
    """The 1-based line of the node at ``keys``, for error messages."""
    node = node_at(root, *keys)
    return node.start_mark.line + 1 if node is not None else None
