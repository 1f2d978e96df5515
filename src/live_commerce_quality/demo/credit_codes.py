"""Unified social credit codes (GB 32100-2015) for operators and agencies.

Qualification checks in the methodology ask for a valid code, so the demo draws valid
ones and spoils some the way poorly kept registers do; the pipeline must tell them apart
with the same check character computed here.
"""

from __future__ import annotations

import numpy as np

from live_commerce_quality.demo.world import REGION_CODES

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code check


def credit_code_check(body17: str) -> str:
    """The GB 32100-2015 check character of the first 17 characters of a credit code."""
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(body17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def credit_code_valid(code: str | None) -> bool:
    """18 characters of the GB 32100-2015 set with the right check character."""
    return (
        code is not None
        and len(code) == 18
        and all(ch in CREDIT_CHARS for ch in code)
        and credit_code_check(code[:17]) == code[17]
    )


def credit_codes(rng, region: np.ndarray, enterprise: np.ndarray) -> list[str]:
    """Valid GB 32100-2015 codes: authority 9 (market regulation), type 1 (enterprise) or
    2 (individual business), region, a GB 11714 organisation code, the check character."""
    n = len(region)
    org = rng.integers(0, 10, (n, 8))
    org_check = (11 - (org * np.array(ORG_WEIGHTS)).sum(axis=1) % 11) % 11
    codes = []
    for i in range(n):
        org_code = "".join(map(str, org[i])) + ("X" if org_check[i] == 10 else str(org_check[i]))
        body = "9" + ("1" if enterprise[i] else "2") + REGION_CODES[region[i]] + org_code
        codes.append(body + credit_code_check(body))
    return codes


def spoil_code(code: str, how: int) -> str:
    """An invalid credit code, as poorly kept registers have them."""
    if how == 0:  # wrong check character
        i = CREDIT_CHARS.index(code[-1])
        return code[:-1] + CREDIT_CHARS[(i + 7) % 31]
    if how == 1:  # a character short
        return code[:-1]
    if how == 2:  # a letter outside the character set
        return code[:9] + "O" + code[10:]
    if how == 3:  # two digits swapped
        return code[:10] + code[11] + code[10] + code[12:] if code[10] != code[11] else code[:-2] + "IO"
    return code[:2] + "I" + code[3:]
