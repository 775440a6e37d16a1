"""The CSV scan's UTF-8 check (Arrow, piece by piece) against Python's incremental decoder."""

import codecs
import itertools
import random

import pytest

from pipelines.validation.reader import _complete_prefix, _Utf8Check

PIECES = [
    b"a",
    b",",
    "中".encode(),
    "𝄞".encode(),
    "é".encode(),
    "\ufeff".encode(),
    b"\xed\xa0\x80",  # a surrogate: invalid
    b"\xc0\xaf",  # overlong: invalid
    b"\xe0\x80\x80",  # overlong: invalid
    b"\xf4\x90\x80\x80",  # above U+10FFFF: invalid
    b"\xff",
    b"\x80",
    b"\xe4",  # the first byte of a three-byte character
    b"\xe4\xb8",
    b"\xf0\x9d",
]


def _verdict(pending: bytes) -> tuple[str, ...]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(pending)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return ("end", exc.reason, str(len(pending)))
    return ("ok",)


def _python(chunks: list[bytes]) -> tuple[str, ...]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in chunks:
            decoder.decode(chunk)
    except UnicodeDecodeError:
        return ("bad",)
    return _verdict(decoder.getstate()[0])


def _arrow(chunks: list[bytes]) -> tuple[str, ...]:
    check = _Utf8Check()
    for chunk in chunks:
        if not check.feed(chunk):
            return ("bad",)
    return _verdict(check.pending)


def test_agrees_with_pythons_decoder_on_random_pieces() -> None:
    rng = random.Random(20261201)
    verdicts = set()
    for _ in range(20_000):
        data = b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 8)))
        cuts = sorted(rng.sample(range(len(data) + 1), min(rng.randint(0, 3), len(data) + 1)))
        chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        expected = _python(chunks)
        assert _arrow(chunks) == expected, chunks
        verdicts.add(expected[0])
    assert verdicts == {"ok", "bad", "end"}  # every outcome was exercised


@pytest.mark.parametrize(
    ("data", "complete"),
    [
        (b"", 0),
        (b"abc", 3),
        ("ab中".encode(), 5),
        ("ab中".encode()[:-1], 2),
        ("ab中".encode()[:-2], 2),
        ("𝄞".encode()[:3], 0),
        (b"a\x80\x80\x80\x80", 5),  # no lead byte in the last four: nothing to carry
        (b"a\xff", 2),
    ],
)
def test_complete_prefix(data: bytes, complete: int) -> None:
    assert _complete_prefix(data) == complete


def test_a_character_cut_between_pieces_is_carried() -> None:
    text = "办件编号,区划代码\n".encode()
    check = _Utf8Check()
    assert check.feed(text[:2])
    assert check.pending == text[:2]
    assert check.feed(text[2:])
    assert check.pending == b""


def _scan_outcome(verdict: tuple[str, ...]) -> tuple[str, ...]:
    """What ``scan_csv`` makes of a verdict: only a short cut character is a truncation."""
    if verdict[0] == "end" and not (
        verdict[1] == "unexpected end of data" and int(verdict[2]) <= 3
    ):
        return ("bad",)
    return verdict


def test_agrees_with_pythons_decoder_on_every_short_sequence_and_cut() -> None:
    # Lead bytes of every kind and the edges of their continuation ranges: every sequence of
    # up to three of them, in every split into non-empty pieces (as the scan reads them).
    alphabet = [0x41, 0x0A, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBB, 0xBF]
    alphabet += [0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF]
    for length in range(1, 4):
        for data in map(bytes, itertools.product(alphabet, repeat=length)):
            for mask in range(1 << (length - 1)):
                cuts = [i for i in range(1, length) if mask >> (i - 1) & 1]
                bounds = [0, *cuts, length]
                chunks = [data[a:b] for a, b in itertools.pairwise(bounds)]
                assert _scan_outcome(_arrow(chunks)) == _scan_outcome(_python(chunks)), chunks
