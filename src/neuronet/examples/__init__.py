"""Runnable examples, one per example of the notes: ``python examples/NAME.py`` from a
checkout, or ``neuronet tour NAME`` anywhere. Each writes its figure (``--out FOLDER``)
and takes ``--fast`` for a quick run with smaller settings."""
