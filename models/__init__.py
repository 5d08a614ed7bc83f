"""Training side of Kinesight: backbones, temporal heads, datasets, training, ONNX export.

Never Qt. Produces model bundles (see ``engine.bundles``) that ``engine`` runs. This package
imports no torch itself: the few-shot teaching path (``models.fewshot``, ``models.teach``) runs
without it; the full temporal heads (``models.heads``, ``models.train``'s torch path) import it.
"""
