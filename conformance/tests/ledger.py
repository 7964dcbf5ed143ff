"""The ledger: listings known to be wrong, each with the finding that names why.

A listing the ledger matches must FAIL its check on the real engine in the way recorded
here (`raises`, `message`): the test asserts it. When a fix lands, the check passes, the
ledger assertion fails, and the entry must be removed — the ledger only shrinks. Neither
issue ("Teach only what is true", "Real engines in the test suite") is resolved until it
is empty."""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
    route: str
    # The listing text this finding is about (a regular expression, searched).
    matches: str
    # The error the real engine gives (a regular expression, searched in str(error)).
    error: str
    finding: str


LEDGER = [
]


def known(route, text):
    """The ledger entry for this listing, if any. Compare pages show their sides'
    pattern listings, so /compare/hash-vs-range's entries are /partitioning's."""
    base = {"compare/hash-vs-range": "partitioning"}.get(route, route)
    for k in LEDGER:
        if k.route == base and re.search(k.matches, text):
            return k
    return None
