"""The long run with faults (make soak): the faults' rotation (plan.py) and its pass criteria (verdict.py)."""
