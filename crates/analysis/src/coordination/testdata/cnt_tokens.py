#!/usr/bin/env python3
"""Writes cnt_tokens.jsonl: synthetic strings and the token sets that the
Coordination Network Toolkit's tokenizer (similarity.py at HEAD daa0e11)
gives for them. The two patterns below are the toolkit's; run with the
`regex` module installed (pip install regex):

    python3 cnt_tokens.py > cnt_tokens.jsonl

The strings are made up here (no real posts): scripts, punctuation,
apostrophes, whitespace variants, emoji sequences, and random mixes drawn
from those pieces with a fixed seed.
"""
import json
import random

import regex

word_tokenizer = regex.compile(
    r"\b\p{Word_Break=WSegSpace}*'?", flags=regex.WORD | regex.UNICODE | regex.V1
)
social_media_cleaner = regex.compile(r"@.*?(?=(?:\s|$))")


def tokenize(text):
    words = sorted(
        set(t for t in word_tokenizer.split(social_media_cleaner.sub("", text.lower())) if t)
    )
    return " ".join(words)


FIXED = [
    "",
    "hello",
    "The quick brown fox jumped over the lazy dog.",
    "'orange' and \"apple\"",
    "don't stop, we're   here'",
    "a'b 'c' d' ''x'' '",
    "x  'y \u00a0z",
    "RT @user: Breaking!!! http://t.co/AbC123 #news",
    "e-mail: someone@example.com, 3.14 1,000,000 e.g. U.S.A.",
    "مرحبا بالعالم، كيف الحال؟ #غزة",
    "غَزَّةُ الصُّمُود ﴿١﴾ وَالْعَصْرِ ۖ إِنَّ ۚ",
    "می‌خواهم بروم، کتاب‌ها را ببینم",
    "בְּחִירוֹת בישראל: \"הצבעה\" היום",
    "東京タワーは高い。カタカナ　ひらがな",
    "한국어 문장입니다. 좋아요!",
    "ภาษาไทยไม่มีช่องว่าง ครับ",
    "😀😀 hi 👍🏽 👨‍👩‍👧‍👦 🇮🇱🇵🇸 1️⃣ ❤️",
    "tab\tsep\nnew line\r\ncrlf\x0bvt\x0cff",
    "info\x1cseparators\x1dhere\x1e\x1f",
    "zero\u200bwidth\u200cnon\u200djoiner\u2060wj\ufeffbom",
    "lrm\u200eand\u200frlm \u202aembed\u202c",
    "ideographic\u3000space en\u2002space thin\u2009space nnbsp\u202fx",
    "ogham\u1680space figure\u2007space",
    "line\u2028sep para\u2029sep next\u0085line",
    "İstanbul ΣΟΦΙΑ ΟΔΥΣΣΕΥΣ straße ǅemal",
    "combining: e\u0301 a\u0308\u0301 \u0301lead",
    "hyphen-ated co-op — em – en ‐ real",
    "quotes ‘single’ “double” «guillemets» ‹›",
    "price $5.00, 50% off; 10:30 a.m. #1 item",
    "under_score snake_case CamelCase x86_64",
    "@only",
    "@a @b @c",
    "text@inside words",
    "@mention: trailing",
    "a.b.c a,b,c a:b:c a;b;c",
    "1.2.3 1,2,3 1:2:3 v1.2-beta",
    "url https://example.com/path?q=1&r=2#frag end",
    "mixed عربي and English و123",
    "emoji😀attached text👍🏽too",
    "   leading and trailing   ",
    "\n\n",
    "'",
    "''",
    "' '",
    " ' ",
    "a' 'b",
    "!!!???...",
    "ﷺ ﻻ ＲＴ ｆｕｌｌ",
    "\u0640\u0640tatweel\u0640",
    "keycap #️⃣ *️⃣ 0️⃣",
    "flags 🇺🇸🇬🇧🇫🇷 odd 🇺",
    "kana ｶﾀｶﾅ ﾞﾟ",
    "hebrew punctuation ״ ׳ ־ א״ב",
    "Arabic-Indic ١٢٣٫٤٥ ۱۲۳",
    "ellipsis… and dots...",
    "smile :-) :) ;) <3",
]

POOL = [
    "a", "b", "Z", "é", "ß", "1", "2", "0", "'", "\"", ".", ",", ":", ";", "-", "_",
    "!", "?", "@", "#", "/", " ", "  ", "\t", "\n", "\u00a0", "\u3000", "\u2009",
    "\u200b", "\u200c", "\u200d", "\u200e", "\u0301", "\u064e", "\u0640", "ع", "ر",
    "ب", "ي", "ة", "ی", "ک", "א", "ב", "\u05b0", "東", "京", "タ", "ワ", "한", "국",
    "ไ", "ท", "😀", "👍", "🏽", "🇮", "🇱", "❤", "\ufe0f", "\u20e3", "x", "y", "'s",
    "n't", "http://t.co/x", "@u", "#h", "1.5", "1,5", "a.b", "\x1c", "\u0085",
    "\u2028", "(", ")", "«", "»", "…", "—", "%", "$", "€", "&",
]


def main():
    rnd = random.Random(20261122)
    texts = list(FIXED)
    for _ in range(400):
        n = rnd.randint(1, 14)
        texts.append("".join(rnd.choice(POOL) for _ in range(n)))
    for t in texts:
        toks = sorted(set(tokenize(t).split()))
        print(json.dumps({"text": t, "tokens": toks}, ensure_ascii=False))


if __name__ == "__main__":
    main()
