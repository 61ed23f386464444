#!/usr/bin/env python3
"""Expected search hits worked out from the source files, without tarjuman.

The search tests (search.rs) quote the command that produced each expected
list. This script reads the files' own JSON, folds spellings with its own
small table (written from the rules in docs/QUERY.md, not from tarjuman's
code) and prints the refs of the posts that contain every query word.

    python3 search_expected.py words  FILE... -- WORD...       all words present
    python3 search_expected.py phrase FILE... -- "W1 W2 ..."   words in this order
    python3 search_expected.py raw    FILE... -- SUBSTRING     raw text contains it
    python3 search_expected.py show   FILE... -- REF...        print the texts

Posts: twarc2 pages (`data` and `includes.tweets`), v1.1 statuses (and
their `retweeted_status` / `quoted_status`; text from
`extended_tweet.full_text`, `full_text` or `text`), Telegram Desktop
exports (messages of type `message`; text arrays joined).
"""
import json
import re
import sys
import unicodedata

MARKS = re.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u08d3-\u08ff\u0640"  # Arabic marks, tatweel
    "\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"  # Hebrew points
    "\u200c\u200d\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ufe0e\ufe0f\u00ad]"  # invisible
)
FOLD = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ئ": "ي", "ؤ": "و",
    "ة": "ه", "ۀ": "ه", "ہ": "ه", "ک": "ك", "ך": "כ", "ם": "מ", "ן": "נ", "ף": "פ", "ץ": "צ",
}
FOLD.update({chr(0x660 + i): str(i) for i in range(10)})
FOLD.update({chr(0x6F0 + i): str(i) for i in range(10)})
TABLE = str.maketrans(FOLD)


def norm(s):
    s = unicodedata.normalize("NFKC", s)
    s = MARKS.sub("", s).translate(TABLE).lower()
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", s)


def words(s):
    s = re.sub(r"https?://\S+", " ", s)
    s = norm(s)
    s = re.sub(r'(?<=[\u05d0-\u05ea])["\'](?=[\u05d0-\u05ea])', "", s)  # Hebrew acronyms
    return re.findall(r"[^\W_]+", s)


def telegram_text(t):
    if isinstance(t, list):
        return "".join(x if isinstance(x, str) else x.get("text", "") for x in t)
    return t or ""


def posts(path):
    out = {}
    if path.endswith(".json"):
        d = json.load(open(path, encoding="utf-8"))
        if isinstance(d, dict) and ("messages" in d or "chats" in d):
            chats = [d] if "messages" in d else d["chats"]["list"]
            for c in chats:
                for m in c.get("messages", []):
                    if m.get("type") == "message" and isinstance(m.get("id"), int):
                        out[f"telegram:{c.get('id')}/{m['id']}"] = telegram_text(m.get("text"))
            return out
        lines = d if isinstance(d, list) else d.get("statuses", [d])
    else:
        lines = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    for d in lines:
        if "data" in d:  # twarc2 page
            data = d["data"] if isinstance(d["data"], list) else [d["data"]]
            for t in data + d.get("includes", {}).get("tweets", []):
                out.setdefault("x:" + t["id"], t.get("text", ""))
            continue
        stack = [d]
        while stack:  # v1.1 status and its embedded statuses
            s = stack.pop()
            if not isinstance(s, dict) or "id_str" not in s:
                continue
            text = s.get("extended_tweet", {}).get("full_text") or s.get("full_text") or s.get("text", "")
            out.setdefault("x:" + s["id_str"], text)
            stack += [s.get("retweeted_status"), s.get("quoted_status")]
    return out


def main():
    cmd, rest = sys.argv[1], sys.argv[2:]
    sep = rest.index("--")
    files, args = rest[:sep], rest[sep + 1:]
    all_posts = {}
    for f in files:
        all_posts.update(posts(f))
    hits = []
    for ref, text in all_posts.items():
        w = words(text)
        if cmd == "words":
            ok = all(q in w for a in args for q in words(a))
        elif cmd == "phrase":
            q = words(" ".join(args))
            ok = any(w[i:i + len(q)] == q for i in range(len(w)))
        elif cmd == "raw":
            ok = args[0] in text
        elif cmd == "show":
            ok = ref in args
        if ok:
            hits.append(ref)
    hits.sort()
    if cmd == "show":
        for r in hits:
            print(r, repr(all_posts[r]))
    else:
        print(json.dumps(hits))


if __name__ == "__main__":
    main()
