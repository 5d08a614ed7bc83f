"""The lip tasks: ``lip`` (what is said, timed words) and ``lip-words`` (taught silent commands).

    face.py        face locators: MTCNN (shipped as ONNX in the bundle) and YuNet
    mouth.py       MouthStage: causal, stabilised mouth crop and the speech-activity signal
    facemesh.py    lip landmarks: MediaPipe's face mesh (resources/models/face) and lip-shape features
    yunet.py       the YuNet mouth cropper and its frame stage (bundles without the MTCNN files)
    transcript.py  TranscriptDecoder: greedy per-step tokens -> timed words
    grammar.py     the slot grammar and Viterbi decoding of lip-reader outputs
    reading.py     LipTranscriptDecoder: per-frame reading with look-ahead, utterances
    novelty.py     the speaker check (lip_novelty.npz): when the reader cannot read
    words.py       LipWordsDecoder: taught words decoded like actions, "unknown" without speech
    task.py        the factories the registry entries name: frame stages, output decoders
"""
