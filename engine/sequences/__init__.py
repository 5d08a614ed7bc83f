"""Time series: a temporal head over multichannel sequences (no video, no backbone).

    bundle.py        the ``sequence`` section of a bundle's manifest, its loader and writer
    runner.py        SequenceRunner: normalise, left-pad, head.onnx, classes or targets
    figures.py       accuracy/F1/confusion and MAE/RMSE/R², shared by training and analysis
    series_files.py  readers: .npz, UCR/UEA .ts, CSV files and folders of them

``kinesight analyze-seq`` runs these; ``kinesight train-seq`` (models/seq.py) writes the bundles.
"""
