"""What a stored profile is, independent of any engine or store: the row's columns (profile.py) and the
analytics it counts under (analytics.py). The consumer's plan, the sinks, the observers and the tests import
from here; nothing here imports from the rest of the package."""
