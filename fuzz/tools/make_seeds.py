"""Write the seed corpora under fuzz/corpus/ (run from anywhere with a Python that has pyarrow and
the `zstandard`-free standard library; reads a few records of data/sample/webpages.jsonl.zst via
the `zstd` command).

    /work/venv-dt/bin/python fuzz/tools/make_seeds.py
"""
import gzip, io, json, os, random, subprocess, sys
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(ROOT)
CORPUS = os.path.join(ROOT, "corpus")
rng = random.Random(1234)


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def cut(s, n):
    b = s.encode()[:n]
    return b.decode("utf-8", "ignore")


# A few real records, texts cut short.
raw = subprocess.run(["zstd", "-dc", os.path.join(REPO, "data/sample/webpages.jsonl.zst")],
                     check=True, capture_output=True).stdout
lines = raw.split(b"\n")
picked = [json.loads(lines[i]) for i in (0, 3, 17, 42, 99, 150) if i < len(lines) and lines[i]]
texts = [cut(r["text"], 1500) for r in picked]

EDGE_TEXTS = [
    "",
    " ",
    "Hello world.  This is Dr. Smith. He lives in the U.S.A. and e-mails folks, ok?",
    "Line one has words.\r\nLine two [1] has a citation.\u2028Line three [edit] ends here!\x85Line four\x1cfive\x0bsix\x0cseven.",
    "lorem ipsum dolor sit amet.\nfunction() { return 1; }\nPlease enable JavaScript in your browser.",
    "We use cookies. See our privacy policy and terms of use.\nThis is a normal sentence here.",
    "Don't can't won't I'm you're y'all gonna ... ?! \"quoted.\" 'single.'",
    "Visit https://example.com/a?b=c&d=e#f or www.test.org, mail me@x.io :) :-( <3 (c) 5km 10$ $10 US$5 3.14",
    "\u00a0\u2003\u3000non\u00a0breaking\u200bzero width\ufeffbom",
    "Ελληνικά κείμενα. Русский текст! 中文文本。日本語のテキスト。 עברית. العربية؟ हिन्दी।",
    "e\u0301 combining, ﬁ ligature, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢, emoji 👩‍👩‍👧 🇫🇷 family.",
    "a" * 1100 + " long word line.\nshort.\n" + "word " * 50 + ".",
    "repeat this line.\n" * 20,
    "The the the the the the the the.\n\n\n\n# # # # bullet\n• item one\n• item two\n… ellipsis line…",
    "((([[[{{{\"'`\u00ab\u00bb\u201c\u201d\u2018\u2019)))]]]}}}",
    "1. 2. 3. 4. 5. 6. 7. 8. 9. 10.",
    "Mr. Mrs. Ms. Dr. Prof. Inc. Ltd. Jan. Feb. a.m. p.m. e.g. i.e. etc. vs.",
]

for i, t in enumerate(texts + EDGE_TEXTS):
    put("stages", f"seed-{i:02}", t)
    put("tokenizer", f"seed-{i:02}", t)

# JSONL: real records (cut), and hostile lines.
recs = []
for r in picked[:4]:
    r = dict(r)
    r["text"] = cut(r["text"], 600)
    recs.append(json.dumps(r, ensure_ascii=False))
put("jsonl_reader", "real-1", recs[0] + "\n")
put("jsonl_reader", "real-3", "\n".join(recs[1:4]) + "\n")
HOSTILE = [
    b'{"id":"a","text":"hello"}\n\n  \n{"id":1,"text":"x"}\r\n{"text":null}\n{"text":5}\n[1,2]\n"str"\n{bad json\n',
    b'\xef\xbb\xbf{"id":"bom","text":"with bom"}\n{"text":"\\ud800 lone surrogate"}\n{"text":"\\u00e9\\n\\t"}',
    b'{"id":"x","text":"caf\xc3\xa9"}\n{"id":"y","text":"bad \xff\xfe utf8"}\n{"text":"no newline at end"}',
    b'{"text":"' + b'a' * 300 + b'"}\n' + b'{"id":' + b'9' * 40 + b',"text":"big id"}\n',
    b'{"text":"dup","text":"keys"}\n{"a":{"b":[1,{"c":null}]},"text":"nested","id":1.5e300}\n' + b'[' * 200 + b']' * 200 + b'\n',
    b'\x00\x01\x02\n\r\r\n\t\x0b\x0c{"text":""}\n',
]
for i, h in enumerate(HOSTILE):
    put("jsonl_reader", f"hostile-{i}", h)

# Text files.
for i, t in enumerate([texts[0], EDGE_TEXTS[3], EDGE_TEXTS[9], ""]):
    put("text_reader", f"text-{i}", t)
put("text_reader", "bom", b"\xef\xbb\xbfbom text\n")
put("text_reader", "invalid-utf8", b"abc \xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80 end")

# Parquet: small files of several shapes and codecs (raw mode: first byte 'P' is even).
n = 5
shapes = {
    "basic": pa.table({"id": [f"d{i}" for i in range(n)], "text": [cut(t, 200) for t in texts[:n]]}),
    "nulls-large": pa.table({"text": pa.array(["a", None, "c", "", "é"], pa.large_string()),
                              "id": pa.array([1, 2, None, 4, 5], pa.int64())}),
    "nested": pa.table({
        "text": ["x", "y", "z", None, "w"],
        "meta": pa.array([{"a": 1, "b": "s"}, None, {"a": 3, "b": None}, {"a": 4, "b": "t"}, {"a": 5, "b": "u"}]),
        "tags": pa.array([["a", "b"], [], None, ["c"], ["d", None]]),
        "m": pa.array([[("k", 1)], [], None, [("a", 2), ("b", 3)], [("z", 0)]], pa.map_(pa.string(), pa.int64())),
        "ts": pa.array([0, 1, 2, 3, 4], pa.timestamp("ms", tz="Europe/Paris")),
        "d": pa.array([0, 1, 2, 3, 4], pa.date32()),
        "dec": pa.array([1, 2, 3, 4, 5], pa.decimal128(10, 2)),
        "dict": pa.array(["a", "b", "a", None, "b"]).dictionary_encode(),
        "f": pa.array([1.5, float("nan"), float("inf"), None, -0.0]),
        "t": pa.array([0, 1, 2, 3, 4], pa.time64("us")),
        "bin": pa.array([b"\xff", b"ok", None, b"", b"\x00"]),
    }),
    "wrong-type": pa.table({"text": [1, 2, 3]}),
    "no-text": pa.table({"body": ["a", "b"]}),
    "view": pa.table({"text": pa.array(["v1", "v2"], pa.string_view())}),
}
codecs = {"basic": ["snappy", "zstd", "none"], "nulls-large": ["gzip"], "nested": ["lz4"],
          "wrong-type": ["none"], "no-text": ["none"], "view": ["zstd"]}
for name, table in shapes.items():
    for codec in codecs[name]:
        buf = io.BytesIO()
        pq.write_table(table, buf, compression=codec, row_group_size=2, data_page_size=64)
        put("parquet_reader", f"{name}-{codec}", buf.getvalue())
# Structured mode (first byte odd): random bytes for `arbitrary`.
for i in range(6):
    put("parquet_reader", f"structured-{i}", bytes([1]) + bytes(rng.randrange(256) for _ in range(64 + 40 * i)))
put("parquet_reader", "garbage", b"PAR1" + bytes(rng.randrange(256) for _ in range(100)) + b"PAR1")

total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(CORPUS) for f in fs)
print(f"corpus: {total} bytes", file=sys.stderr)
