"""Currencies: the ISO 4217 codes a ``money`` type may name, and how amounts are written for people.

A ``money`` value has one currency, a unit of its type (``money EUR``); ``money`` alone is
``money DKK`` (:data:`DEFAULT_CURRENCY`). The value itself is an exact ``Decimal``; the
currency is known from the type, so it costs nothing at run time.

>>> is_currency("EUR"), is_currency("EUX"), minor_digits("JPY"), minor_digits("DKK")
(True, False, 0, 2)
>>> show_amount(Decimal("1234.5"), "DKK", "da"), show_amount(Decimal("1234.5"), "DKK", "en")
('1.234,50 kr.', 'DKK 1,234.50')
>>> show_amount(Decimal("150000"), "EUR", "da"), show_amount(Decimal("-0.125"), "USD", "en")
('150.000 EUR', 'USD -0.125')
>>> show_amount(1500, "DKK", "da", unit=False)
'1.500'
"""

from __future__ import annotations

from decimal import Decimal

DEFAULT_CURRENCY = "DKK"

# Active ISO 4217 codes by the digits of their minor unit (the øre, the cent); 2 unless listed.
_CODES_TEXT = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN"
    " BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL"
    " GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW"
    " KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN"
    " NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK"
    " SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS"
    " VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL"
)
_NO_MINOR_TEXT = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_THREE_MINOR_TEXT = "BHD IQD JOD KWD LYD OMR TND"
_MINOR = {**dict.fromkeys(_NO_MINOR_TEXT.split(), 0), **dict.fromkeys(_THREE_MINOR_TEXT.split(), 3), "CLF": 4}
CURRENCIES = frozenset(_CODES_TEXT.split())
"""The ISO 4217 codes of the currencies in use."""

_DANISH_SIGN = {"DKK": "kr."}  # how Danish text writes an amount's currency after it; else the code


def is_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 code of a currency in use."""
    return code in CURRENCIES


def minor_digits(code: str) -> int:
    """The digits of the currency's minor unit: 2 for øre and cents, 0 for yen."""
    return _MINOR.get(code, 2)


def show_amount(amount: Decimal | int | float, currency: str, lang: str, *, unit: bool = True) -> str:
    """An amount as a reader of ``lang`` writes it: ``1.234,50 kr.`` in Danish, ``DKK 1,234.50`` in English.

    A whole amount has no decimals; any other shows at least the minor unit's digits and
    every digit it has beyond them (nothing is rounded away for display). With
    ``unit=False`` the number alone (``1.234,50``), for a text that writes the unit itself.
    """
    value = Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    digits = 0
    _, coefficient, exponent = value.as_tuple()
    if isinstance(exponent, int) and exponent < 0:  # no context is used: the caller's may trap anything
        significant = "".join(map(str, coefficient)).rstrip("0")
        places = max(0, -exponent - (len(coefficient) - len(significant))) if significant else 0
        digits = max(minor_digits(currency), places) if places else 0
    text = f"{value:,.{digits}f}"
    if lang == "da":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if not unit:
        return text
    if lang == "da":
        return f"{text} {_DANISH_SIGN.get(currency, currency)}"
    return f"{currency} {text}"


__all__ = ["CURRENCIES", "DEFAULT_CURRENCY", "is_currency", "minor_digits", "show_amount"]
