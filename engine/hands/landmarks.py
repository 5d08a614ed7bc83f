"""MediaPipe Hands' 21 landmarks: names, fingers and the edges drawn between them
(``HAND_CONNECTIONS``)."""

from __future__ import annotations

LANDMARKS = (
    "wrist",
    "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip",
    "index_mcp", "index_pip", "index_dip", "index_tip",
    "middle_mcp", "middle_pip", "middle_dip", "middle_tip",
    "ring_mcp", "ring_pip", "ring_dip", "ring_tip",
    "pinky_mcp", "pinky_pip", "pinky_dip", "pinky_tip",
)
NUM_LANDMARKS = len(LANDMARKS)
IDX = {name: i for i, name in enumerate(LANDMARKS)}
WRIST, MIDDLE_MCP = IDX["wrist"], IDX["middle_mcp"]
#: each finger's four points from the palm out (thumb: cmc, mcp, ip, tip)
FINGERS = tuple(tuple(range(1 + 4 * f, 5 + 4 * f)) for f in range(5))
TIPS = tuple(f[-1] for f in FINGERS)

EDGES = (
    (0, 1), (1, 2), (2, 3), (3, 4),
    (0, 5), (5, 6), (6, 7), (7, 8),
    (5, 9), (9, 10), (10, 11), (11, 12),
    (9, 13), (13, 14), (14, 15), (15, 16),
    (13, 17), (0, 17), (17, 18), (18, 19), (19, 20),
)
