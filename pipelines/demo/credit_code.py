"""统一社会信用代码 (unified social credit code, GB 32100-2015): check digits and validation.

Layout of the 18 characters::

    9        1        350100       M000100Y4      3
    ^ reg.   ^ org    ^ region     ^ org code     ^ check digit (GB 32100)
    authority type    (GB/T 2260)  (GB 11714, its own check char last)

The check digit is computed over the first 17 characters in the 31-character charset
``0-9A-Z`` without I, O, Z, S, V: ``31 - (sum(value_i * weight_i) mod 31)``, where 31 maps to 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Registration authority codes (first character) defined by GB 32100-2015.
REGISTRATION_AUTHORITIES = frozenset("123456789ANY")

_VALUE = {ch: i for i, ch in enumerate(CHARSET)}

# GB 11714 organisation code (the 9 characters at positions 9-17): 8 body characters in
# 0-9A-Z and a check character.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def credit_code_check_digit(first17: str) -> str:
    """The 18th character of a credit code whose first 17 characters are ``first17``.

    Raises ``ValueError`` if ``first17`` is not 17 characters of the GB 32100 charset.
    """
    if len(first17) != 17:
        raise ValueError(f"统一社会信用代码前17位长度应为17，实际为{len(first17)}")
    try:
        total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"统一社会信用代码含非法字符：{exc.args[0]!r}") from None
    return CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """True if ``code`` is an 18-character credit code with a correct GB 32100 check digit.

    Checks: length, charset (upper case only), a known registration authority, a 6-digit
    region part and the check digit. Surrounding whitespace makes a code invalid (callers
    strip cells before validating if they want to be lenient).
    """
    if not isinstance(code, str) or len(code) != 18:
        return False
    if any(ch not in _VALUE for ch in code):
        return False
    if code[0] not in REGISTRATION_AUTHORITIES or not code[2:8].isdigit():
        return False
    return credit_code_check_digit(code[:17]) == code[17]


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    total = sum(_ORG_CHARSET.index(ch) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


# --- vectorised generation (used by the demo generator) -------------------------------

# Organisation-code body characters used for synthetic firms: digits mostly, and letters
# that are valid in both charsets (GB 11714 and GB 32100).
_BODY_CHARS = "0123456789" * 3 + "ABCDEFGHJKLMNPQRTUWXY"


def random_credit_codes(
    rng: np.random.Generator, region_codes: np.ndarray, org_types: np.ndarray
) -> np.ndarray:
    """Valid synthetic credit codes, one per element of ``region_codes`` (array of 6-digit str).

    ``org_types`` holds the second character ('1' enterprise, '2' individual business).
    Vectorised: builds the code as a character matrix and computes both check characters.
    """
    import numpy as np  # only the generator needs numpy; validation stays dependency-free

    n = len(region_codes)
    if n == 0:
        return np.array([], dtype="U18")
    chars = np.empty((n, 18), dtype="U1")
    chars[:, 0] = "9"
    chars[:, 1] = org_types
    regions = np.asarray(region_codes, dtype="U6")
    chars[:, 2:8] = regions.view("U1").reshape(n, 6)
    body_chars = np.array(list(_BODY_CHARS))
    body = body_chars[rng.integers(0, len(body_chars), size=(n, 8))]
    chars[:, 8:16] = body
    # GB 11714 check character of the organisation code.
    org_lookup = {ch: i for i, ch in enumerate(_ORG_CHARSET)}
    org_vals = np.vectorize(org_lookup.__getitem__, otypes=[np.int64])(body)
    org_check = 11 - (org_vals @ np.array(_ORG_WEIGHTS)) % 11
    org_char = np.where(
        org_check == 10, "X", np.where(org_check == 11, "0", org_check.astype("U2"))
    )
    chars[:, 16] = org_char
    # GB 32100 check digit over the first 17 characters.
    lookup = np.zeros(128, dtype=np.int64)
    for ch, i in _VALUE.items():
        lookup[ord(ch)] = i
    codepoints = chars[:, :17].view(np.uint32).reshape(n, 17)
    values = lookup[codepoints]
    check = (31 - (values @ np.array(WEIGHTS)) % 31) % 31
    chars[:, 17] = np.array(list(CHARSET))[check]
    return chars.view("U18").reshape(n)
