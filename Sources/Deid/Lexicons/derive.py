#!/usr/bin/env python3
"""Derives the de-identifier's name lexicons and embeds every lexicon in Swift source.

Two steps, both deterministic (same inputs, byte-identical outputs):

1. With --census and --words: the 1990 US Census name lists and an English word list become
   first_names.txt, last_names.txt and common_words.txt next to this script.
2. Always: the committed .txt files (those three plus the hand-written clinical_safe_terms.txt)
   become the *+Data.swift files, so the daemon needs no data files at run time and the Swift
   copy can never drift from the committed lists.

    python3 Sources/Deid/Lexicons/derive.py \\
        --census /tmp/names-pkg/names-0.3.0/names --words /usr/share/dict/words
    python3 Sources/Deid/Lexicons/derive.py            # step 2 only
    python3 Sources/Deid/Lexicons/derive.py --check    # exit 1 if any Swift file is stale

Standard library only. SOURCE.txt says where the inputs come from and how the files read.
"""

import argparse
import os
import re
import sys

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
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--census", help="directory holding dist.female.first, dist.male.first, dist.all.last")
    parser.add_argument("--words", help="English word list, one word a line (/usr/share/dict/words)")
    parser.add_argument("--check", action="store_true", help="only report whether the Swift files are current")
    arguments = parser.parse_args()

    if bool(arguments.census) != bool(arguments.words):
        parser.error("--census and --words go together")
    if arguments.census and arguments.check:
        parser.error("--check compares the Swift files with the committed lists; give no inputs")

    if arguments.census:
        counts = derive_name_lists(arguments.census, arguments.words)
        print("first names %d, last names %d, common words %d" % counts)

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
