"""Record Python fastText's predictions, the reference for millstone's own fastText inference.

Writes, under crates/millstone-filters/tests/fixtures/fasttext/:
  lid176.jsonl.zst      texts + what `model.predict(text.replace("\n", " "), k=-1)` returns with
                        the embedded lid.176.ftz (labels and probabilities, most probable first)
  tiny-*.bin / *.ftz    three small models trained here on UDHR paragraphs, covering what lid.176
                        does not: a dense input matrix, softmax and one-vs-all losses, word bigrams,
                        no character n-grams, a pruned quantized input with quantized norms
  tiny.jsonl.zst        texts + each tiny model's predictions
  summary.json          counts and versions

Texts: UDHR paragraphs, sentences and short cuts in many scripts (../shared/data/udhr2, public
domain), the start of real crawled pages (../shared/data/webpages-dev.jsonl.zst, CC-BY-4.0) and
hand-made edge cases (empty, blanks only, labels inside the text, NUL, tabs, emoji, ...).
Deterministic: a seeded RNG picks everything; training uses one thread and a fixed seed.

usage: tools/fasttext-parity/regenerate.sh   (sets up the venv, then runs this)
"""

import argparse
import io
import json
import os
import random
import sys
import tempfile

import fasttext
import zstandard

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "crates", "millstone-filters", "tests", "fixtures", "fasttext")
MODEL = os.path.join(ROOT, "crates", "millstone-filters", "assets", "lid.176.ftz")

# UDHR files used for the lid.176 texts (a spread of scripts and the top web languages).
UDHR_FILES = [
    "eng", "rus", "deu", "jpn", "spa", "fra", "cmn_hans", "cmn_hant", "por_BR", "ita", "pol",
    "nld", "tur", "vie", "ind", "ces", "kor", "ukr", "hun", "swe", "arb", "pes_1", "ron", "ell_monotonic",
    "dan", "fin", "heb", "tha", "slk", "nob", "bul", "hrv", "srp_cyrl", "lit", "lav", "est", "slv",
    "cat", "hin", "ben", "tam", "kat", "hye", "amh", "khm", "lao", "mya", "urd", "kaz",
    "azj_latn", "uzn_latn", "isl", "gle", "cym", "eus", "glg", "mlt", "swh", "yor", "zul",
    "epo", "lat", "tgl", "ceb", "som", "hau_NG", "ibo",
]

# Languages of the tiny models (a small label set keeps them small).
TINY_FILES = ["eng", "deu", "fra", "spa", "rus", "tur"]
# Paragraphs per language: the vocabulary (and so the model file) stays small.
TINY_PARAGRAPHS = 15

EDGE_CASES = [
    "",
    " ",
    "\t\t",
    "a",
    "</s>",
    "< >",
    "__label__en",
    "__label__en this is English text",
    "ceci est un texte __label__de en français",
    "word\tword\rword\x0bword\x0cword\x00word",
    "non\u00a0breaking\u00a0spaces\u00a0stay\u00a0inside\u00a0words",
    "🙂 🙂 🙂 emoji only 🙂",
    "https://example.com/path?query=1&lang=en",
    "1234567890 42 3.14159 2026-11-25",
    "ALL CAPS ENGLISH HEADLINE ABOUT THE WEATHER TODAY",
    "Der Hund, le chien, the dog, el perro, il cane.",
    "Москва — столица России, a city with over twelve million people.",
    "東京は日本の首都です。Tokyo is the capital of Japan.",
    "x" * 3000,
    "ab " * 500,
    "\u0301\u0301 combining marks alone \u0301",
    "\ufeffbyte order mark at the start",
    "e\u0301 vs \u00e9: decomposed and composed",
]


def udhr_paragraphs(shared, name):
    """Lines of one UDHR file after the title with at least 25 characters."""
    with open(os.path.join(shared, "data", "udhr2", name + ".txt"), encoding="utf-8") as f:
        lines = [l.strip() for l in f.read().split("\n")]
    return [l for l in lines[1:] if len(l) >= 25]


def lid176_texts(shared, rng):
    texts = []
    for name in UDHR_FILES:
        paras = udhr_paragraphs(shared, name)
        if not paras:
            continue
        p = rng.choice(paras)
        texts.append(p)
        # One sentence-ish piece and a short cut of another paragraph.
        q = rng.choice(paras)
        texts.append(q[: max(10, len(q) // 2)])
        r = rng.choice(paras)
        texts.append(r[: rng.randint(8, 40)])
        # A multi-line excerpt (newlines become spaces).
        i = rng.randrange(len(paras))
        texts.append("\n".join(paras[i : i + 3]))
    pages = []
    with open(os.path.join(shared, "data", "webpages-dev.jsonl.zst"), "rb") as f:
        data = zstandard.ZstdDecompressor().stream_reader(f).read()
    for line in data.decode("utf-8").split("\n"):
        if line.strip():
            pages.append(json.loads(line)["text"])
    for text in rng.sample(pages, 100):
        texts.append(text[: rng.randint(200, 1500)])
    # A few whole pages: long inputs add many rows to the hidden vector.
    for text in rng.sample(pages, 3):
        texts.append(text[:10000])
    texts.extend(EDGE_CASES)
    return texts


# Labels below this probability are only counted (the tail of hundreds of tiny scores would make
# the fixture ten times larger); the test checks the count and every label above it.
KEEP_ABOVE = 1e-3


def predict_all(model, text):
    """What datatrove asks fastText for: every label (k=-1), newlines as spaces."""
    labels, probs = model.predict(text.replace("\n", " "), k=-1)
    out = {"n": len(labels), "labels": [], "probs": []}
    for label, p in zip(labels, probs):
        if p >= KEEP_ABOVE:
            out["labels"].append(label[len("__label__") :])
            # float32 values: 9 significant digits give them back exactly.
            out["probs"].append(float("%.9g" % p))
    return out


def write_jsonl_zst(path, rows):
    buf = io.BytesIO()
    for row in rows:
        buf.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
    with open(path, "wb") as f:
        f.write(zstandard.ZstdCompressor(level=19).compress(buf.getvalue()))


def train_tiny(shared, rng, workdir):
    train = os.path.join(workdir, "train.txt")
    with open(train, "w", encoding="utf-8") as f:
        for name in TINY_FILES:
            label = "__label__" + name.split("_")[0]
            for p in udhr_paragraphs(shared, name)[:TINY_PARAGRAPHS]:
                f.write(label + " " + p.replace("\n", " ") + "\n")
    def train_one(**kw):
        return fasttext.train_supervised(
            input=train, dim=8, epoch=25, lr=0.1, thread=1, seed=1, verbose=0, **kw
        )

    softmax = train_one(loss="softmax", minn=2, maxn=4, wordNgrams=2, bucket=2000)
    ova = train_one(loss="ova", minn=0, maxn=0, wordNgrams=1, bucket=0)
    models = {}
    path = os.path.join(OUT, "tiny-softmax.bin")
    softmax.save_model(path)
    models["tiny-softmax.bin"] = fasttext.load_model(path)
    path = os.path.join(OUT, "tiny-ova.bin")
    ova.save_model(path)
    models["tiny-ova.bin"] = fasttext.load_model(path)
    # Quantize the softmax model: keep 300 rows (pruned n-gram index), quantize norms too.
    softmax.quantize(input=train, qnorm=True, cutoff=300, retrain=False, dsub=2)
    path = os.path.join(OUT, "tiny-softmax.ftz")
    softmax.save_model(path)
    models["tiny-softmax.ftz"] = fasttext.load_model(path)
    return models


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    args = ap.parse_args()
    rng = random.Random(5)
    os.makedirs(OUT, exist_ok=True)

    # Train first: in this wheel, training after many predictions in the same process fails with
    # "Encountered NaN" (it trains fine in a fresh process).
    with tempfile.TemporaryDirectory() as workdir:
        tiny = train_tiny(args.shared, rng, workdir)
    model = fasttext.load_model(MODEL)
    texts = lid176_texts(args.shared, rng)
    rows = []
    for text in texts:
        rows.append({"text": text, **predict_all(model, text)})
    write_jsonl_zst(os.path.join(OUT, "lid176.jsonl.zst"), rows)

    tiny_texts = rng.sample(texts, 150) + EDGE_CASES
    tiny_rows = []
    for text in tiny_texts:
        row = {"text": text}
        for name, m in sorted(tiny.items()):
            row[name] = predict_all(m, text)
        tiny_rows.append(row)
    write_jsonl_zst(os.path.join(OUT, "tiny.jsonl.zst"), tiny_rows)

    import importlib.metadata as md

    summary = {
        "keep_above": KEEP_ABOVE,
        "fasttext": md.version("fasttext-numpy2-wheel"),
        "python": sys.version.split()[0],
        "lid176_texts": len(rows),
        "tiny_texts": len(tiny_rows),
        "tiny_models": {
            name: {
                "loss": str(m.f.getArgs().loss).split(".")[-1],
                "dim": m.get_dimension(),
                "quantized": m.is_quantized(),
                "labels": len(m.get_labels()),
            }
            for name, m in sorted(tiny.items())
        },
    }
    with open(os.path.join(OUT, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
