"""The ``kinesight`` command: the one dispatcher over the engine's and the training side's commands.

It lives above both layers so that import-linter sees every edge it crosses: ``engine`` never
imports ``models``; this package imports ``engine.cli`` always and ``models.cli`` only for
``train``/``eval`` (and ``models.cli`` imports torch only inside those commands).
"""
