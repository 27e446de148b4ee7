"""The floor number rule of the Wodis ERPs (docs/use-cases.md, section 'Floor number rule').

The unit's floor comes from the ERP's free-text position ("3. OG links"). Checks are
case-insensitive and run in this order; the first match wins:

1. empty                                    -> None
2. contains "Erdgeschoss" or the token "EG" -> 0
3. contains "Keller" or the token "KG"/"UG" -> -1
4. is a number                              -> that number
5. a number can be extracted                -> the first number
6. otherwise ("Dachgeschoss, mitte")        -> None
"""

from __future__ import annotations

import re

# The abbreviations are matched as whole tokens, not as substrings: a letter may not touch them
# on either side. Otherwise "Wegweiser" or "Zugang" would count as EG or UG. Digits and
# punctuation may touch them ("1.UG", "EG/1. OG", "UG2" are all found).
_LETTER = r"[^\W\d_]"


def _token(abbreviation: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!{_LETTER})(?:{abbreviation})(?!{_LETTER})", re.IGNORECASE)


_EG = _token("EG")
_KG_OR_UG = _token("KG|UG")
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
_DIGITS = re.compile(r"\d+")


def floor_from_lage(text: str | None) -> int | None:
    """The floor number of a unit from the ERP's free-text position, by the rule above."""
    if text is None or not text.strip():
        return None
    stripped = text.strip()
    # casefold() also folds "ß" to "ss", so "Erdgeschoß" is found as well.
    folded = stripped.casefold()
    if "erdgeschoss" in folded or _EG.search(stripped):
        return 0
    if "keller" in folded or _KG_OR_UG.search(stripped):
        return -1
    if _WHOLE_NUMBER.fullmatch(stripped):
        return int(stripped)
    return _first_number(stripped)


def _first_number(text: str) -> int | None:
    match = _DIGITS.search(text)
    if match is None:
        return None
    number = int(match.group())
    # A minus sign counts only where it cannot be a hyphen: "-1. Etage" and "OG -1" are -1,
    # "Whg-3" is 3.
    before = text[: match.start()]
    if before.endswith("-") and not before[:-1][-1:].isalnum():
        return -number
    return number
