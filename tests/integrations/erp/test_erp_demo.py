"""The demo connector: deterministic, realistic, lazy."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from integrations.erp.demo import REFERENCE_DATE, DemoConnector, portfolio
from integrations.erp.demo.pdf import tiny_pdf
from integrations.erp.demo.special_cases import DESCRIPTIONS, SHOWCASE, find_special_cases
from integrations.erp.records import (
    Dokument,
    Gebaeude,
    Ordner,
    Person,
    Vertrag,
    VertragsArt,
    Wirtschaftseinheit,
)
from integrations.usecases import UseCase

STAMMDATEN_ORDER = ["Wirtschaftseinheit", "Gebaeude", "Einheit", "Person", "Vertrag"]


def everything(connector, mandanten=None):
    numbers = mandanten or [mandant.mandant_nr for mandant in connector.list_mandanten()]
    return [item for use_case in UseCase for item in connector.read(use_case, mandanten=numbers)]


def test_same_units_and_seed_give_equal_portfolios():
    first, second = DemoConnector(units=300, seed=5), DemoConnector(units=300, seed=5)

    assert everything(first) == everything(second)


def test_another_seed_gives_another_portfolio():
    assert everything(DemoConnector(units=300, seed=5)) != everything(
        DemoConnector(units=300, seed=6)
    )


def test_the_portfolio_does_not_depend_on_pythonhashseed():
    # given: the same portfolio computed in two processes with different hash seeds
    code = (
        "import django, hashlib; django.setup();"
        "from integrations.erp.demo import DemoConnector;"
        "from integrations.usecases import UseCase;"
        "c = DemoConnector(units=120, seed=3); h = hashlib.sha256();"
        "[h.update(repr(i).encode()) for u in UseCase "
        "for i in c.read(u, mandanten=['1000', '2000', '3000'])];"
        "print(h.hexdigest())"
    )

    def digest(hash_seed):
        env = {
            **os.environ,
            "PYTHONHASHSEED": hash_seed,
            "DJANGO_SETTINGS_MODULE": "connect.settings.test",
        }
        return subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=Path(__file__).resolve().parents[3],  # the repository, for the imports
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    # then
    local = hashlib.sha256()
    for item in everything(DemoConnector(units=120, seed=3)):
        local.update(repr(item).encode())
    assert digest("1") == digest("4242") == local.hexdigest() + "\n"


def test_reading_a_subset_of_mandanten_equals_the_filtered_full_read():
    connector = DemoConnector(units=400, seed=2)
    full = everything(connector)

    for subset in (["2000"], ["1000", "3000"], ["3000"]):
        assert everything(connector, subset) == [item for item in full if item.mandant_nr in subset]


def test_records_come_in_dependency_order():
    connector = DemoConnector(units=200, seed=1)
    numbers = [mandant.mandant_nr for mandant in connector.list_mandanten()]

    stammdaten = list(connector.read(UseCase.STAMMDATEN, mandanten=numbers))
    dokumente = list(connector.read(UseCase.DOKUMENTE, mandanten=numbers))

    kinds = [type(item).__name__ for item in stammdaten]
    assert [kind for kind, _ in itertools.groupby(kinds)] == STAMMDATEN_ORDER
    persons = [item for item in stammdaten if isinstance(item, Person)]
    assert [person.rolle.value for person in persons] == sorted(
        person.rolle.value for person in persons
    )[::-1]  # Mieter, then Eigentümer
    contracts = [item.art for item in stammdaten if isinstance(item, Vertrag)]
    assert contracts == sorted(contracts, key=lambda art: art is VertragsArt.EIGENTUEMERVERTRAG)
    seen: set[tuple[str, str]] = set()
    for item in dokumente:
        if isinstance(item, Ordner):
            assert item.parent_id is None or (item.mandant_nr, item.parent_id) in seen
            seen.add((item.mandant_nr, item.ordner_id))
        else:
            assert isinstance(item, Dokument)
            assert (item.mandant_nr, item.ordner_id) in seen


def test_the_portfolio_has_every_special_case():
    # given: the smallest size the brief names
    items = everything(DemoConnector(units=50, seed=11))

    # when
    found = find_special_cases(items)

    # then: every case is there, and the showcase holds the documented examples
    assert sorted(name for name in DESCRIPTIONS if not found.get(name)) == []
    for name, keys in SHOWCASE.items():
        assert set(keys) <= set(found[name]), name


def test_random_wes_hold_the_special_cases_too():
    # given: a portfolio without its two showcase WEs (WE 0001 of Mandant 1000 and 3000)
    def in_showcase(item):
        if item.mandant_nr not in ("1000", "3000"):
            return False
        if isinstance(item, Person):  # the first WE's block of person numbers
            return int(item.person_nr) < portfolio.PERSON_NR_START + 10 * 14
        if isinstance(item, Ordner):
            return item.ordner_id.startswith("101")
        if isinstance(item, Dokument):
            return item.dokument_id.startswith("00001")
        return getattr(item, "we_nr", None) == "0001"

    items = [
        item for item in everything(DemoConnector(units=3000, seed=4)) if not in_showcase(item)
    ]

    found = find_special_cases(items)

    assert sorted(name for name in DESCRIPTIONS if not found.get(name)) == [
        "contract_number_with_slash",  # showcase only: one ambiguous number is enough
    ]


def test_the_showcase_special_cases_in_detail():
    items = {item.key: item for item in everything(DemoConnector(units=60, seed=1))}

    couple = items["vertrag", "1000", "mietvertrag", "00000101"]
    assert couple.person_nrs == ("40001", "40002")
    owner_and_tenant = ("person", "3000", "40001")
    contracts = [
        item
        for item in items.values()
        if isinstance(item, Vertrag) and "40001" in item.person_nrs and item.mandant_nr == "3000"
    ]
    assert sorted(contract.art.value for contract in contracts) == [
        "eigentuemervertrag",
        "mietvertrag",
    ]
    assert items[owner_and_tenant].nachname == "Weber"
    emails = [items["person", "1000", nr].email for nr in ("40003", "40004", "40005", "40006")]
    assert emails == [None, "mueller@", "a.b@@example.de", "name at example.de"]
    assert items["vertrag", "1000", "mietvertrag", "00000601"].ende < REFERENCE_DATE
    assert items["vertrag", "1000", "mietvertrag", "00000702"].beginn > REFERENCE_DATE
    floors = {
        items["einheit", "1000", "0001", "01", nr].lage
        for nr in ("001", "002", "003", "004", "005", "006", "007", "801", "802", "803", "901")
    }
    assert floors == {
        "Erdgeschoss links",
        "EG rechts",
        "2. Etage, rechts",
        "3",
        "3. OG links",
        "Dachgeschoss, mitte",
        "Souterrain",
        "Keller",
        "KG",
        "1. UG",
        None,
    }


def test_the_portfolio_looks_german_and_uses_example_domains_only():
    items = everything(DemoConnector(units=2000, seed=9))

    buildings = [item for item in items if isinstance(item, Gebaeude)]
    assert all(re.fullmatch(r"\d{5}", building.plz) for building in buildings)
    assert any(building.plz.startswith("0") for building in buildings)  # Dresden, Leipzig
    assert any(re.fullmatch(r"\d+[a-c]", building.hausnummer) for building in buildings)
    for person in (item for item in items if isinstance(item, Person)):
        domains = re.findall(r"@+([\w.-]+)", person.email or "")
        assert set(domains) <= {"example.de", "example.com", "example"}, person.email
    wes = [item for item in items if isinstance(item, Wirtschaftseinheit)]
    assert all(re.fullmatch(r"\d{4}", we.we_nr) for we in wes)


@pytest.mark.parametrize(("units", "mandanten"), [(50, 3), (200, 3), (5_000, 5), (100_000, 9)])
def test_the_number_of_mandanten_grows_with_the_portfolio(units, mandanten):
    connector = DemoConnector(units=units)

    assert len(connector.list_mandanten()) == mandanten
    assert sum(portfolio.unit_budgets(units).values()) == units


def test_the_portfolio_has_exactly_the_requested_units_and_scales():
    def counts(units):
        return Counter(type(item).__name__ for item in everything(DemoConnector(units=units)))

    small, large = counts(100), counts(1000)

    assert small["Einheit"] == 100
    assert large["Einheit"] == 1000
    for kind in ("Wirtschaftseinheit", "Gebaeude", "Person", "Vertrag", "Ordner", "Dokument"):
        assert large[kind] > 3 * small[kind], kind


def test_reading_is_lazy_even_for_a_huge_portfolio(monkeypatch):
    # given: a billion units, and a counter of the WEs that get built
    built = Counter()
    build = portfolio.random_structure

    def counting(plan):
        built[plan.mandant_nr, plan.we_nr] += 1
        return build(plan)

    monkeypatch.setattr(portfolio, "random_structure", counting)
    connector = DemoConnector(units=1_000_000_000, seed=1)

    # when
    read = connector.read(UseCase.STAMMDATEN, mandanten=["2000"])
    first = list(itertools.islice(read, 5))

    # then
    assert len(first) == 5
    assert all(isinstance(item, Wirtschaftseinheit) for item in first)
    assert sum(built.values()) == 5
    assert read.complete is False


def test_documents_are_read_lazily_from_small_real_pdfs():
    connector = DemoConnector(units=50)

    document = next(
        item
        for item in connector.read(UseCase.DOKUMENTE, mandanten=["1000"])
        if isinstance(item, Dokument)
    )

    with document.open() as stream:
        content = stream.read()
    assert len(content) == document.size < 1000
    assert document.mime_type == "application/pdf"
    assert document.dateiname.endswith(".pdf")


def test_the_tiny_pdf_is_well_formed():
    content = tiny_pdf("Mietvertrag Müller (Kopie)", "Mandant 1000")

    assert content.startswith(b"%PDF-1.4\n")
    assert content.endswith(b"%%EOF\n")
    assert b"(Mietvertrag M\xfcller \\(Kopie\\))" in content
    startxref = int(content.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert content[startxref:].startswith(b"xref\n0 6\n")
    entries = content[startxref:].split(b"\n")[3:8]
    for number, entry in enumerate(entries, start=1):
        offset = int(entry[:10])
        assert content[offset:].startswith(b"%d 0 obj\n" % number)


def test_units_out_of_range_are_refused():
    with pytest.raises(ValueError, match="units"):
        DemoConnector(units=0)


def test_dates_do_not_depend_on_the_clock():
    # The reference date is part of the data's definition, not today's date.
    assert date(2026, 11, 1) == REFERENCE_DATE
