"""Record Python tiktoken's GPT-2 token counts for millstone's `tokens` stage test.

For every page of webpages-dev.jsonl.zst (its `text`), every UDHR translation in udhr2/ and a few
edge cases, writes one JSON line {"source", "chars", "gpt2"} where gpt2 is
len(encoding.encode_ordinary(text)) with tiktoken's GPT-2 vocabulary. Page and UDHR texts are not
copied into the fixture (the test reads them from ../shared); edge cases are ours and are stored.

tiktoken's `gpt2` encoding is built from OpenAI's vocab.bpe (data-gym format) and `r50k_base`
from r50k_base.tiktoken; both are checked here to be the same ranks, and each file is checked by
tiktoken against the SHA-256 it expects, so the files given with --assets must be OpenAI's.
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import tiktoken
import tiktoken.load
import zstandard
from tiktoken_ext import openai_public

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
R50K_URL = "https://openaipublic.blob.core.windows.net/encodings/r50k_base.tiktoken"
# tiktoken_ext.openai_public.gpt2()'s expected hash of vocab.bpe.
VOCAB_BPE_SHA256 = "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"

EDGE_CASES = [
    "",
    " ",
    "\n\n",
    "x \n\n  y  ",
    "don't DON'T we'll They'RE it's",
    "1234567890 12 1,234,567.89 ١٢٣٤٥ ½²³",
    "tabs\t\tand\u000bvertical\u000cfeeds\u0085next\u2028line",
    "emoji 😀👍🏽👨‍👩‍👧 and ✨sparkles✨",
    "中文文本，没有空格。日本語のテキスト。한국어 텍스트입니다.",
    "e\u0301te\u0301 cafe\u0301 \u0301\u0301AB",
    "<|endoftext|> is ordinary text",
    "http://example.com/a/b?c=d&e=f#g ==> !== ...\r\n//",
    "=" * 3000,
    " " * 500 + "x",
]


def load_encodings(assets: Path):
    cache = tempfile.mkdtemp(prefix="tiktoken-cache-")
    os.environ["TIKTOKEN_CACHE_DIR"] = cache
    key = hashlib.sha1(R50K_URL.encode()).hexdigest()
    (Path(cache) / key).write_bytes((assets / "r50k_base.tiktoken").read_bytes())
    r50k = tiktoken.get_encoding("r50k_base")  # checks the file's SHA-256
    ranks = tiktoken.load.data_gym_to_mergeable_bpe_ranks(
        vocab_bpe_file=str(assets / "vocab.bpe"),
        encoder_json_file=str(assets / "encoder.json"),
        vocab_bpe_hash=VOCAB_BPE_SHA256,
    )
    assert ranks == r50k._mergeable_ranks, "gpt2 and r50k_base ranks differ"
    gpt2 = tiktoken.Encoding(
        name="gpt2",
        pat_str=openai_public.r50k_pat_str,
        mergeable_ranks=ranks,
        special_tokens={"<|endoftext|>": 50256},
        explicit_n_vocab=50257,
    )
    return gpt2, r50k


def texts(shared: Path):
    with open(shared / "webpages-dev.jsonl.zst", "rb") as f:
        data = zstandard.ZstdDecompressor().stream_reader(f).read()
    # Split on "\n" only: texts hold U+2028.
    for i, line in enumerate(data.split(b"\n")):
        if line:
            yield f"webpages-dev line {i + 1}", json.loads(line)["text"], False
    for path in sorted((shared / "udhr2").iterdir()):
        yield f"udhr2/{path.name}", path.read_text(encoding="utf-8"), False
    for i, text in enumerate(EDGE_CASES):
        yield f"edge case {i + 1}", text, True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--assets", type=Path, required=True, help="tiktoken-rs's assets/ folder")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument(
        "--out",
        type=Path,
        default=ROOT / "crates/millstone-filters/tests/fixtures/tokens/tiktoken-gpt2.jsonl.zst",
    )
    args = ap.parse_args()
    gpt2, r50k = load_encodings(args.assets)
    lines = []
    total = 0
    for source, text, store in texts(args.shared):
        n = len(gpt2.encode_ordinary(text))
        assert n == len(r50k.encode_ordinary(text)), source
        total += n
        rec = {"source": source, "chars": len(text), "gpt2": n}
        if store:
            rec["text"] = text
        lines.append(json.dumps(rec, ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    body = ("\n".join(lines) + "\n").encode()
    args.out.write_bytes(zstandard.ZstdCompressor(level=19).compress(body))
    meta = {"tiktoken": tiktoken.__version__, "python": sys.version.split()[0], "texts": len(lines), "tokens": total}
    (args.out.parent / "tiktoken-gpt2.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"record: {len(lines)} texts, {total} GPT-2 tokens -> {args.out}")


if __name__ == "__main__":
    main()
