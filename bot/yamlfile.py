"""Safe YAML reading for moderator-edited files: size cap, UTF-8, no aliases, no tags.

The pipeline is: check the size before reading, decode strictly, compose with
PyYAML's *safe* loader, refuse aliases (the "billion laughs" trick), then
construct plain Python values. Every failure is a :class:`FAQError` that names
the file and the line. The node tree is returned too, so callers can point at
the line of any key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.errors import FAQError

# libyaml's parser when PyYAML was built with it (the wheels are): the same
# safe loader, about ten times faster on a large FAQ.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


def load_yaml(path: Path, max_bytes: int = MAX_FILE_BYTES) -> tuple[Any, yaml.Node | None]:
    """Read ``path`` safely and return ``(data, root_node)``; ``(None, None)`` for an empty file."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FAQError(path, None, None, f"cannot read file: {exc.strerror or exc}") from exc
    if size > max_bytes:
        raise FAQError(path, None, None, f"file is {size:,} bytes; the limit is {max_bytes:,} (nothing was parsed)")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FAQError(path, line, None, f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from exc
    loader = SafeLoader(text)
    try:
        _check_no_aliases(text, path)
        root = loader.get_single_node()
        if root is None:
            return None, None
        return loader.construct_document(root), root
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
