"""The lip reader's head graph as adaptation changes it (used by models/lip_adapt.py).

The head (``features (N, T, D) -> logits (N, T, V)``) ends in an output layer
``logits = hidden @ W + b``. Adaptation needs three edits of the ONNX graph, all torch-free:

- ``with_hidden``: the same graph with ``hidden`` (N, T, H) as a second output (for the refit);
- ``with_input_affine``: ``features * scale + shift`` in front of every use of the input (the
  new face's features mapped onto the training speaker's);
- ``with_weights``: any initializers replaced (float16-stored weights, see models/half_weights.py,
  are replaced by float32 ones and their Cast node dropped).

``refit_output`` fits (W, b) by Adam on frame targets (numpy), ``forced_targets`` aligns a known
word sequence to per-frame log-posteriors, and ``finetune_head`` (torch, ``[train]`` only) trains
the whole tconv + BiGRU head of models/lipread.py, reading and writing the graph's weights.
"""

from __future__ import annotations

import numpy as np

from engine.lips.grammar import SlotGrammar, log_softmax

HIDDEN = "hidden"
AFFINE_IN = "features_adapted"


class HeadGraph:
    """A head ONNX model and where its output layer's tensors are."""

    def __init__(self, model) -> None:
        import onnx
        from onnx import numpy_helper

        self.model = model
        g = model.graph
        self.input = g.input[0].name
        out = g.output[0].name
        producer = {o: n for n in g.node for o in n.output}
        add = producer.get(out)
        if add is None or add.op_type != "Add":
            raise ValueError("the head does not end in an output layer (MatMul + Add)")
        mm = next((producer.get(i) for i in add.input if producer.get(i) is not None and producer[i].op_type == "MatMul"), None)
        if mm is None:
            raise ValueError("the head does not end in an output layer (MatMul + Add)")
        self.hidden_name = mm.input[0]
        self.w_name = mm.input[1]
        self.b_name = next(i for i in add.input if i != mm.output[0])
        self._inits = {t.name: t for t in g.initializer}
        self._casts = {n.output[0]: n for n in g.node if n.op_type == "Cast" and n.input[0] in self._inits}
        self._np = numpy_helper
        self._onnx = onnx

    @classmethod
    def load(cls, path) -> "HeadGraph":
        import onnx

        return cls(onnx.load(str(path)))

    def array(self, name: str) -> np.ndarray:
        """An initializer's value as float32 (through its Cast when stored as float16)."""
        t = self._inits.get(name)
        if t is None:
            t = self._inits[self._casts[name].input[0]]
        return self._np.to_array(t).astype(np.float32)

    def output_layer(self) -> tuple[np.ndarray, np.ndarray]:
        return self.array(self.w_name), self.array(self.b_name)

    def node_inputs(self, op_type: str) -> list[list[str]]:
        return [list(n.input) for n in self.model.graph.node if n.op_type == op_type]

    # -- edits (each returns a new model; self is unchanged) --------------------------------
    def _copy(self):
        m = self._onnx.ModelProto()
        m.CopyFrom(self.model)
        return m

    def with_weights(self, arrays: dict[str, np.ndarray]):
        m = self._copy()
        g = m.graph
        drop_inits = {self._casts[n].input[0] for n in arrays if n in self._casts} | set(arrays)
        keep_nodes = [n for n in g.node if not (n.op_type == "Cast" and n.output[0] in arrays)]
        keep_inits = [t for t in g.initializer if t.name not in drop_inits]
        new = [self._np.from_array(np.asarray(a, np.float32), name) for name, a in arrays.items()]
        del g.node[:]
        g.node.extend(keep_nodes)
        del g.initializer[:]
        g.initializer.extend(keep_inits + new)
        return m

    def with_input_affine(self, scale: np.ndarray, shift: np.ndarray):
        from onnx import helper

        m = self._copy()
        g = m.graph
        for n in g.node:
            for k, name in enumerate(n.input):
                if name == self.input:
                    n.input[k] = AFFINE_IN
        g.initializer.extend([self._np.from_array(np.asarray(scale, np.float32), "adapt.scale"),
                              self._np.from_array(np.asarray(shift, np.float32), "adapt.shift")])
        nodes = [helper.make_node("Mul", [self.input, "adapt.scale"], ["adapt.scaled"], name="adapt.mul"),
                 helper.make_node("Add", ["adapt.scaled", "adapt.shift"], [AFFINE_IN], name="adapt.add")]
        rest = list(g.node)
        del g.node[:]
        g.node.extend(nodes + rest)
        return m

    def with_hidden(self, model=None):
        """``model`` (default: this graph) with the output layer's input as a second output."""
        m = self._onnx.ModelProto()
        m.CopyFrom(model if model is not None else self.model)
        m.graph.output.append(self._onnx.helper.make_tensor_value_info(self.hidden_name, self._onnx.TensorProto.FLOAT, None))
        return m


def session(model, threads: int = 2):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = max(1, threads)
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])


def forced_targets(lp: np.ndarray, words: tuple[str, ...], tokens: tuple[str, ...], face: np.ndarray) -> np.ndarray:
    """Per-frame token ids of ``words`` aligned to (T, V) log-posteriors by Viterbi through the
    one sentence (a blank between words); blank where there was no face."""
    g = SlotGrammar(tokens, [[w] for w in words])
    e = lp[:, g.emit]
    score = g.start + e[0]
    back = np.zeros((len(lp), len(g.emit)), np.int32)
    for t in range(1, len(lp)):
        cand = score[:, None] + g.trans
        back[t] = np.argmax(cand, axis=0)
        score = cand[back[t], np.arange(len(g.emit))] + e[t]
    state = int(np.argmax(score + g.end))
    path = [state]
    for t in range(len(lp) - 1, 0, -1):
        state = int(back[t, state])
        path.append(state)
    tok = g.emit[np.array(path[::-1])].copy()
    tok[~face[:len(tok)]] = 0
    return tok


def per_frame(logits: np.ndarray) -> np.ndarray:
    """(windows, T, V) logits of a clip's consecutive windows -> one row per frame: the first
    window's rows, then each later window's last row (as the decoder answers a clip's end)."""
    return np.concatenate([logits[0]] + [logits[k, -1:] for k in range(1, len(logits))])


def refit_output(hidden: np.ndarray, targets: np.ndarray, w0: np.ndarray, b0: np.ndarray, *,
                 init: tuple[np.ndarray, np.ndarray] | None = None, steps: int = 300, lr: float = 0.01,
                 l2: float = 1e-2, cancel=None) -> tuple[np.ndarray, np.ndarray]:
    """Adam on softmax cross-entropy of ``hidden @ W + b`` against ``targets`` (one token id per
    row), with ``l2/2 ||W - w0||^2`` keeping it near the shipped layer; starts from ``init``
    (default: ``w0, b0``). float32 arithmetic: the fit runs in the app, on the user's CPU."""
    H = np.ascontiguousarray(hidden, dtype=np.float32)
    n = len(H)
    onehot = np.zeros((n, w0.shape[1]), np.float32)
    onehot[np.arange(n), targets] = 1.0
    w_start, b_start = init if init is not None else (w0, b0)
    W, b = w_start.astype(np.float32).copy(), b_start.astype(np.float32).copy()
    anchor = w0.astype(np.float32)
    mw, vw, mb, vb = np.zeros_like(W), np.zeros_like(W), np.zeros_like(b), np.zeros_like(b)
    for s in range(1, steps + 1):
        if cancel is not None and cancel():
            break
        z = H @ W + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        G = (p - onehot) / n
        gw, gb = H.T @ G + l2 * (W - anchor), G.sum(0)
        for prm, g, m, v in ((W, gw, mw, vw), (b, gb, mb, vb)):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            prm -= lr * (m / (1 - 0.9 ** s)) / (np.sqrt(v / (1 - 0.999 ** s)) + 1e-8)
    return W, b


# -- [train]: the whole head in torch --------------------------------------------------------
def _zrh_to_rzn(a: np.ndarray) -> np.ndarray:
    z, r, h = np.split(a, 3, axis=0)
    return np.concatenate([r, z, h], 0)


def _rzn_to_zrh(a: np.ndarray) -> np.ndarray:
    r, z, h = np.split(a, 3, axis=0)
    return np.concatenate([z, r, h], 0)


def finetune_head(graph: HeadGraph, windows: np.ndarray, frame_targets: np.ndarray, word_ids: np.ndarray, *,
                  steps: int = 60, lr: float = 3e-4, threads: int = 2, seed: int = 0, cancel=None) -> dict[str, np.ndarray]:
    """Fine-tune the whole head (a tconv + 2-layer BiGRU graph as models/lipread.py exports) on
    (N, T, D) windows of normalised features with CTC on the sentence's words (N, S) plus frame
    cross-entropy on the forced targets (N, T); CTC alone makes blanks so peaky that utterances
    no longer close on silence. Returns the graph's new initializer values by name."""
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    (conv,) = graph.node_inputs("Conv")
    grus = graph.node_inputs("GRU")
    if len(grus) != 2:
        raise ValueError("the head is not the two-layer BiGRU this fine-tune knows")
    d_in = graph.array(conv[1]).shape[1]
    hidden = graph.array(grus[0][2]).shape[2]
    w, b = graph.output_layer()

    class Head(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv1d(d_in, graph.array(conv[1]).shape[0], graph.array(conv[1]).shape[2],
                                  padding=graph.array(conv[1]).shape[2] // 2)
            self.gru = nn.GRU(self.conv.out_channels, hidden, num_layers=2, batch_first=True, bidirectional=True, dropout=0.3)
            self.out = nn.Linear(2 * hidden, w.shape[1])
            self.drop = nn.Dropout(0.3)

        def forward(self, x):
            x = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
            x, _ = self.gru(self.drop(x))
            return self.out(self.drop(x))

    head = Head()
    sd = head.state_dict()
    sd["conv.weight"] = torch.tensor(graph.array(conv[1]))
    sd["conv.bias"] = torch.tensor(graph.array(conv[2]))
    for layer, (_, wn, rn, bn, *_) in enumerate(grus):
        wa, ra, ba = graph.array(wn), graph.array(rn), graph.array(bn)
        for d, suf in enumerate(("", "_reverse")):
            sd[f"gru.weight_ih_l{layer}{suf}"] = torch.tensor(_zrh_to_rzn(wa[d]))
            sd[f"gru.weight_hh_l{layer}{suf}"] = torch.tensor(_zrh_to_rzn(ra[d]))
            bi, bh = np.split(ba[d], 2)
            sd[f"gru.bias_ih_l{layer}{suf}"] = torch.tensor(_zrh_to_rzn(bi))
            sd[f"gru.bias_hh_l{layer}{suf}"] = torch.tensor(_zrh_to_rzn(bh))
    sd["out.weight"] = torch.tensor(w.T.copy())
    sd["out.bias"] = torch.tensor(b)
    head.load_state_dict(sd)
    head.train()
    x = torch.tensor(windows, dtype=torch.float32)
    ft = torch.tensor(frame_targets, dtype=torch.long)
    tgt = torch.tensor(word_ids, dtype=torch.long)
    opt = torch.optim.Adam(head.parameters(), lr=lr)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    t_len = x.shape[1]
    for _ in range(steps):
        if cancel is not None and cancel():
            break
        opt.zero_grad()
        lp = torch.log_softmax(head(x), -1)
        loss = ctc(lp.transpose(0, 1), tgt, torch.full((len(x),), t_len), torch.full((len(x),), tgt.shape[1])) + \
            nn.functional.cross_entropy(lp.reshape(-1, lp.shape[-1]), ft.reshape(-1), label_smoothing=0.05)
        loss.backward()
        opt.step()
    sd = {k: v.detach().numpy() for k, v in head.state_dict().items()}
    out = {conv[1]: sd["conv.weight"], conv[2]: sd["conv.bias"], graph.w_name: sd["out.weight"].T.copy(),
           graph.b_name: sd["out.bias"]}
    for layer, (_, wn, rn, bn, *_) in enumerate(grus):
        ws, rs, bs = [], [], []
        for suf in ("", "_reverse"):
            ws.append(_rzn_to_zrh(sd[f"gru.weight_ih_l{layer}{suf}"]))
            rs.append(_rzn_to_zrh(sd[f"gru.weight_hh_l{layer}{suf}"]))
            bs.append(np.concatenate([_rzn_to_zrh(sd[f"gru.bias_ih_l{layer}{suf}"]), _rzn_to_zrh(sd[f"gru.bias_hh_l{layer}{suf}"])]))
        out[wn], out[rn], out[bn] = np.stack(ws), np.stack(rs), np.stack(bs)
    return out
