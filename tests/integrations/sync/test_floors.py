import pytest

from integrations.sync.floors import floor_from_lage


@pytest.mark.parametrize(
    ("lage", "floor"),
    [
        # docs/use-cases.md, section 'Floor number rule', row by row
        (None, None),  # empty
        ("", None),
        ("   ", None),
        ("Erdgeschoss links", 0),  # contains "Erdgeschoss"
        ("EG rechts", 0),  # also "EG"
        ("Kellergeschoss", -1),  # contains "Keller"
        ("KG", -1),  # also "KG"
        ("UG Mitte", -1),  # also "UG"
        ("4", 4),  # is a number
        ("3. Etage, links", 3),  # a number can be extracted
        ("3. OG links", 3),
        ("2. Etage, rechts", 2),
        ("Dachgeschoss, mitte", None),  # otherwise
        ("Souterrain", None),
        # case-insensitive
        ("erdgeschoss", 0),
        ("ERDGESCHOSS", 0),
        ("eg", 0),
        ("im keller", -1),
        ("ug", -1),
        ("Kg links", -1),
        # first match wins
        ("1. UG", -1),  # UG before the number
        ("EG/1. OG", 0),  # EG before UG/number
        ("Keller unter EG", 0),  # EG is checked before Keller
        ("2. OG über Keller", -1),
        # numbers
        ("-1", -1),
        (" 3 ", 3),
        ("+2", 2),
        ("0", 0),
        ("12", 12),
        ("-1. Etage", -1),
        ("OG -2", -2),
        ("Whg-3", 3),  # a hyphen, not a minus
        ("Haus 2-3", 2),
        ("Whg. 14, 3. OG", 14),  # the first number, as the rule says
        # whole tokens only
        ("Wegweiser", None),  # contains "eg" inside a word
        ("Zugang Hof", None),  # contains "ug" inside a word
        ("Kugel 5", 5),  # contains "ug" and "kg"-like letters inside a word
        ("Steg", None),
        ("1.UG", -1),  # punctuation and digits may touch the token
        ("UG2", -1),
        ("EG-links", 0),
        ("Erdgeschoß", 0),  # ß folds to ss
        ("Hochparterre", None),
    ],
)
def test_floor_from_lage(lage, floor):
    assert floor_from_lage(lage) == floor
