"""`make dlq`'s text (userprofiles/observe/dlq.py)."""
from __future__ import annotations

import json

from userprofiles.observe import dlq, figures


def test_dlq_render_counts_first_then_the_latest():
    letters = [figures.decode_dead_letter(json.dumps({"reason": f"r{i % 2}", "source_topic": "t",
                                                      "source_partition": 1, "source_offset": i}).encode(),
                                          [("reason", b"r")], 0, i, 1_764_324_000_000) for i in range(3)]
    out = dlq.render(letters, 3, "t_dlq", last=1, full=False).splitlines()
    assert out[:3] == ["t_dlq: 3 dead letters", "         2  r0", "         1  r1"]
    assert out[5] == "- 2025-11-28 10:00:00  r0  from t[1]@2  (dead letter 0:2)"
    assert out[6] == "    headers: reason=r"
