"""The rows scripts/train_signals.py learns from, and where each comes from.

Ours (scripts/train/, MIT), the redistributable rows of ../shared/eval, and
openly licensed sets from public GitHub repositories, each pinned to a commit
and checked against its git blob hash, so the weights rebuild from exactly
the cited data. Get the repositories once:

    mkdir -p /tmp/h2h-train && cd /tmp/h2h-train
    git clone https://github.com/t-davidson/hate-speech-and-offensive-language t-davidson+hate-speech-and-offensive-language
    ... (one line per entry of EXTERNAL, folder named owner+name)

and pass `--external /tmp/h2h-train`. A folder may instead hold a bare mirror
in `owner+name/repo` (read with `git show COMMIT:PATH`), or the files alone at
their paths.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
from pathlib import Path
from typing import Callable, NamedTuple

TRAIN = Path(__file__).resolve().parent / "train"
LETTERS = dict(zip("qrcnptsbu", ("question", "request", "complaint", "negative", "positive",
                                 "toxic", "spam", "bot", "urgent")))
# Only these rows of ../shared/eval may be read for training (their licenses allow it).
ALLOWED_SOURCES = {"ibm_cdp", "mlma_fr", "free_fr"}


class Row(NamedTuple):
    group: str                  # where it comes from: its weight and its line in the report
    lang: str                   # "en" or "fr": the model it trains at full weight
    text: str
    labels: dict[str, int]      # signal -> 0/1, only for the signals the row teaches; and
                                # needs_reply (0, 1, 2) where known, for the report only


class Source(NamedTuple):
    repo: str
    commit: str
    path: str
    blob: str                   # git's hash of the file: the data is exactly what was cited
    license: str


EXTERNAL: dict[str, Source] = {
    "davidson": Source("t-davidson/hate-speech-and-offensive-language", "cb50f7e9eb855a99abc51423bf40df0e26d6fe30",
                       "data/labeled_data.csv", "4f51a1ce6526ff5059da4f85cf4ea413db2c6a8b", "MIT"),
    "hatecheck": Source("paul-rottger/hatecheck-data", "d84302298ceeb34f4b0dde2d8a1f4932c2caa612",
                        "test_suite_cases.csv", "eb3fa2522dd52d448428269ef40d8ed3e0bf5892", "CC BY 4.0"),
    "xlmt_train_text": Source("cardiffnlp/xlm-t", "874214d64d96599eb869a033c22ec2cc57d19256",
                              "data/sentiment/french/train_text.txt", "00148dc0bab214d4d2bc446f8e8beb6dd3be0d25",
                              "Apache-2.0 (repository); tweets of DEFT 2017 (Benamara et al.)"),
    "xlmt_train_labels": Source("cardiffnlp/xlm-t", "874214d64d96599eb869a033c22ec2cc57d19256",
                                "data/sentiment/french/train_labels.txt", "515f39f140d5bb328a9a15e800344df395d73a43",
                                "Apache-2.0 (repository); labels of DEFT 2017 (Benamara et al.)"),
    "xlmt_val_text": Source("cardiffnlp/xlm-t", "874214d64d96599eb869a033c22ec2cc57d19256",
                            "data/sentiment/french/val_text.txt", "d6c544fb5bceaec312cffaf17d620025ff022aa5",
                            "Apache-2.0 (repository); tweets of DEFT 2017 (Benamara et al.)"),
    "xlmt_val_labels": Source("cardiffnlp/xlm-t", "874214d64d96599eb869a033c22ec2cc57d19256",
                              "data/sentiment/french/val_labels.txt", "a9e0ed972dbc72475e65335205563f466c7465c5",
                              "Apache-2.0 (repository); labels of DEFT 2017 (Benamara et al.)"),
    "mhc_fr": Source("rewire-online/multilingual-hatecheck", "a03f2caf2023a402d85064bda243e46d280408f0",
                     "MHC Final Cases/hatecheck_cases_final_french.csv", "451b0ea2c18599ce132ed236f256fc3f297ef4cd",
                     "CC BY 4.0"),
    "clinc": Source("clinc/oos-eval", "828f8093932c8fe6ca7936c3d2e52903b1c523de", "data/data_full.json",
                    "7a7b26c5f2dfbbf213f3e67d2dd0727e1af545aa", "CC BY 3.0"),
}


def git_blob(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def read_external(folder: Path, name: str) -> bytes:
    src = EXTERNAL[name]
    base = folder / src.repo.replace("/", "+")
    if (base / "repo").is_dir() or (base / ".git").exists():
        git_dir = base / "repo" if (base / "repo").is_dir() else base / ".git"
        data = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{src.commit}:{src.path}"],
                              capture_output=True, check=True).stdout
    elif (base / src.path).exists():
        data = (base / src.path).read_bytes()
    else:
        raise SystemExit(f"{name}: neither {base}/repo, {base}/.git nor {base / src.path} exists; "
                         f"clone https://github.com/{src.repo} into {base} (see scripts/train_data.py)")
    if git_blob(data) != src.blob:
        raise SystemExit(f"{name}: {src.repo}:{src.path} is not the cited version (blob {src.blob} at {src.commit})")
    return data


# --- ours and ../shared/eval ------------------------------------------------------------

def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line.strip()]


def letters_to_labels(letters: str) -> dict[str, int]:
    labels = {name: int(letter in letters) for letter, name in LETTERS.items()}
    # A complaint is unhappy, even when said calmly: our labels follow fr_gold and the
    # sentiment sets there (the "negative" signal is about the message, not the tone).
    labels["negative"] |= labels["complaint"]
    return labels


def written(lang: str) -> list[Row]:
    """scripts/train/written_<lang>*.tsv. Header lines may say which signals a file's rows
    teach (`# signals: q r`) and which group they report under (`# group: name`)."""
    out = []
    for path in sorted(TRAIN.glob(f"written_{lang}*.tsv")):
        only = set(LETTERS)
        group = f"written_{lang}"
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.startswith("# signals:"):
                # Rows that teach only these signals: everyday dialogue says what a question or a
                # request is, but its small talk, with no brand in it, would mislead complaint and tone.
                only = set(line.split(":", 1)[1].split())
            elif line.startswith("# group:"):
                group = line.split(":", 1)[1].strip()
            if not line or line.startswith("#"):
                continue
            letters, text = line.split("\t", 1)
            labels = {k: v for k, v in letters_to_labels(letters).items() if k[0] in only}
            digits = [ch for ch in letters if ch.isdigit()]
            if digits:
                labels["needs_reply"] = int(digits[0])   # measured, never trained on
            out.append(Row(group, lang, text, labels))
    return out


def from_eval(eval_dir: Path) -> list[Row]:
    out = []
    dev = {r["id"]: r for r in read_jsonl(eval_dir / "dev.jsonl") if r["source"] in ALLOWED_SOURCES}
    for group, lang in (("ibm_cdp", "en"), ("free_fr", "fr")):
        for line in (TRAIN / f"labels_{group}.tsv").read_text(encoding="utf-8").split("\n"):
            if not line or line.startswith("#"):
                continue
            ident, letters = line.split("\t")
            out.append(Row(group, lang, dev[ident]["text"], letters_to_labels(letters)))
    for r in dev.values():
        if r["source"] == "mlma_fr" and "offensive" in r["labels"]:
            out.append(Row("mlma_fr", "fr", r["text"], {"toxic": int(bool(r["labels"]["offensive"]))}))
    for r in read_jsonl(eval_dir / "fr_gold_dev.jsonl"):
        lab = r["labels"]
        labels = {k: int(bool(lab[k])) for k in ("question", "request", "complaint", "negative", "positive", "toxic")}
        out.append(Row("fr_gold", "fr", r["text"], {**labels, "needs_reply": lab["needs_reply"]}))
    return out


# --- openly licensed sets ----------------------------------------------------------------

def davidson(folder: Path) -> list[Row]:
    """Hate speech or offensive language (class 0 or 1, the annotators' majority) as toxic."""
    text = read_external(folder, "davidson").decode("utf-8")
    return [Row("davidson", "en", r["tweet"], {"toxic": int(r["class"] != "2")}) for r in csv.DictReader(io.StringIO(text))]


def _hatecheck(folder: Path, name: str, lang: str) -> list[Row]:
    text = read_external(folder, name).decode("utf-8")
    return [Row(name, lang, r["test_case"].strip(), {"toxic": int(r["label_gold"] == "hateful")})
            for r in csv.DictReader(io.StringIO(text))]


def hatecheck(folder: Path) -> list[Row]:
    return _hatecheck(folder, "hatecheck", "en")


def mhc_fr(folder: Path) -> list[Row]:
    return _hatecheck(folder, "mhc_fr", "fr")


def xlmt_train(folder: Path, eval_dir: Path) -> list[Row]:
    """XLM-T's French train and validation splits (0 negative, 1 neutral, 2 positive). Its
    test split holds the xlmt_fr rows of ../shared/eval: a text found there is left out."""
    measured = {r["text"] for r in read_jsonl(eval_dir / "dev.jsonl") if r["source"] == "xlmt_fr"}
    out = []
    for split in ("train", "val"):
        texts = read_external(folder, f"xlmt_{split}_text").decode("utf-8").split("\n")
        labels = read_external(folder, f"xlmt_{split}_labels").decode("utf-8").split("\n")
        for text, y in zip(texts, labels):
            if text and y and text not in measured:
                out.append(Row("xlmt_train", "fr", text, {"negative": int(y == "0"), "positive": int(y == "2")}))
    return out


_ASKS = frozenset("what how when where who whom whose why which is are was were do does did am have has had "
                  "should shall will would can could may might any".split())
_ASKS_FOR = frozenset(("can you", "could you", "would you", "will you", "can u", "could u"))


def clinc(folder: Path) -> list[Row]:
    """CLINC150's queries to a voice assistant, all asking for something: a question when
    they open as one ("how do i...", "is there..."), otherwise a request ("book a table",
    "can you report my lost card"). Lowercase, no punctuation: the words do the work."""
    data = json.loads(read_external(folder, "clinc"))
    out = []
    for split in ("train", "val", "oos_train", "oos_val"):
        for text, _ in data[split]:
            words = text.split()
            asks = bool(words) and words[0] in _ASKS and " ".join(words[:2]) not in _ASKS_FOR
            out.append(Row("clinc", "en", text, {"question": int(asks), "request": int(not asks)}))
    return out


# Which sets the shipped weights use (each measured on ../shared/eval before it was kept:
# see the README's "Triage quality").
LOADERS: dict[str, Callable[[Path, Path], list[Row]]] = {
    "davidson": lambda folder, _: davidson(folder),
    "hatecheck": lambda folder, _: hatecheck(folder),
    "xlmt_train": xlmt_train,
    "mhc_fr": lambda folder, _: mhc_fr(folder),
    "clinc": lambda folder, _: clinc(folder),
}


def rows(eval_dir: Path, external: Path | None, use: tuple[str, ...]) -> list[Row]:
    out = written("en") + written("fr") + from_eval(eval_dir)
    for name in use:
        if external is None:
            raise SystemExit("--external is needed for " + ", ".join(use))
        out += LOADERS[name](external, eval_dir)
    out.sort(key=lambda r: (r.group, r.text))
    return out
