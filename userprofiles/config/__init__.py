"""What every program is told: the option table (options.py: flag, variable, default, range, built into the
typed settings of settings.py), the local stack's addresses, the --help layout, logging and one-line errors."""
