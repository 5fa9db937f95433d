"""Branding files and numbers in the reader's language."""

import datetime as dt
import string
import struct
import zlib

import pytest
from babel.numbers import format_decimal

from assessment.numbers import format_field, format_text
from assessment.present.brand import BrandError, load_brand
from assessment.present.numbers import date, num, num_range


def png_bytes() -> bytes:
    """A valid 1x1 PNG, written by hand (signature, IHDR, IDAT, IEND)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def test_a_full_brand_file_is_read_with_its_logo(tmp_path):
    (tmp_path / "logo.png").write_bytes(png_bytes())
    file = tmp_path / "brand.yaml"
    file.write_text("consultancy: Acme & Partners\nlogo: logo.png\naccent: '#aa0000'\n"
                    "accent_secondary: '#00AA00'\nconfidentiality: Strictly confidential\n",
                    encoding="utf-8")
    brand = load_brand(file)
    assert brand.consultancy == "Acme & Partners"
    assert (brand.accent, brand.accent_secondary) == ("#AA0000", "#00AA00")
    assert brand.confidentiality_line("nl") == "Strictly confidential"
    assert brand.logo == (tmp_path / "logo.png").resolve()
    assert brand.logo_data_uri().startswith("data:image/png;base64,iVBORw0KGgo")


def test_missing_fields_come_from_the_default(tmp_path):
    file = tmp_path / "brand.yaml"
    file.write_text("consultancy: Acme\n", encoding="utf-8")
    brand = load_brand(file)
    assert brand.accent == load_brand().accent
    assert brand.confidentiality_line("de") == load_brand().confidentiality_line("de")


def test_every_problem_of_a_brand_file_is_reported_at_once(tmp_path):
    (tmp_path / "logo.gif").write_bytes(b"GIF89a" + b"\x00" * 20)
    file = tmp_path / "brand.yaml"
    file.write_text("consultancy: ''\nlogo: logo.gif\naccent: red\ncolour: x\n"
                    "confidentiality: {en: Secret, fr: Secret}\n", encoding="utf-8")
    with pytest.raises(BrandError) as caught:
        load_brand(file)
    message = str(caught.value)
    assert message.startswith(f"brand file {file}: 5 problem(s)")
    for part in ("unknown field(s) colour", "consultancy: expected", "logo: logo.gif is not a PNG",
                 "accent: 'red' is not a colour", "unknown language(s) fr"):
        assert part in message


def test_an_unreadable_or_broken_brand_file_is_one_clear_error(tmp_path):
    with pytest.raises(BrandError, match="cannot be read"):
        load_brand(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("consultancy: [unclosed\n", encoding="utf-8")
    with pytest.raises(BrandError, match="not valid YAML"):
        load_brand(broken)


@pytest.mark.parametrize(("value", "spec", "lang", "expected"), [
    (3.456, ".2f", "en", "3.46"), (3.456, ".2f", "de", "3,46"), (3.456, ".2f", "nl", "3,46"),
    (0.5, "+.2f", "de", "+0,50"), (-0.5, "+.2f", "en", "-0.50"), (2.0, ".0f", "nl", "2"),
    (0.725, ".0%", "en", "72%"), (0.7251, ".1%", "en", "72.5%"),
    (12345.678, ".1f", "en", "12,345.7"),
    (12345.678, ".1f", "de", "12.345,7"), (12345.678, ".1f", "nl", "12.345,7"),
])
def test_numbers_follow_the_language(value, spec, lang, expected):
    assert num(value, spec, lang) == expected


def test_ranges_dates_and_bad_specs():
    assert num_range((1, 2.25), ".1f", "de") == "1,0 – 2,2"
    assert date(dt.date(2026, 3, 1), "de") == "1. März 2026"
    with pytest.raises(ValueError, match="unsupported number format"):
        num(1.0, "g")


class _ReferenceFormatter(string.Formatter):
    """``str.format`` through :class:`string.Formatter`, numbers by :func:`num`: what
    ``format_text`` did before it parsed each template once."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def format_field(self, value, format_spec):
        return format_field(value, format_spec, self.lang)


@pytest.mark.parametrize("template", [
    "{lens}: {score:.2f} ({share:.0%})", "plain text", "", "{{braces}} {n} {{x}}",
    "{n!r} {n!s:>5} {name!a} {score:+.1f}", "{score:.3}|{n:04d}|{name:<6}|", "{items[0]}",
    "{obj.real:.2f}", "{score:{width}}", "{share:.1%} of {n} people, {gap:+.2f}",
])
@pytest.mark.parametrize("lang", ["en", "de", "nl"])
def test_format_text_equals_string_formatter(template, lang):
    values = {"lens": "Inrichting", "score": 4.6049, "share": 0.9655, "n": 7, "name": "Süd",
              "items": ["first"], "obj": 2.5, "width": 8, "gap": -0.25}
    assert format_text(template, lang, **values) == _ReferenceFormatter(lang).vformat(
        template, (), values)


def test_format_text_errors_as_str_format():
    with pytest.raises(KeyError, match="missing"):
        format_text("{missing:.2f}", "en", other=1.0)
    with pytest.raises(ValueError):
        format_text("{unclosed", "en")


def test_cached_numbers_keep_negative_zero_apart():
    """Each number is formatted once per spec and language; -0.0 and 0.0 are equal keys
    to a dict, but Babel writes them differently."""
    for value in (-0.0, 0.0, -0.0, 0.0):
        assert num(value, ".2f", "de") == format_decimal(value, format="#,##0.00", locale="de")
    assert num(-0.0, "+.1f") != num(0.0, "+.1f")
    assert num(1, ".1f") == num(1.0, ".1f") == num(True, ".1f") == "1.0"
