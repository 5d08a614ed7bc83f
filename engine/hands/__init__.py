"""Hands, a frame stage for bundles that read hand gestures: up to two hands, 21 keypoints each
(MediaPipe Hands' layout), their handedness, and the per-tick hand features a taught gesture
model reads.

    landmarks.py   the 21 landmark names, the fingers and the hand's edges
    estimator.py   HandEstimator: palm detector + hand landmark model on ONNX Runtime, tracking
    features.py    hand_features: palm-normalised keypoints, finger angles, tip distances, place
    stage.py       HandStage: the frame stage of ``input.roi = "hands"``; tick_features
"""
