"""The template language of the nationality table."""

from __future__ import annotations

import random
import re

from userprofiles.producer.synthetic.patterns import fill


def test_fill_gives_the_template_shape():
    rng = random.Random(1)
    for _ in range(200):
        assert re.fullmatch(r"\(0\d\) [A-Z][xyz]-7", fill(rng, "(0#) @[xyz]-7"))
    assert {fill(rng, ("ab", "cd")) for _ in range(50)} == {"ab", "cd"}
    assert {fill(rng, "[ab]") for _ in range(50)} == {"a", "b"}
