//! The CSV input format of QUT's coordination-network-toolkit, derived from
//! the X posts (oldest first).

use crate::WorldConfig;
use crate::actors::X_ID_BASE;
use crate::text::EntKind;
use crate::x::{Kind, XWorld};
use std::io::{self, BufWriter, Write};

/// The header row.
pub(crate) const HEADER: &str =
    "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls";

/// Writes one field with RFC 4180 quoting (only when needed).
fn field<W: Write>(w: &mut W, s: &str) -> io::Result<()> {
    if s.contains([',', '"', '\n', '\r']) {
        w.write_all(b"\"")?;
        let mut rest = s;
        while let Some(p) = rest.find('"') {
            w.write_all(&rest.as_bytes()[..p])?;
            w.write_all(b"\"\"")?;
            rest = &rest[p + 1..];
        }
        w.write_all(rest.as_bytes())?;
        w.write_all(b"\"")
    } else {
        w.write_all(s.as_bytes())
    }
}

/// Writes every post as a row; returns the number of rows (header excluded).
pub(crate) fn write<W: Write>(cfg: &WorldConfig, w: W) -> io::Result<u64> {
    let world = XWorld::new(cfg);
    let mut out = BufWriter::with_capacity(1 << 20, w);
    out.write_all(HEADER.as_bytes())?;
    out.write_all(b"\n")?;
    let mut urls = String::new();
    for i in 0..world.n {
        let t = world.tweet(i);
        write!(out, "{},{},", t.id, X_ID_BASE + t.author)?;
        field(&mut out, &world.pop.handle(t.author))?;
        out.write_all(b",")?;
        if t.kind == Kind::Retweet {
            write!(out, "{}", t.target_id)?;
        }
        out.write_all(b",")?;
        if t.kind == Kind::Reply {
            write!(out, "{}", t.target_id)?;
        }
        out.write_all(b",")?;
        field(&mut out, &t.body.text)?;
        urls.clear();
        for e in &t.body.ents {
            if let EntKind::Url(u) = &e.kind {
                if !urls.is_empty() {
                    urls.push(' ');
                }
                urls.push_str(&u.expanded);
            }
        }
        write!(out, ",{},", t.t_ms.div_euclid(1000))?;
        field(&mut out, &urls)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(world.n)
}
