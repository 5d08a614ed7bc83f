"""The body-pose task's parts: 33 keypoints per person (MediaPipe Pose's layout) and the
per-tick body features a taught pose model reads (:mod:`engine.pose.features`)."""
