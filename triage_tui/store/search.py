"""Finding cases by what a person remembers of them, and the same customer's other cases, with each database's
own text search (migration 0006 builds what these queries read).

SQLite: the FTS5 table `cases_fts` (trigram tokenizer, kept current by triggers on `cases`), ranked by bm25.
PostgreSQL: a pg_trgm GIN index over the same fields joined in lower case, ranked by which fields hold the words.
Both: expression indexes for the email, the phone (digits, +44 as 0) and the name (lower case, blanks made one),
which the same-customer lookups and the one- and two-character searches use.

The statements are plain text with `:name` parameters, which SQLAlchemy's text() and the standard library's
sqlite3 both take, so the command line can search a SQLite file without loading SQLAlchemy (services/find.py).
This module imports neither.

Customer text is hostile: a search is cut into words, each passed as a bound parameter (FTS5: inside a quoted
string, quotes doubled; LIKE: with its wildcards escaped), so no input is ever read as query syntax.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# (sql, params) -> rows: a session's connection or a sqlite3 connection.
Run = Callable[[str, dict[str, Any]], Sequence[Sequence[Any]]]

FTS_TABLE = "cases_fts"
SEARCH_INDEXES = frozenset(
    {
        "ix_cases_email_key",
        "ix_cases_phone_key",
        "ix_cases_name_key",
        "ix_cases_search_trgm",
        "ix_cases_reference_prefix",
    }
)


def is_search_structure(name: str | None) -> bool:
    """The tables (FTS5 and its shadow tables) and indexes of migration 0006, which the ORM's metadata does not
    declare: a comparison of the database with the metadata leaves them out."""
    return name is not None and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_") or name in SEARCH_INDEXES)


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """For Alembic's `include_name` (autogenerate and compare_metadata)."""
    return not is_search_structure(name)


# --- what was typed -----------------------------------------------------------------------------------------

MAX_QUERY = 200  # characters, after blanks are made one: a few words, an email, a phone number
MIN_TRIGRAM = 3  # FTS5's trigram tokenizer and pg_trgm match nothing shorter
MAX_WORDS = 12
PHONE_DIGITS = 7  # fewer digits than this is no phone number worth matching on
REFERENCE_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,39}$")
PHONE_LIKE = re.compile(r"^\+?[0-9 ()./-]+$")


def clean(text: str) -> str:
    """Control characters, NUL, unpaired surrogates and other invisible formatting become blanks; runs of
    blanks become one."""
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        out.append(" " if category[0] in "CZ" else ch)  # Cc, Cf, Cs, Co, Cn; Zs, Zl, Zp
    return " ".join("".join(out).split())


@dataclass(frozen=True)
class Search:
    text: str  # cleaned
    words: tuple[str, ...]  # at most MAX_WORDS, distinct, in order

    @property
    def long_words(self) -> tuple[str, ...]:
        return tuple(w for w in self.words if len(w) >= MIN_TRIGRAM)

    @property
    def short_words(self) -> tuple[str, ...]:
        return tuple(w for w in self.words if len(w) < MIN_TRIGRAM)

    @property
    def looks_like_reference(self) -> bool:
        return REFERENCE_LIKE.match(self.text) is not None

    @property
    def email(self) -> str | None:
        return self.text if "@" in self.text and " " not in self.text else None

    @property
    def phone(self) -> str | None:
        key = phone_key(self.text)
        return key if PHONE_LIKE.match(self.text) and len(key) >= PHONE_DIGITS else None


def parse(text: str) -> Search:
    cleaned = clean(text)
    seen: dict[str, None] = {}
    for word in cleaned.split(" "):
        if word and word.casefold() not in {w.casefold() for w in seen}:
            seen[word] = None
    return Search(cleaned, tuple(seen)[:MAX_WORDS])


# --- the same customer, in Python (the SQL below mirrors these for the usual ways of writing them) ----------

_INTERNATIONAL_UK = re.compile(r"^(?:00)?440?")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b")


def phone_key(raw: str | None) -> str:
    """Digits only, a UK number written internationally (+44, 0044, +44 (0)) as the national 0..."""
    if not raw:
        return ""
    digits = "".join(ch for ch in raw if "0" <= ch <= "9")
    return _INTERNATIONAL_UK.sub("0", digits, count=1) if digits.startswith(("44", "0044")) else digits


def name_key(raw: str | None) -> str:
    return " ".join((raw or "").split()).casefold()


def postcode(address: str | None) -> str | None:
    """The last UK postcode written in an address (SW1A 1AA, sw1a1aa), without its space; None if none."""
    if not address:
        return None
    found = _POSTCODE.findall(address.upper())
    return f"{found[-1][0]}{found[-1][1]}" if found else None


# --- SQL expressions, exactly as migration 0006 indexes them -------------------------------------------------


def _sqlite_digits(column: str) -> str:
    expr = column
    for sep in (" ", "-", "(", ")", ".", "+", "/"):
        expr = f"replace({expr}, '{sep}', '')"
    return expr


def _sqlite_phone_key(column: str) -> str:
    d = _sqlite_digits(column)
    return (
        f"CASE WHEN substr({d}, 1, 5) = '00440' THEN '0' || substr({d}, 6) "
        f"WHEN substr({d}, 1, 4) = '0044' THEN '0' || substr({d}, 5) "
        f"WHEN substr({d}, 1, 3) = '440' THEN '0' || substr({d}, 4) "
        f"WHEN substr({d}, 1, 2) = '44' THEN '0' || substr({d}, 3) "
        f"ELSE {d} END"
    )


def _sqlite_name_key(column: str) -> str:
    expr = f"replace(replace({column}, char(9), ' '), char(10), ' ')"
    for _ in range(3):
        expr = f"replace({expr}, '  ', ' ')"
    return f"lower(trim({expr}))"


PG_DOC = (
    "lower(reference || ' ' || customer_name || ' ' || coalesce(customer_email, '') || ' ' || "
    "coalesce(customer_phone, '') || ' ' || summary)"
)


def _pg_phone_key(column: str) -> str:
    return f"regexp_replace(regexp_replace({column}, '[^0-9]', '', 'g'), '^(00)?440?', '0')"


def _pg_name_key(column: str) -> str:
    return f"lower(btrim(regexp_replace({column}, '\\s+', ' ', 'g')))"


@dataclass(frozen=True)
class Dialect:
    phone_key: Callable[[str], str]
    name_key: Callable[[str], str]


DIALECTS = {
    "sqlite": Dialect(_sqlite_phone_key, _sqlite_name_key),
    "postgresql": Dialect(_pg_phone_key, _pg_name_key),
}


def _dialect(name: str) -> Dialect:
    return DIALECTS["sqlite" if name == "sqlite" else "postgresql"]


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_phrase(word: str) -> str:
    """One FTS5 string: everything inside double quotes is literal, a quote is written twice."""
    return '"' + word.replace('"', '""') + '"'


# --- finding cases --------------------------------------------------------------------------------------------

# bm25 weights, in the FTS table's column order: a hit in the reference or the name says more than one among
# the summary's words.
_BM25 = "bm25(cases_fts, 10.0, 6.0, 4.0, 4.0, 1.0)"
_SQLITE_ALL = (
    "(c.reference || ' ' || c.customer_name || ' ' || coalesce(c.customer_email, '') || ' ' || "
    "coalesce(c.customer_phone, '') || ' ' || c.summary)"
)
_MAX_CHAR = "char(1114111)"  # U+10FFFF: above every character, so [x, x + it) holds every text starting with x


def find_ids(run: Run, dialect: str, search: Search, limit: int) -> list[int]:
    """The ids of the cases matching `search`, most relevant first: the reference exactly (any letter case),
    references starting with it, the email or phone exactly, then the text matches ranked (ties newest
    first); a search of only one- and two-character words looks for names and references starting with it."""
    pg = dialect != "sqlite"
    found: dict[int, None] = {}

    def take(sql: str, params: dict[str, Any]) -> None:
        if len(found) >= limit:
            return
        for row in run(sql, {**params, "limit": limit}):
            found.setdefault(int(row[0]), None)

    q = {"q": search.text}
    if search.looks_like_reference:
        take("SELECT id FROM cases WHERE lower(reference) = lower(:q) LIMIT :limit", q)
        if pg:
            take(
                "SELECT id FROM cases WHERE lower(reference) LIKE lower(:prefix) ESCAPE '\\' "
                "ORDER BY lower(reference) DESC LIMIT :limit",
                {"prefix": escape_like(search.text) + "%"},
            )
        else:
            take(
                f"SELECT id FROM cases WHERE lower(reference) > lower(:q) AND lower(reference) < lower(:q) || "
                f"{_MAX_CHAR} ORDER BY lower(reference) DESC LIMIT :limit",
                q,
            )
    if search.email is not None:
        take(
            "SELECT id FROM cases WHERE lower(customer_email) = lower(:q) ORDER BY received_at DESC, id DESC "
            "LIMIT :limit",
            q,
        )
    if search.phone is not None:
        key = _dialect(dialect).phone_key("customer_phone")
        take(
            f"SELECT id FROM cases WHERE {key} = :key ORDER BY received_at DESC, id DESC LIMIT :limit",
            {"key": search.phone},
        )
    if search.long_words:
        if pg:
            take(*_pg_text(search))
        else:
            take(*_sqlite_text(search))
    else:
        name = _dialect(dialect).name_key("customer_name")
        if pg:
            take(
                f"SELECT id FROM cases WHERE {name} LIKE lower(:prefix) ESCAPE '\\' "
                f"ORDER BY {name}, received_at DESC, id DESC LIMIT :limit",
                {"prefix": escape_like(name_key(search.text)) + "%"},
            )
        else:
            take(
                f"SELECT id FROM cases WHERE {name} >= lower(:q) AND {name} < lower(:q) || {_MAX_CHAR} "
                f"ORDER BY {name}, received_at DESC, id DESC LIMIT :limit",
                {"q": name_key(search.text)},
            )
    return list(found)[:limit]


# A search matching more cases than this ranks the most recently recorded of them (the highest ids): bm25 or
# the field score for every one of tens of thousands of matches ("council tax" in a million cases) costs far
# more than finding them, and of so many the officer wants the recent ones. Both databases do the same, so a
# search finds the same cases on either.
RANK_WINDOW = 2000


def _sqlite_text(search: Search) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"match": " AND ".join(fts_phrase(w) for w in search.long_words), "window": RANK_WINDOW}
    where = ["cases_fts MATCH :match"]
    for i, word in enumerate(search.short_words):  # too short for trigrams: checked on the rows FTS5 found
        params[f"s{i}"] = f"%{escape_like(word)}%"
        where.append(f"{_SQLITE_ALL} LIKE :s{i} ESCAPE '\\'")
    # FTS5 walks its matches in rowid order and stops at the window; bm25 is computed for those alone.
    sql = (
        f"SELECT m.id FROM (SELECT c.id AS id, c.received_at AS received_at, {_BM25} AS score "
        f"FROM cases_fts JOIN cases c ON c.id = cases_fts.rowid WHERE {' AND '.join(where)} "
        "ORDER BY cases_fts.rowid DESC LIMIT :window) AS m "
        "ORDER BY m.score, m.received_at DESC, m.id DESC LIMIT :limit"
    )
    return sql, params


_PG_FIELDS = (
    ("lower(reference)", 8),
    ("lower(customer_name)", 4),
    ("lower(coalesce(customer_email, ''))", 3),
    ("lower(coalesce(customer_phone, ''))", 3),
    ("lower(summary)", 1),
)


def _pg_text(search: Search) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {}
    where: list[str] = []
    score: list[str] = []
    for i, word in enumerate(search.long_words):
        params[f"w{i}"] = f"%{escape_like(word)}%"
        # The indexed expression itself, so the GIN trigram index answers it.
        where.append(f"{PG_DOC} LIKE lower(:w{i}) ESCAPE '\\'")
        score.extend(f"({field} LIKE lower(:w{i}) ESCAPE '\\')::int * {weight}" for field, weight in _PG_FIELDS)
    for i, word in enumerate(search.short_words):
        # Too short for trigrams: a plain check on the rows the long words found, not one the index tries.
        params[f"s{i}"] = word
        where.append(f"strpos({PG_DOC}, lower(:s{i})) > 0")
    # The matching ids first (the GIN index finds them: a plan walking the primary key backwards would read the
    # whole table for a rare word), then the score for the window's alone.
    params["window"] = RANK_WINDOW
    sql = (
        f"WITH matched AS MATERIALIZED (SELECT id FROM cases WHERE {' AND '.join(where)}), "
        "recent AS (SELECT id FROM matched ORDER BY id DESC LIMIT :window) "
        "SELECT c.id FROM cases c JOIN recent r ON r.id = c.id "
        f"ORDER BY {' + '.join(score)} DESC, c.received_at DESC, c.id DESC LIMIT :limit"
    )
    return sql, params


# --- the same customer's other cases ----------------------------------------------------------------------------

RELATED_COLUMNS = "id, reference, status, type, received_at, customer_name, summary, customer_address"
RELATED_SCAN = 200  # per reason: a shared address (a care home's phone, a council's own email) is not a customer


def related_rows(
    run: Run,
    dialect: str,
    case_id: int,
    *,
    email: str | None,
    phone: str | None,
    name: str | None,
) -> dict[str, list[Sequence[Any]]]:
    """Other cases with the same email (any letter case), the same phone (digits, +44 as 0) or the same name
    (lower case, blanks made one); newest first, at most RELATED_SCAN for each. Rows: RELATED_COLUMNS."""
    d = _dialect(dialect)
    tail = "AND id <> :id ORDER BY received_at DESC, id DESC LIMIT :limit"
    out: dict[str, list[Sequence[Any]]] = {}
    base = {"id": case_id, "limit": RELATED_SCAN}
    if email and email.strip():
        sql = f"SELECT {RELATED_COLUMNS} FROM cases WHERE lower(customer_email) = lower(:email) {tail}"
        out["same_email"] = list(run(sql, {**base, "email": email}))
    if phone and len(phone_key(phone)) >= PHONE_DIGITS:
        key = d.phone_key("customer_phone")
        sql = f"SELECT {RELATED_COLUMNS} FROM cases WHERE {key} = {d.phone_key(':phone')} {tail}"
        out["same_phone"] = list(run(sql, {**base, "phone": phone}))
    if name and name.strip():
        key = d.name_key("customer_name")
        sql = f"SELECT {RELATED_COLUMNS} FROM cases WHERE {key} = {d.name_key(':name')} {tail}"
        out["same_name"] = list(run(sql, {**base, "name": name}))
    return out
