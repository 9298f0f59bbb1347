"""``python -m impact``: the ``impact`` command (:mod:`impact.cli`)."""

from impact.cli import app

if __name__ == "__main__":  # pragma: no cover
    app(prog_name="impact")
