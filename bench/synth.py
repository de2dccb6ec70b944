"""Synthetic mentions in h2h's import format (JSON Lines), for benchmarks.

    python bench/synth.py --count 1000000 --seed 1 > /tmp/h2h-1m.jsonl

Deterministic for a given (count, seed, start): the same bytes on any machine.
The mix is meant to look like a real inbox, not to be uniform: ten platforms,
mostly English and French with some Spanish and German, a few people who write
a lot and many who write once (Zipf-like), replies inside threads, our own
replies (`from_me`) to some of them, teammates, bots, spam, praise, hostility,
the odd long post. Persons, texts and handles are invented here.

Streamed: memory stays small whatever --count is.
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import sys
from datetime import datetime, timedelta, timezone
from typing import IO, Iterator

# (source name, platform, share of traffic)
SOURCES = [
    ("masto", "mastodon", 0.22), ("bsky", "bluesky", 0.18), ("gh", "github", 0.14), ("reddit", "reddit", 0.1),
    ("hn", "hackernews", 0.07), ("so", "stackexchange", 0.05), ("feeds", "rss", 0.05),
    ("forum", "discourse", 0.07), ("lemmy", "lemmy", 0.04), ("x", "x", 0.08),
]
LANGS = [("en", 0.62), ("fr", 0.26), ("es", 0.07), ("de", 0.05)]
OUR_HANDLES = {"mastodon": "@acme@mastodon.social", "bluesky": "acme.bsky.social", "github": "acme",
               "reddit": "acme_team", "hackernews": "acme", "stackexchange": "acme", "rss": "acme",
               "discourse": "acme", "lemmy": "acme@lemmy.world", "x": "acme"}
TEAMMATE = {"mastodon": "@jo@mastodon.social", "github": "jo-acme"}

TEXTS = {
    "en": {
        "question": ["How do I export all my notes at once?", "Is there a way to sync {thing} between two laptops?",
                     "What's the difference between the free plan and Pro for {thing}?",
                     "Can I self-host {thing}? Couldn't find it in the docs.", "Any plans for a Linux app?",
                     "Does {thing} work offline?", "Where can I change my billing email?"],
        "complaint": ["{thing} doesn't load since this morning, blank page.", "Sync is broken again, lost my edits.",
                      "Still waiting on a refund, charged twice for {thing}.", "The app crashes when I open {thing}.",
                      "Search fails with an error every time, really frustrating."],
        "request": ["Please help, I can't log in to {thing}.", "Could you look into my ticket about {thing}? DM me.",
                    "I need a hand migrating {thing} before Friday."],
        "urgent": ["URGENT: production is down, all our users get errors on {thing}!!!",
                   "Data loss after the update, need help asap."],
        "praise": ["Thanks for {thing}, it's great!", "Love the new {thing}, well done.", "Kudos to the team, {thing} is perfect."],
        "neutral": ["Trying {thing} for our team this week.", "Wrote a short post about how we use {thing}.",
                    "Saw the acme talk about {thing} at the meetup."],
        "toxic": ["You are all incompetent clowns, {thing} is garbage.", "What a scam, liars."],
        "spam": ["Free followers fast! Click here https://spam.example/{n}", "Crypto giveaway, check my bio https://x.example/{n}"],
        "reply": ["Thanks, that worked!", "Still not working for me, same error.", "Ok but why is {thing} so slow?"],
    },
    "fr": {
        "question": ["Comment j'exporte toutes mes notes d'un coup ?", "Est-ce qu'on peut synchroniser {thing} entre deux postes ?",
                     "Quelle différence entre l'offre gratuite et Pro pour {thing} ?", "Y a-t-il une appli Linux prévue ?"],
        "complaint": ["{thing} ne marche plus depuis ce matin, page blanche.", "La synchro plante encore, j'ai perdu mes notes.",
                      "Toujours pas de remboursement, facturé deux fois pour {thing}."],
        "request": ["Aidez-moi svp, impossible de me connecter à {thing}.", "Pouvez-vous regarder mon ticket sur {thing} ? en mp"],
        "urgent": ["Urgence : tout est bloqué en production sur {thing} !!!"],
        "praise": ["Merci pour {thing}, c'est génial !", "Bravo à l'équipe, {thing} est au top."],
        "neutral": ["On teste {thing} dans l'équipe cette semaine.", "Petit billet sur notre usage de {thing}."],
        "toxic": ["Bande de bouffons, {thing} c'est de la merde.", "Arnaque, menteurs."],
        "spam": ["Code promo gratuit, abonnez-vous https://promo.example/{n}"],
        "reply": ["Merci, ça marche !", "Toujours le même souci de mon côté.", "Ok mais pourquoi {thing} est si lent ?"],
    },
    "es": {
        "question": ["¿Cómo exporto todas mis notas?", "¿Hay forma de sincronizar {thing}?"],
        "complaint": ["{thing} no funciona desde esta mañana.", "La sincronización falla otra vez."],
        "praise": ["¡Gracias por {thing}, es genial!"],
        "neutral": ["Probando {thing} esta semana."],
        "reply": ["¡Gracias, funcionó!"],
    },
    "de": {
        "question": ["Wie exportiere ich alle Notizen?", "Gibt es eine Linux-App für {thing}?"],
        "complaint": ["{thing} funktioniert seit heute Morgen nicht.", "Synchronisation ist wieder kaputt."],
        "praise": ["Danke für {thing}, super!"],
        "neutral": ["Wir testen {thing} diese Woche."],
        "reply": ["Danke, hat geklappt!"],
    },
}
KINDS = [("question", 0.26), ("complaint", 0.16), ("request", 0.08), ("urgent", 0.02), ("praise", 0.14),
         ("neutral", 0.2), ("toxic", 0.03), ("spam", 0.06)]
THINGS = ["the sync", "the iOS app", "the API", "export", "search", "the web clipper", "tags", "the editor",
          "dark mode", "the calendar view", "attachments", "the CLI"]
FIRST = ["Marie", "Hyun", "Sam", "Ana", "Lukas", "Priya", "Tom", "Chloé", "Diego", "Ines", "Omar", "Yuki",
         "Léa", "Jonas", "Fatima", "Noah", "Zoé", "Mateo", "Elif", "Kofi"]
LAST = ["Dubois", "Kwon", "Reyes", "Müller", "Nakamura", "Okafor", "Martin", "Silva", "Nowak", "Haddad"]
# Details that make each text its own, as real posts are (signals caches must not flatter the figures).
TAILS = [" on my {device}", " since v{major}.{minor}", " ({n} notes)", " since {day}", " 🙏", " :(", " 😅",
         " — {first}", " #{tag}", " https://{host}/t/{n}"]
DEVICES = ["iPhone", "Pixel 8", "ThinkPad", "MacBook Air", "iPad", "Firefox", "Windows 11 box", "Steam Deck"]
DAYS = ["Monday", "Tuesday", "yesterday", "last week", "the update", "this morning"]
TAGS = ["help", "bug", "notes", "productivity", "opensource", "support"]
INSTANCES = ["mastodon.social", "piaille.fr", "fosstodon.org", "hachyderm.io", "mamot.fr"]


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return [x / total for x in out]


class Generator:
    def __init__(self, seed: int = 1, persons: int | None = None, start: str = "2026-01-01T00:00:00Z",
                 count: int = 1000):
        self.rng = random.Random(seed)
        self.count = count
        self.n_persons = persons or max(50, count // 4)
        self.t = datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(timezone.utc)
        self.step_s = 30.0  # mean seconds between messages
        self._src_cum = _cumulative([s[2] for s in SOURCES])
        self._lang_cum = _cumulative([w for _, w in LANGS])
        self._kind_cum = _cumulative([w for _, w in KINDS])
        # Zipf-like activity: person k is chosen with weight 1/(k+1)^0.9.
        self._person_cum = _cumulative([1.0 / (k + 1) ** 0.9 for k in range(self.n_persons)])
        self._recent: list[tuple[str, str, str, str, str]] = []  # (source, platform, id, thread, lang) of person posts
        self._n = 0

    def _pick(self, cum: list[float]) -> int:
        return min(bisect.bisect_left(cum, self.rng.random()), len(cum) - 1)

    def _person(self, k: int, platform: str, source: str) -> dict:
        r = random.Random(k * 7919 + len(source))  # a person looks the same every time they write
        first, last = r.choice(FIRST), r.choice(LAST)
        bot = k % 97 == 13
        name = f"{first} {last}" if not bot else f"{first}Bot (automated)"
        user = f"{first.lower()}{k}".replace("é", "e").replace("ü", "u").replace("ö", "o")
        if bot:
            user += "_bot"
        if platform == "mastodon":
            handle = f"@{user}@{r.choice(INSTANCES)}"
        elif platform == "bluesky":
            handle = f"{user}.bsky.social"
        elif platform == "lemmy":
            handle = f"{user}@lemmy.world"
        else:
            handle = user
        followers = int(r.paretovariate(1.2) * 20) if r.random() < 0.9 else None
        return {"id": f"u{k}", "handle": handle, "name": name if r.random() < 0.85 else "", "bot": bot,
                "followers": followers, "url": f"https://{platform}.example/{user}"}

    def _text(self, lang: str, kind: str) -> str:
        table = TEXTS[lang]
        options = table.get(kind) or table["neutral"]
        rng = self.rng
        text = rng.choice(options).format(thing=rng.choice(THINGS), n=self._n)
        for _ in range(1 + (rng.random() < 0.5)):
            text += rng.choice(TAILS).format(device=rng.choice(DEVICES), major=rng.randint(1, 9),
                                             minor=rng.randint(0, 40), n=rng.randint(2, 90000), day=rng.choice(DAYS),
                                             first=rng.choice(FIRST), tag=rng.choice(TAGS), host=rng.choice(INSTANCES))
        roll = self.rng.random()
        if roll < 0.02:  # the odd long post
            text = (text + " ") * self.rng.randint(10, 40)
        elif roll < 0.2:
            text = f"@acme {text}"
        return text.strip()

    def _when(self) -> str:
        self.t += timedelta(seconds=self.rng.expovariate(1.0 / self.step_s))
        # Some sources deliver late: a few records arrive out of order.
        t = self.t - timedelta(seconds=self.rng.randint(0, 3600)) if self.rng.random() < 0.05 else self.t
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")

    def __iter__(self) -> Iterator[dict]:
        for _ in range(self.count):
            yield self.next()

    def next(self) -> dict:
        self._n += 1
        n, rng = self._n, self.rng
        roll = rng.random()
        if roll < 0.12 and self._recent:  # our reply (or a teammate's) to a recent post
            source, platform, parent, thread, lang = self._recent[rng.randrange(len(self._recent))]
            mate = platform in TEAMMATE and rng.random() < 0.15
            handle = TEAMMATE[platform] if mate else OUR_HANDLES[platform]
            author = {"id": f"team-{platform}" if mate else f"us-{platform}", "handle": handle,
                      "name": "Jo" if mate else "Acme", "bot": False, "followers": 5000}
            return self._record(n, source, platform, self._text(lang, "reply"), author, lang,
                                in_reply_to=parent, thread=thread, to_me=False, from_me=not mate)
        s = self._pick(self._src_cum)
        source, platform, _ = SOURCES[s]
        k = self._pick(self._person_cum)
        lang = LANGS[self._pick(self._lang_cum)][0]
        author = self._person(k, platform, source)
        in_reply_to = thread = None
        if roll < 0.30 and self._recent:  # a person answering in a thread
            source, platform, in_reply_to, thread, lang = self._recent[rng.randrange(len(self._recent))]
            author = self._person(k, platform, source)
            text = self._text(lang, "reply")
        else:
            kind = "spam" if author["bot"] else KINDS[self._pick(self._kind_cum)][0]
            text = self._text(lang, kind)
        record = self._record(n, source, platform, text, author, lang, in_reply_to=in_reply_to, thread=thread,
                              to_me=rng.random() < 0.8, from_me=False)
        self._recent.append((source, platform, record["id"], thread or record["id"], lang))
        if len(self._recent) > 2000:
            del self._recent[: len(self._recent) - 1000]
        return record

    def _record(self, n: int, source: str, platform: str, text: str, author: dict, lang: str, *,
                in_reply_to: str | None, thread: str | None, to_me: bool, from_me: bool) -> dict:
        ident = f"{source}-{n}"
        return {"id": ident, "source": source, "platform": platform, "text": text, "created_at": self._when(),
                "author": author, "url": f"https://{platform}.example/post/{ident}", "in_reply_to": in_reply_to,
                "thread": thread, "to_me": to_me, "from_me": from_me,
                "lang": lang if self.rng.random() < 0.5 else None}


def write(out: IO[str], count: int, seed: int = 1, persons: int | None = None) -> int:
    gen = Generator(seed=seed, persons=persons, count=count)
    for record in gen:
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", "-n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--persons", type=int, default=None, help="distinct people (default: count/4)")
    parser.add_argument("--out", "-o", default="-", help="file to write (default: stdout)")
    args = parser.parse_args()
    if args.out == "-":
        write(sys.stdout, args.count, args.seed, args.persons)
    else:
        with open(args.out, "w", encoding="utf-8") as f:
            write(f, args.count, args.seed, args.persons)


if __name__ == "__main__":
    main()
