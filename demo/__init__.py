"""Demo and benchmark seeding: ``seed_demo`` and ``seed_scale``.

Installed by the local and test settings only (config/settings/local.py, test.py), never in
production: nothing in config's base or production settings, mentoring, scenarios or cms imports
it (an import-linter contract in pyproject.toml). It builds everything through the apps' own
services, so it shows their rules at work and never bypasses them (``seed_scale`` alone writes
rows with COPY, then rebuilds the counters with the same code as ``rebuild_participation``).
"""
