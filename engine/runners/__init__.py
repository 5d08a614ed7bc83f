"""The runners: who drives the stage chain (engine/pipeline.py) over a source, and on which threads.

    live.py              Engine: a capture thread and an engine worker, latest frame wins (live view)
    live_run.py          one live run's state: frame ring, flags, seek epochs, rate meters
    offline.py           analyze_file: a whole file as fast as possible, backbone batched
    batch.py             many files on worker processes, resumable, a summary CSV
    ray_runner.py        the same batch on Ray actors
    worker.py            one worker of batch/Ray: one model load, then files
    analysis_process.py  the GUI's whole-file analysis as a child process
"""
