#!/usr/bin/env python3
"""Checks of score.py on hand-made pages: `python3 bench/extract/test_score.py` (stdlib unittest).

Not run by CI (bench/ is outside the Rust workspace); run it after changing score.py.
"""

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import score  # noqa: E402


class Tokens(unittest.TestCase):
    def test_lowercase_word_runs(self):
        self.assertEqual(score.tokenize("Hello, World! it's 2025_x"),
                         ["hello", "world", "it", "s", "2025_x"])

    def test_unicode_words(self):
        self.assertEqual(score.tokenize("Über café — naïve 東京"), ["über", "café", "naïve", "東京"])

    def test_empty(self):
        self.assertEqual(score.tokenize(""), [])
        self.assertEqual(score.tokenize("— … !!"), [])


class PerPage(unittest.TestCase):
    def test_multiset_overlap(self):
        # pred: a a a b (4 tokens), ref: a a c (3 tokens); overlap = min(3,2) + 0 = 2
        p, r, f1 = score.word_prf("a a a b", "A, a c")
        self.assertAlmostEqual(p, 2 / 4)
        self.assertAlmostEqual(r, 2 / 3)
        self.assertAlmostEqual(f1, 2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))

    def test_exact(self):
        self.assertEqual(score.word_prf("The cat sat.", "the CAT sat"), (1.0, 1.0, 1.0))

    def test_no_overlap(self):
        self.assertEqual(score.word_prf("dog", "cat"), (0.0, 0.0, 0.0))

    def test_empty_truth(self):
        self.assertEqual(score.word_prf("", ""), (1.0, 1.0, 1.0))
        self.assertEqual(score.word_prf("...", " "), (1.0, 1.0, 1.0))
        self.assertEqual(score.word_prf("menu", ""), (0.0, 0.0, 0.0))

    def test_empty_prediction(self):
        self.assertEqual(score.word_prf("", "some words"), (0.0, 0.0, 0.0))

    def test_page_type(self):
        self.assertEqual(score.page_type_of({"_internal": {"page_type": {"primary": "category"}}}),
                         "collection")
        self.assertEqual(score.page_type_of({"_internal": {"page_type": "forum"}}), "forum")
        self.assertEqual(score.page_type_of({}), "article")


class EndToEnd(unittest.TestCase):
    """Three hand-made pages through the command line: means per type, missing pages, CPU."""

    def test_cli(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            gt = tmp / "data" / "ground-truth"
            gt.mkdir(parents=True)
            pages = {"0001": ("article", "one two three four"),
                     "0002": ("forum", "alpha beta"),
                     "0003": ("article", "")}
            for pid, (pt, ref) in pages.items():
                (gt / f"{pid}.json").write_text(json.dumps(
                    {"_internal": {"page_type": {"primary": pt}},
                     "ground_truth": {"main_content": ref}}))
            (gt / "0004.json").write_text(json.dumps({"ground_truth": None}))  # not a page
            pred = tmp / "x.jsonl"
            pred.write_text(
                json.dumps({"id": "0001", "text": "one two menu", "cpu_ms": 2.0}) + "\n"
                + json.dumps({"id": "0003", "text": "", "cpu_ms": 6.0}) + "\n")
            out = tmp / "r.json"
            subprocess.run([sys.executable, str(HERE / "score.py"), "--data", str(tmp / "data"),
                            "--json", str(out), f"mine={pred}"], check=True,
                           stdout=subprocess.DEVNULL)
            res = json.loads(out.read_text())["results"]["mine"]
            # 0001: P 2/3, R 2/4, F1 4/7; 0002 missing: 0; 0003 empty/empty: 1
            self.assertEqual(res["all"]["pages"], 3)
            self.assertEqual(res["all"]["missing"], 1)
            self.assertAlmostEqual(res["all"]["f1"], (4 / 7 + 0 + 1) / 3)
            self.assertAlmostEqual(res["all"]["precision"], (2 / 3 + 0 + 1) / 3)
            self.assertAlmostEqual(res["article"]["recall"], (0.5 + 1) / 2)
            self.assertEqual(res["forum"]["f1"], 0.0)
            self.assertAlmostEqual(res["all"]["cpu_ms_per_page"], 4.0)
            self.assertAlmostEqual(res["all"]["pages_per_cpu_s"], 250.0)

    def test_split_matches_boilerplate_score(self):
        sys.path.insert(0, str(HERE.parent))
        import boilerplate_score
        for pid in ("0001", "0002", "0123", "1497"):
            self.assertEqual(score.page_split(pid), boilerplate_score.split_of(f"dev-{pid}"))


if __name__ == "__main__":
    unittest.main()
