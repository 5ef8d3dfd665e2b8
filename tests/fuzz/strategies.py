"""Hypothesis strategies for hostile input: what a careless paste, a broken client or an attacker sends.

Form values are text (a browser sends nothing else); the API's JSON adds wrong types, nulls, nesting and
integers beyond any column."""

from datetime import date

from hypothesis import strategies as st

# Characters that break lines, logs, terminals, spreadsheets or PostgreSQL (NUL).
CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x7f", "\x85", "\r", "\n", "\r\n",
           "\u2028", "\u2029", "\t"]
# Invisible or direction-changing characters that are legal text but confuse what a reader sees.
INVISIBLE = ["\u202e", "\u202d", "\u200f", "\u200b", "\ufeff", "\u00a0", "\u2066"]
MARKUP = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</textarea><script>alert(1)</script>",
          "{{ 7*7 }}", "{% if 1 %}", "<b>fett</b>", "&amp;&lt;&#x3C;", "<para>x</para>", "javascript:alert(1)"]
SQL = ["'; DROP TABLE properties; --", "' OR '1'='1", '" OR ""="', "1; SELECT pg_sleep(5)", "%", "_", "\\",
       "%_\\'\"", "$$", "E'\\x00'"]
FORMULA = ['=HYPERLINK("http://evil.example","x")', "=1+1", "+49 231 50-0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
UNICODE = ["Şükrü", "Łukasz", "Ionuț", "ß", "İ", "ﬀ", "🏠", "مرحبا", "שלום", "e\u0301", "Ω", "١٢٣", "²"]
# What the pages must never show unescaped.
RAW_MARKUP = ("<script>alert(1)", "<img src=x onerror", "</textarea><script>")

ATOMS = CONTROL + INVISIBLE + MARKUP + SQL + FORMULA + UNICODE


def long_text():
    """Between a column's limit and 10,000 characters, of one repeated (possibly wide) character."""
    return st.builds(lambda size, char, tail: char * size + tail,
                     st.sampled_from([41, 101, 121, 201, 256, 301, 1001, 2001, 5001, 10_000]),
                     st.sampled_from(["x", "ß", "<", "\n", "🏠", "'"]),
                     st.sampled_from(["", "<script>alert(1)</script>", "\x00"]))


def nasty_text():
    return st.one_of(
        st.sampled_from(ATOMS),
        st.lists(st.one_of(st.sampled_from(ATOMS), st.text(max_size=6)), min_size=1, max_size=6).map("".join),
        long_text(),
        st.text(max_size=20),
    )


NUMBER_TEXTS = ["0", "-0", "-1", "-0,01", "0,001", "12,5", "12.5", "7,25", "1.234,50", "1,234.50", "1 234,50",
                "1.000.000", "99999999,99", "999999,99", "1000000", "1e308", "-1e308", "1E5", "1e-400", "1e999999999",
                "NaN", "nan", "sNaN", "-nan", "inf", "-Infinity", "9" * 30, "1" + "0" * 30, str(2**31), str(2**63),
                str(-(2**63) - 1), "9" * 31 + "e999970", "0x1A", "١٢٣", "²", "𝟙𝟚", "1_000", " 7 ", "7,5,5", ",", ".",
                "--1", "+5", "½"]


# Accepted by a form's number field (below ten billion) but beyond many a column's precision.
BIG_NUMBERS = ["99999,99", "999999,99", "1000000", "9999999,99", "99999999,99", "999999999", "9.999.999.999,99",
               "32768", "2147483648", "99999", "1000,001"]


def number_text():
    return st.one_of(
        st.sampled_from(NUMBER_TEXTS),
        st.sampled_from(BIG_NUMBERS),
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(lambda f: str(f).replace(".", ",")),
    )


DATE_TEXTS = ["0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "2026-00-10", "0000-00-00", "-001-01-01",
              "10000-01-01", "31.12.2025", "2025-1-1", "20250101", "2025-12-31T23:59:59", "2025-W01", "heute", "NaN",
              "1900-01-01", "1899-12-31", "2100-01-01", " "]


def date_text():
    return st.one_of(st.sampled_from(DATE_TEXTS), st.dates().map(date.isoformat))


def month_text():
    return st.one_of(st.sampled_from(["0000-00", "0001-01", "9999-12", "2026-13", "2026-1", "-1-01", "2026-02-30",
                                      "x", "2026/03", "%0A", "10000-01"]),
                     st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(-5, 12000), st.integers(-1, 13)))


# --- JSON values ------------------------------------------------------------------------------------------

HUGE_INTS = [2**31, 2**31 - 1, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 10**30, -(10**30)]


def json_scalar():
    return st.one_of(
        st.none(), st.booleans(),
        st.integers(), st.sampled_from(HUGE_INTS),
        st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1e308, -1e308, 5e-324]),
        nasty_text(), number_text(), date_text(),
    )


def json_value():
    return st.recursive(json_scalar(), lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)), max_leaves=8)
