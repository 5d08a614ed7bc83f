"""PyTorch side of Kinesight: backbones, temporal heads, datasets, training, ONNX export.

Imports torch; never Qt. Produces model bundles (see ``engine.bundle``) that ``engine`` runs.
"""
