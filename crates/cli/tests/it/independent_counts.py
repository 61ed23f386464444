#!/usr/bin/env python3
"""Independent counts of posts and actors in the real sample files.

Written from the formats' documentation and tarjuman's contract (README,
"Contract for scripts"), not from tarjuman's output:
- a post is every post object a file holds, deduplicated by id: twarc2 `data`
  tweets, `includes.tweets`, tweets inlined in flattened `referenced_tweets`;
  v1.1 statuses, their `retweeted_status` / `quoted_status`, and the `status`
  inside a users/lookup user object;
- an actor is every account a file names by id: authors, users in
  `includes.users` or user lookups, mentioned accounts, reply targets
  (`in_reply_to_user_id`), authors of quoted and retweeted posts.

Usage: independent_counts.py twarc2|v1 FILE_OR_DIR...
"""
import json, os, sys

def files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, fs in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
                for f in sorted(fs):
                    if not f.startswith('.'):
                        yield os.path.join(root, f)
        else:
            yield p

def values(path):
    """JSON values: one per line, or one whole (pretty-printed) document."""
    text = open(path, encoding='utf-8', errors='replace').read()
    try:
        yield json.loads(text)
        return
    except Exception:
        pass
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            yield json.loads(line)
        except Exception:
            pass

def twarc2(paths):
    posts, actors = set(), set()
    def tweet(t, users_by_name):
        if not isinstance(t, dict) or 'text' not in t or not str(t.get('id', '')).isdigit():
            return
        posts.add(t['id'])
        a = t.get('author_id') or (t.get('author') or {}).get('id')
        if a: actors.add(a)
        if t.get('author'): actors.add(t['author']['id'])
        if t.get('in_reply_to_user_id'): actors.add(t['in_reply_to_user_id'])
        if t.get('in_reply_to_user'): actors.add(t['in_reply_to_user']['id'])
        for m in (t.get('entities') or {}).get('mentions', []):
            mid = m.get('id') or users_by_name.get((m.get('username') or '').lower())
            if mid: actors.add(mid)
        for r in t.get('referenced_tweets', []) or []:
            if 'text' in r:
                tweet(r, users_by_name)
    for f in files(paths):
        for d in values(f):
            if not isinstance(d, dict):
                continue
            if 'data' in d:
                inc = d.get('includes') or {}
                users = inc.get('users', [])
                by_name = {u['username'].lower(): u['id'] for u in users if 'username' in u}
                for u in users: actors.add(u['id'])
                items = d['data'] if isinstance(d['data'], list) else [d['data']]
                for t in items:
                    if isinstance(t, dict) and 'text' not in t and 'username' in t:
                        actors.add(t['id'])
                    tweet(t, by_name)
                for t in inc.get('tweets', []):
                    tweet(t, by_name)
            elif 'id' in d and 'text' in d:
                tweet(d, {})
            elif 'id' in d and 'username' in d:
                actors.add(d['id'])
    return posts, actors

def v1(paths):
    posts, actors = set(), set()
    def uid(u):
        if not isinstance(u, dict): return None
        return u.get('id_str') or (str(u['id']) if 'id' in u else None)
    def status(s, implied=None):
        if not isinstance(s, dict): return
        sid = s.get('id_str') or (str(s['id']) if isinstance(s.get('id'), int) else None)
        if not sid: return
        posts.add(sid)
        a = uid(s.get('user')) or implied
        if a: actors.add(a)
        r = s.get('in_reply_to_user_id_str') or (str(s['in_reply_to_user_id']) if s.get('in_reply_to_user_id') else None)
        if r and s.get('in_reply_to_status_id_str') or s.get('in_reply_to_status_id'):
            if r: actors.add(r)
        ent = (s.get('extended_tweet') or {}).get('entities') or s.get('entities') or {}
        for m in ent.get('user_mentions', []):
            mid = uid(m)
            if mid: actors.add(mid)
        for k in ('retweeted_status', 'quoted_status'):
            if isinstance(s.get(k), dict): status(s[k])
    def value(d):
        if isinstance(d, list):
            for x in d: value(x)
        elif isinstance(d, dict):
            if 'statuses' in d:
                for s in d['statuses']: status(s)
            elif 'delete' in d:
                pass
            elif 'screen_name' in d and 'text' not in d and 'user' not in d:
                a = uid(d); actors.add(a)
                if isinstance(d.get('status'), dict): status(d['status'], a)
            elif 'postedTime' in d and 'verb' in d:
                pass  # Gnip Activity Streams: another schema
            else:
                status(d)
    for f in files(paths):
        for d in values(f):
            value(d)
    return posts, actors

if __name__ == '__main__':
    kind, paths = sys.argv[1], sys.argv[2:]
    p, a = {'twarc2': twarc2, 'v1': v1}[kind](paths)
    print(json.dumps({'posts': len(p), 'actors': len(a)}))
