"""Word lists of the demo portfolio: German names, streets, cities with real postcodes.

Tuples, never sets: the generator picks from them by index, so their order is part of the
demo's determinism.
"""

# ruff: noqa: RUF001 - Turkish names (Yilmaz) are spelt with the dotless i

from __future__ import annotations

# fmt: off

FIRST_NAMES_FEMALE = (
    "Anna", "Maria", "Ursula", "Monika", "Petra", "Sabine", "Claudia", "Susanne", "Andrea",
    "Birgit", "Stefanie", "Julia", "Katharina", "Laura", "Lena", "Sophie", "Marie", "Hannah",
    "Emilia", "Lea", "Christiane", "Renate", "Gisela", "Ingrid", "Elke", "Jana", "Nicole", "Sandra",
    "Melanie", "Ayşe", "Zeynep", "Agnieszka", "Jelena", "Chiara", "Söhnke-Maren",
)
FIRST_NAMES_MALE = (
    "Peter", "Michael", "Thomas", "Andreas", "Wolfgang", "Klaus", "Jürgen", "Stefan", "Frank",
    "Uwe", "Bernd", "Markus", "Christian", "Matthias", "Tobias", "Jan", "Lukas", "Felix", "Jonas",
    "Leon", "Paul", "Maximilian", "Günter", "Horst", "Dieter", "Hans-Peter", "Karl-Heinz", "Mehmet",
    "Murat", "Piotr", "Dragan", "Luca", "Björn", "Sören", "Jörg",
)
FIRST_NAMES_DIVERSE = (
    "Kim", "Alex", "Robin", "Charlie", "Sascha", "Toni",
)

LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner",
    "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann",
    "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller",
    "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller", "Günther", "Frank",
    "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster",
    "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Krämer", "Vogt", "Stein", "Jäger",
    "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haas", "Schreiber", "Graf",
    "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl", "Engel", "Horn", "Busch", "Bergmann",
    "Voigt", "Sauer", "Arnold", "Pfeiffer", "Yılmaz", "Kaya", "Öztürk", "Demir", "Nowak",
    "Kowalski", "Popescu", "Petrović", "Rossi", "von Bülow", "Mohr-Lindner", "Ter Haar",
)
TITLES = (
    "Dr.", "Dr.", "Dr.", "Prof. Dr.", "Dipl.-Ing.",
)

# Firms that rent commercial units or own flats, as their names stand in the ERP.
FIRMS = (
    "Bäckerei Schmitz GmbH", "Apotheke am Markt e.K.", "Physiotherapie Lange GbR",
    "Friseursalon Haarmonie", "Blumen Vogel OHG", "Steuerberatung Krämer & Partner mbB",
    "Café Rheinblick UG (haftungsbeschränkt)", "Zahnarztpraxis Dr. Öztürk", "Kiosk Yılmaz",
    "Pflegedienst Sonnenschein gGmbH", "Fahrschule Berger", "Änderungsschneiderei Petrović",
    "IT-Service Hahn GmbH & Co. KG", "Versicherungsbüro Jäger", "Getränkemarkt Fuchs GmbH",
)
ESTATES = (
    "Erbengemeinschaft {}", "{} Grundbesitz GbR", "Familie {} Vermögensverwaltung KG",
)

STREETS = (
    "Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schulstraße", "Bergstraße", "Lindenstraße",
    "Kirchstraße", "Waldstraße", "Ringstraße", "Goethestraße", "Schillerstraße", "Mozartstraße",
    "Friedrich-Ebert-Straße", "Kaiser-Wilhelm-Ring", "Wilhelmstraße", "Beethovenstraße",
    "Eichendorffweg", "Rosenweg", "Ahornweg", "Parkstraße", "Mühlenweg", "Lessingstraße",
    "Uhlandstraße", "Heinrich-Heine-Straße", "Am Sonnenhang", "Marktplatz", "Blumenstraße",
    "Feldstraße", "Jahnstraße", "Kastanienallee", "Mittelstraße", "Talstraße", "Lindenallee",
    "Tulpenweg", "Ulmenstraße", "Weidenweg", "Zeppelinstraße", "Am Rheinufer", "Rheinallee",
    "Auf dem Kamp", "An der Alten Mühle", "Konrad-Adenauer-Platz", "Sankt-Martin-Straße",
    "Dürerstraße", "Brüder-Grimm-Weg", "Zum Steinbruch", "Im Wiesengrund", "Hölderlinstraße",
)

# city key -> (city, telephone area code, real postcodes of the city; some with a leading zero)
CITIES = {
    "koeln": ("Köln", "0221", ("50667", "50672", "50733", "50823", "50935", "51063", "51105")),
    "bonn": ("Bonn", "0228", ("53111", "53113", "53115", "53117", "53119", "53225")),
    "duesseldorf": ("Düsseldorf", "0211", ("40210", "40211", "40215", "40474", "40545")),
    "koblenz": ("Koblenz", "0261", ("56068", "56070", "56073", "56075")),
    "mainz": ("Mainz", "06131", ("55116", "55118", "55122", "55124", "55131")),
    "leipzig": ("Leipzig", "0341", ("04103", "04107", "04155", "04229", "04275", "04315")),
    "dresden": ("Dresden", "0351", ("01067", "01069", "01097", "01127", "01219", "01309")),
    "berlin": ("Berlin", "030", ("10115", "10243", "10437", "10585", "12043", "13353")),
    "hamburg": ("Hamburg", "040", ("20095", "20249", "22085", "22303", "22767")),
    "muenchen": ("München", "089", ("80331", "80469", "80636", "81371", "81667")),
    "freiburg": ("Freiburg im Breisgau", "0761", ("79098", "79100", "79102", "79106")),
    "konstanz": ("Konstanz", "07531", ("78462", "78464", "78467")),
    "bochum": ("Bochum", "0234", ("44787", "44789", "44791", "44799", "44866")),
    "essen": ("Essen", "0201", ("45127", "45131", "45138", "45147", "45279")),
    "frankfurt": ("Frankfurt am Main", "069", ("60311", "60316", "60385", "60487", "60594")),
}
MOBILE_PREFIXES = (
    "0151", "0160", "0170", "0171", "0172", "0176", "0152", "0162",
)

# Archives (search categories) of the documents.
ARCHIVE_CONTRACTS = "Mietverträge"
ARCHIVE_OWNER_CONTRACTS = "Eigentümerverträge"
ARCHIVE_PROTOCOLS = "Protokolle"
ARCHIVE_INTERNAL = "Intern"
ARCHIVE_TECHNICAL = "Technik"
ARCHIVE_CORRESPONDENCE = "Schriftverkehr"

REMARKS = (
    "Original im Hausordner", "per E-Mail eingegangen", "Scan vom Original, unterschrieben",
    "Nachtrag folgt", "geprüft durch Bestandsmanagement",
)
# fmt: on
