"""Text a person types for others to read in class: an assignment's title and instructions, a
student's display name. Their limits (the store's columns are as wide), and how they are
checked before they are stored.

They are shown to others (the teacher's page, a projector, every student's run page), so they
are trimmed, bounded, and free of control and formatting characters (a right-to-left override
would make one name read as another). The pages escape them too, wherever they are shown.
"""

import unicodedata

ASSIGNMENT_ID_LENGTH = 16
ASSIGNMENT_TITLE_LENGTH = 80
ASSIGNMENT_INSTRUCTIONS_LENGTH = 500
DISPLAY_NAME_LENGTH = 40

_ZERO_WIDTH_JOINER = "\u200d"  # In emoji sequences: the one formatting character let through.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def clean_text(value: str, max_length: int, *, multiline: bool = False) -> str:
    """`value` trimmed, with its line ends made `\\n` (if `multiline`; else refused) and each
    run of spaces inside a line made one; ValueError says what is wrong."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1 and not multiline:
        raise ValueError("write it on one line")
    text = "\n".join(" ".join(line.split()) for line in lines).strip()
    for character in text:
        if character in ("\n", _ZERO_WIDTH_JOINER):
            continue
        if unicodedata.category(character) in _REFUSED_CATEGORIES:
            raise ValueError(f"no control or formatting characters (U+{ord(character):04X})")
    if len(text) > max_length:
        raise ValueError(f"at most {max_length} characters, got {len(text)}")
    return text
