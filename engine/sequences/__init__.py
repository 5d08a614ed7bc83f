"""The ``sequence`` task: a temporal head over multichannel time series (no video, no backbone).

A sequence bundle is a bundle whose task reads no frames: engine/bundles/ loads it like any other
(``load_bundle(path, frames=False)``); this subpackage holds only what is the task's own.

    spec.py          the ``sequence`` section of a bundle's manifest (SequenceSpec), and the two
                     hooks its registry entry names: parse the section, check the head's graph
    runner.py        SequenceRunner: normalise, left-pad, head.onnx, classes or targets
    figures.py       accuracy/F1/confusion and MAE/RMSE/R², shared by training and analysis
    series_files.py  readers: .npz, UCR/UEA .ts, CSV files and folders of them

``kinesight analyze-seq`` runs these; ``kinesight train-seq`` (models/seq.py) writes the bundles.
"""
