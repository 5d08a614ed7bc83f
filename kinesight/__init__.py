"""The ``kinesight`` command: the one dispatcher over the engine's and the training side's commands.

It lives above both layers so that import-linter sees every edge it crosses: ``engine`` never
imports ``models``; this package holds every command (kinesight/cli.py dispatches) and uses
``models`` only for ``train``/``eval``/``train-seq`` (kinesight/train.py, torch only inside them).
"""
