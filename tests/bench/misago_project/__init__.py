"""A minimal Django project serving Misago (installed from PyPI into its own venv under
``var/bench/``) for ``bench_posting_cpu``'s like-for-like reference. Nothing of Misago is copied
here: the settings follow its 0.39 ``devproject`` with only what a server needs, the database
and the broker are given by the bench through the environment."""
