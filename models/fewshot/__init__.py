"""Few-shot teaching without torch: pooled temporal statistics + a regularised linear head.

For 3-10 clips per action, a temporal network learns the clips, not the action (the issue 9
measurements: GRU 52-74 % of a new person's clips, pooled statistics with a linear model 89 %).
So this recipe keeps the backbone's features and fits only a linear model on top:

    clip -> frames on the engine's model clock -> backbone.onnx (ONNX Runtime, cached)
      -> feature sequence (n, D), resampled at several speeds (speed jitter)
      -> every window of T ticks (offset jitter) -> pooled statistics: [mean,] std, late - early,
         mean |change| over 1, 2 and 4 ticks (the mean, i.e. appearance, only when CV says it helps)
      -> standardised -> logistic regression and/or cosine prototypes (chosen by
         leave-one-group-out CV; group = person when clips name one, else the clip)
      -> head.onnx built with ``onnx.helper`` from the numpy weights:
         features (N, T, D) -> logits (N, C), novelty (N,)

``novelty`` is the cosine distance of the window's mean feature to the nearest training window,
in units of the distance measured between held-out training groups and the rest; the manifest's
``open_set.threshold`` (also chosen on held-out groups) separates "like the training data" from
"unknown". A *background* label ("none of these") is trained like an action but not exported as
one: when it wins, novelty is raised above the threshold, so the engine reports unknown.

Only numpy, onnx and onnxruntime are imported here (never torch), so an installed app can teach.

    model.py    pooling statistics, the numpy model and the ONNX head built from it
    fit.py      training windows, logistic regression / prototypes, cross-validated choices, novelty
    bundle.py   clips -> features -> fit -> the bundle (teach_from_items, teaching warnings)
    teaching_set.py  the clips a bundle was taught from, kept in it (teaching.json, clips/) for corrections
    novelty.py  "unknown" for an existing head (``python -m models.fewshot.novelty add-novelty``)
"""
