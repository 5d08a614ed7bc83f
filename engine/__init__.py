"""Kinesight's runtime: sources, bundles, ONNX inference, the stage chain, live and offline analysis (no Qt, no torch)."""
