"""Body pose, a stage the tasks share: 33 keypoints per person (MediaPipe Pose's layout) and the
per-tick body features a taught pose model reads.

    landmarks.py   the 33 landmark names, their left/right twins and the skeleton's edges
    features.py    body_features: torso-centred, scale-free keypoints, joint angles, presence
    geometry.py    detector anchors and boxes, the rotated person region, crops and their inverse
    estimator.py   PoseEstimator: detector + landmark model on ONNX Runtime, tracking, smoothing
    stage.py       PoseStage: the frame stage of bundles that read the body; tick_features
"""
