#!/usr/bin/env python3
"""Generate spans.jsonl: English PII sentences with international names and
non-US addresses, built from Faker (MIT) locale data and the team's own
sentence templates.  A DEVELOPMENT set (regressions, lexicon coverage), not
the measure.  See SOURCE.txt.

Usage:  python3 make.py [--out spans.jsonl] [--n 1200] [--seed 20240611]
Needs:  pip install faker   (output is byte-identical for the same Faker
        version, seed and n)
"""
import argparse
import datetime
import importlib.util
import json
import os
import random
import sys

# Some Faker locale data (e.g. it_IT cities) is kept in Python sets, whose
# iteration order depends on string hashing: fix PYTHONHASHSEED so that the
# output is byte-identical from run to run.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import faker  # noqa: E402
from faker import Faker  # noqa: E402

SEED = 20240611
N = 1200

# Latin-script locales (uk_UA/ru_RU are transliterated with Faker's own
# translit tables).  Weight 3 = the locales the sealed evaluation named.
LOCALES = [
    ("hu_HU", 3), ("fi_FI", 3), ("ru_RU", 3), ("uk_UA", 3),
    ("pl_PL", 1), ("cs_CZ", 1), ("sk_SK", 1), ("de_DE", 1), ("fr_FR", 1),
    ("it_IT", 1), ("es_ES", 1), ("pt_BR", 1), ("nl_NL", 1), ("sv_SE", 1),
    ("no_NO", 1), ("da_DK", 1), ("tr_TR", 1), ("ro_RO", 1), ("hr_HR", 1),
    ("sl_SI", 1), ("lt_LT", 1), ("lv_LV", 1), ("et_EE", 1), ("en_GB", 1),
    ("en_IE", 1), ("en_AU", 1), ("en_CA", 1), ("en_IN", 1), ("en_NG", 1),
    ("en_US", 1),
]


def has_own(kind, loc):
    """True if Faker ships a `kind` provider for exactly this locale (otherwise
    Faker silently falls back to en_US data, which we do not want to label as
    e.g. a Turkish address)."""
    return importlib.util.find_spec("faker.providers.%s.%s" % (kind, loc)) is not None


# ---------------------------------------------------------------- translit
def _translit_fn(loc):
    mod = __import__("faker.providers.person.%s" % loc, fromlist=["translit"])
    base = mod.translit

    def tr(s):
        out = []
        for ch in s:
            try:
                out.append(base(ch))
            except KeyError:          # letter missing from Faker's table
                out.append(ch)
        return "".join(out)
    return tr


TRANSLIT = {loc: _translit_fn(loc) for loc in ("ru_RU", "uk_UA")}

# ---------------------------------------------------------------- address layouts
# Order of components in the locale's usual postal format.  Literal text
# between fields is not part of any span.
LAYOUT = {
    "en_US": "{num} {street}, {city}, {state} {postcode}",
    "en_CA": "{num} {street}, {city}, {state} {postcode}",
    "en_AU": "{num} {street}, {city} {state} {postcode}",
    "en_GB": "{num} {street}, {city} {postcode}",
    "en_IE": "{num} {street}, {city}, {postcode}",
    "en_IN": "{num}, {street}, {city}, {state} {postcode}",
    "fr_FR": "{num} {street}, {postcode} {city}",
    "hu_HU": "{postcode} {city}, {street} {num}",
    "ru_RU": "{street}, d. {num}, {city}, {postcode}",
    "uk_UA": "{street}, bud. {num}, {city}, {postcode}",
    "pt_BR": "{street}, {num}, {city} - {state}, {postcode}",
    "it_IT": "{street} {num}, {postcode} {city}",
    "ro_RO": "{street} {num}, {city} {postcode}",
    "es_ES": "{street} {num}, {postcode} {city}",
}
DEFAULT_LAYOUT = "{street} {num}, {postcode} {city}"

MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]


def ordinal(n):
    if 10 <= n % 100 <= 20:
        return "%dth" % n
    return "%d%s" % (n, {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th"))


def fmt_date(d, rng):
    k = rng.randrange(8)
    if k == 0:
        return "%d %s %d" % (d.day, MONTHS[d.month - 1], d.year)
    if k == 1:
        return "%s %d, %d" % (MONTHS[d.month - 1], d.day, d.year)
    if k == 2:
        return "%02d/%02d/%d" % (d.day, d.month, d.year)
    if k == 3:
        return d.isoformat()
    if k == 4:
        return "%02d.%02d.%d" % (d.day, d.month, d.year)
    if k == 5:
        return "%s %s %d" % (ordinal(d.day), MONTHS[d.month - 1], d.year)
    if k == 6:
        return "%d %s %d" % (d.day, MONTHS[d.month - 1][:3], d.year)
    return "%d-%02d-%02d" % (d.year, d.month, d.day) if rng.random() < 0.5 else \
        "%d.%02d.%02d." % (d.year, d.month, d.day)


# ---------------------------------------------------------------- templates
# Fields: {name} full name (one NAME span), {first} {last} (NAME spans),
# {title} Mr/Ms/Dr (no span), {address} locale layout (several spans),
# {street} {num} {city} {postcode} {state}, {dob} {date} (DATE), {phone},
# {email}, {ssn}, {iban} {member} (ACCOUNT), {ip}.
TEMPLATES = [
    "Dear {first} {last}, your appointment at {address} is confirmed for {date}.",
    "Please update the billing address of {name} to {num} {street}, {city}, {postcode}.",
    "{name}, born {dob}, can be reached at {phone} or {email}.",
    "Patient {name} (DOB {dob}) was referred to our clinic on {date}.",
    "Hello, my name is {name} and I moved to {address} last month.",
    "Ship the replacement card to {name}, {address}.",
    "Insurance claim for {name}, member number {member}, date of service {date}.",
    "Hi {first}, we could not deliver your parcel to {street} {num} in {city}. Please call {phone}.",
    "The policyholder {name} lives at {street} {num}, {postcode} {city}.",
    "Contact person: {name}, phone {phone}, e-mail {email}.",
    "Ticket #{ticket}: user {name} reports a login failure from IP {ip} on {date}.",
    "{title} {last} asked us to send the MRI report to {email}.",
    "Could you confirm that {name} still lives in {city}, {state}?",
    "Registration form - Surname: {last}; Given name: {first}; Date of birth: {dob}; Postcode: {postcode}.",
    "Good morning {title} {last}, this is a reminder of your CT scan on {date}.",
    "Our records show {name} at {address}, telephone {phone}.",
    "{name} paid the invoice from account {iban} on {date}.",
    "Refund requested by {name}; bank account {iban}.",
    "Next of kin: {name}, {address}.",
    "The X-ray request for {first} {last} was signed on {date} by {docname}.",
    "Please forward the results to {docname} at {address}.",
    "Emergency contact for {first} is {name}, reachable on {phone}.",
    "We received a complaint from {name} ({email}) about the waiting time on {date}.",
    "Subscriber {last}, {first} - national ID {ssn} - born {dob}.",
    "The national identification number of {name} is {ssn}.",
    "New patient: {name}, {dob}, {address}, {phone}.",
    "Delivery address: {street} {num}, {city} {postcode}, {state}.",
    "Kindly note that {name} has changed the phone number to {phone}.",
    "{first} {last} will attend the follow-up on {date} at the {city} branch.",
    "Account holder {name}, date of birth {dob}, personal ID {ssn}.",
    "I am writing on behalf of my mother, {name}, who lives at {address}.",
    "Login from {ip} for {email} was blocked; the owner {name} was notified.",
    "Pick-up point: {street} {num}, {city}. Recipient: {name}, {phone}.",
    "Pharmacy note: prescription for {name}, {street} {num}, {postcode} {city}, issued {date}.",
    "Hi team, {first} {last} from {city} called about the bill dated {date}.",
    "Attn: {name}, {num} {street}, {city}, {state}, {postcode}",
    "Mailing list update: {email} now belongs to {first} {last} of {city}.",
    "Dr. {doclast} discharged {name} on {date}; follow-up by phone at {phone}.",
]

ADDR_FIELDS = {"address", "street", "num", "city", "postcode", "state"}


def fields_of(tpl):
    import string
    return {f for _, f, _, _ in string.Formatter().parse(tpl) if f}


class Person:
    def __init__(self, fk, loc, rng):
        self.female = rng.random() < 0.5
        tr = TRANSLIT.get(loc, lambda s: s)
        if self.female:
            first = fk.first_name_female()
            last = fk.last_name_female()
        else:
            first = fk.first_name_male()
            last = fk.last_name_male()
        middle = None
        if loc in TRANSLIT:
            if rng.random() < 0.35:
                middle = fk.middle_name_female() if self.female else fk.middle_name_male()
        elif rng.random() < 0.12:
            middle = fk.first_name_female() if self.female else fk.first_name_male()
            if middle == first:
                middle = None
        self.first = tr(first)
        self.last = tr(last)
        self.middle = tr(middle) if middle else None
        self.title = rng.choice(["Ms", "Mrs", "Dr"] if self.female else ["Mr", "Dr"])

    def full(self):
        return " ".join(x for x in (self.first, self.middle, self.last) if x)


def make_values(fk, loc, rng):
    tr = TRANSLIT.get(loc, lambda s: s)
    v = {}
    p = Person(fk, loc, rng)
    v["_person"] = p
    doc = Person(fk, loc, rng)
    v["docname"] = ("Dr " if rng.random() < 0.5 else "Dr. ") + doc.full()
    v["doclast"] = doc.last
    if has_own("address", loc):
        v["street"] = tr(fk.street_name())
        v["num"] = tr(fk.building_number())
        try:
            city = fk.city_name() if loc in TRANSLIT else fk.city()
        except AttributeError:
            city = fk.city()
        v["city"] = tr(city)
        v["postcode"] = tr(fk.postcode())
        try:
            v["state"] = tr(fk.administrative_unit())
        except AttributeError:
            v["state"] = None
    # not fk.date_of_birth(): that depends on today's date
    dob = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randrange(33000))
    v["dob"] = fmt_date(dob, rng)
    d = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randrange(2200))
    v["date"] = fmt_date(d, rng)
    v["phone"] = fk.phone_number() if has_own("phone_number", loc) else None
    v["email"] = fk.email()
    v["ssn"] = fk.ssn() if has_own("ssn", loc) else None
    v["iban"] = fk.iban() if has_own("bank", loc) else None
    v["member"] = fk.bothify(rng.choice(["??#######", "###-####-##", "#########", "?##-###-###"])).upper()
    v["ip"] = fk.ipv4_public()
    v["ticket"] = str(rng.randrange(10000, 99999))
    return v


def available(tpl, v, loc):
    f = fields_of(tpl)
    if f & ADDR_FIELDS and "street" not in v:
        return False
    if "state" in f and not v.get("state"):
        return False
    if "address" in f and "{state}" in LAYOUT.get(loc, DEFAULT_LAYOUT) and not v.get("state"):
        return False
    for k in ("ssn", "iban", "phone"):
        if k in f and not v.get(k):
            return False
    return True


def render(tpl, v, loc, case):
    """Return (text, spans).  Each piece is case-transformed on its own so
    offsets stay exact even where upper()/lower() change a string's length."""
    import string
    p = v["_person"]
    pieces = []   # (text, type or None)

    def put(s, typ=None):
        if case == "lower":
            s = s.lower()
        elif case == "upper":
            s = s.upper()
        pieces.append((s, typ))

    def put_fmt(fmt):
        for lit, f, _, _ in string.Formatter().parse(fmt):
            if lit:
                put(lit)
            if f:
                put_field(f)

    def put_field(f):
        if f == "name":
            put(p.full(), "NAME")
        elif f == "first":
            put(" ".join(x for x in (p.first, p.middle) if x), "NAME")
        elif f == "last":
            put(p.last, "NAME")
        elif f == "title":
            put(p.title)
        elif f == "docname":
            t, n = v["docname"].split(" ", 1)
            put(t + " ")
            put(n, "NAME")
        elif f == "doclast":
            put(v["doclast"], "NAME")
        elif f == "address":
            put_fmt(LAYOUT.get(loc, DEFAULT_LAYOUT))
        elif f == "ticket":
            put(v["ticket"])
        else:
            typ = {"street": "STREET", "num": "BUILDINGNUMBER", "city": "CITY",
                   "postcode": "ZIPCODE", "state": "STATE", "dob": "DATE",
                   "date": "DATE", "phone": "PHONE", "email": "EMAIL",
                   "ssn": "SSN", "iban": "ACCOUNT", "member": "ACCOUNT",
                   "ip": "IP"}[f]
            put(v[f], typ)

    put_fmt(tpl)
    text, spans, pos = "", [], 0
    for s, typ in pieces:
        if typ and s:
            spans.append({"start": pos, "end": pos + len(s), "type": typ, "value": s})
        text += s
        pos += len(s)
    return text, spans


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "spans.jsonl"))
    ap.add_argument("--n", type=int, default=N)
    ap.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args()

    rng = random.Random(a.seed)
    fakers = {}
    for i, (loc, _) in enumerate(LOCALES):
        fk = Faker(loc)
        fk.seed_instance(a.seed + i)
        fakers[loc] = fk
    locs = [l for l, _ in LOCALES]
    weights = [w for _, w in LOCALES]

    out = []
    for k in range(a.n):
        loc = rng.choices(locs, weights)[0]
        v = make_values(fakers[loc], loc, rng)
        cands = [t for t in TEMPLATES if available(t, v, loc)]
        tpl = rng.choice(cands)
        r = rng.random()
        case = "lower" if r < 0.05 else "upper" if r < 0.10 else "as-is"
        text, spans = render(tpl, v, loc, case)
        for s in spans:
            assert text[s["start"]:s["end"]] == s["value"], (text, s)
        spans.sort(key=lambda s: (s["start"], s["end"]))
        out.append({"id": "faker-%04d" % (k + 1), "text": text, "spans": spans,
                    "locale": loc, "case": case})

    with open(a.out, "w", encoding="utf-8", newline="\n") as f:
        for d in out:
            f.write(json.dumps(d, ensure_ascii=False, sort_keys=False) + "\n")
    sys.stderr.write("wrote %d sentences to %s (Faker %s, seed %d)\n"
                     % (len(out), a.out, faker.VERSION, a.seed))


if __name__ == "__main__":
    main()
