"""A small valid ERP export v1, written file by file, that tests change in one place."""

from __future__ import annotations

import zipfile
from pathlib import Path

PDF = b"%PDF-1.4\n% Mietvertrag MV-0001\n%%EOF\n"

VALID: dict[str, str | bytes] = {
    "mandanten.csv": "mandant_nr;name\n1000;Musterstadt Wohnen GmbH\n",
    "wirtschaftseinheiten.csv": (
        "mandant_nr;we_nr;bezeichnung;strasse;hausnummer;plz;ort\n"
        "1000;0001;Lindenstraße 12;Lindenstraße;12;50667;Köln\n"
    ),
    "gebaeude.csv": (
        "mandant_nr;we_nr;gebaeude_nr;bezeichnung;strasse;hausnummer;plz;ort;baujahr\n"
        "1000;0001;01;Haus 12;Lindenstraße;12;50667;Köln;1962\n"
        "1000;0001;02;Haus 12a;Lindenstraße;12a;50667;Köln;\n"
    ),
    # The example of the format description.
    "einheiten.csv": (
        "mandant_nr;we_nr;gebaeude_nr;einheit_nr;bezeichnung;nutzungsart;lage;wohnflaeche;zimmer\n"
        "1000;0001;01;001;Wohnung 1;Wohnung;Erdgeschoss links;61,5;2\n"
        "1000;0001;01;002;Wohnung 2;Wohnung;1. OG rechts;74.0;3\n"
        "1000;0001;01;900;Stellplatz 1;Stellplatz;;;\n"
    ),
    "mieter.csv": (
        "mandant_nr;person_nr;anrede;titel;vorname;nachname;firma;email;telefon;mobil;"
        "strasse;hausnummer;plz;ort\n"
        "1000;40001;Herr;;Peter;Müller;;peter.mueller@example.de;0221 4711;;"
        "Lindenstraße;12;50667;Köln\n"
        "1000;40002;Frau;Dr.;Anna;Müller;;;;;Lindenstraße;12;50667;Köln\n"
    ),
    "eigentuemer.csv": (
        "mandant_nr;person_nr;anrede;titel;vorname;nachname;firma;email;telefon;mobil;"
        "strasse;hausnummer;plz;ort\n"
        "1000;50001;Firma;;;;Rheinblick Immobilien eG;info@example.com;;;;;;\n"
    ),
    # The example of the format description.
    "mietvertraege.csv": (
        "mandant_nr;vertrag_nr;we_nr;gebaeude_nr;einheit_nr;person_nrs;beginn;ende\n"
        "1000;MV-0001;0001;01;001;40001,40002;2019-04-01;\n"
    ),
    "eigentuemervertraege.csv": (
        "mandant_nr;vertrag_nr;we_nr;gebaeude_nr;einheit_nr;person_nrs;beginn;ende\n"
        "1000;EV-0001;0001;01;001;50001;2001-01-01;\n"
    ),
    "ordner.csv": "mandant_nr;ordner_id;parent_id;name\n1000;1;;Objekte\n1000;2;1;Mietverträge\n",
    "dokumente.csv": (
        "mandant_nr;dokument_id;ordner_id;titel;datei;dateiname;mime_type;datum;archiv;"
        "bemerkung;freigegeben;we_nr;gebaeude_nr;einheit_nr;vertrag_nr;person_nr\n"
        "1000;D-1;2;Mietvertrag Müller;dokumente/mv-0001.pdf;;application/pdf;2019-03-15;"
        "Mietverträge;;1;0001;01;001;MV-0001;\n"
    ),
    "dokumente/mv-0001.pdf": PDF,
}


def make_export(
    directory: Path, extra: dict[str, str | bytes] | None = None, **changes: str | bytes | None
) -> Path:
    """Write the valid export into ``directory`` with some files replaced.

    Keywords name files with ".", "/" and "-" written as "_" (``einheiten_csv=...``);
    ``None`` leaves a file out. ``extra`` adds files by their path.
    """
    files: dict[str, str | bytes | None] = dict(VALID)
    for name, content in changes.items():
        files[_file_name(name)] = content
    files.update(extra or {})
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if content is None:
            continue
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return directory


def _file_name(keyword: str) -> str:
    known = {name.replace(".", "_").replace("/", "_").replace("-", "_"): name for name in VALID}
    if keyword in known:
        return known[keyword]
    raise KeyError(f"unknown export file {keyword!r}; known: {sorted(known)}")


def zip_directory(directory: Path, target: Path, *, folder: str = "") -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, folder + path.relative_to(directory).as_posix())
    return target


def rows(csv_text: str, *lines: str) -> str:
    """The header of ``csv_text`` followed by ``lines``."""
    header = csv_text.split("\n", 1)[0]
    return "\n".join((header, *lines)) + "\n"
