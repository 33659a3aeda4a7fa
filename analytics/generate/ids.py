"""Deterministic identifiers and random helpers (no wall clock, no ``hash()``)."""

from __future__ import annotations

import bisect
import itertools
import random

_B62 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# maps every byte to a base62 character (slightly uneven, good enough for opaque ids)
_B62_TABLE = bytes(_B62[i % 62] for i in range(256))


def rng_for(seed: int, *parts: object) -> random.Random:
    """A ``random.Random`` seeded from a string (SHA-512 based, stable across runs)."""
    return random.Random("/".join(map(str, (seed, *parts))))


def uuid4(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def hex64(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def b62(rng: random.Random, n: int) -> str:
    return rng.randbytes(n).translate(_B62_TABLE).decode("ascii")


def request_id(rng: random.Random) -> str:
    return "req_011" + b62(rng, 24)


def tool_use_id(rng: random.Random) -> str:
    return "toolu_01" + b62(rng, 22)


class Weighted:
    """Fast weighted choice over a fixed table of ``(value, weight)`` pairs."""

    __slots__ = ("cum", "total", "values")

    def __init__(self, pairs):
        self.values = [v for v, _ in pairs]
        self.cum = list(itertools.accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


def geometric(rng: random.Random, mean: float, cap: int) -> int:
    """0, 1, 2, ... with the given mean, capped."""
    p = 1.0 / (1.0 + mean)
    n = 0
    while n < cap and rng.random() > p:
        n += 1
    return n
