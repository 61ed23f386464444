//! `first-exchange`: contact between opposing watched actors becomes
//! two-way for the first time.
//!
//! **What it detects.** Two watched actors on opposed sides, A and B: the
//! first post by which the later of the two directions opens (B addresses A
//! after A had addressed B, or the reverse). For example, an armed group's
//! account has mentioned an army spokesman for months; then the spokesman
//! replies to it directly. Contacts are the ones `first-contact` counts.
//!
//! **Why it matters.** One side talking *about* another is common; the two
//! talking *to* each other is a change in the relationship.
//!
//! **Evidence it attaches.** The post that made the contact two-way
//! (`trigger`), the post it replies to or quotes (`reply-to`, `quote-of`),
//! the first post of the earlier direction (`earlier`), and the first
//! answer after the trigger from the other side (`answer`), if any.
//! `detail.one_way_before` gives the earlier direction's count and first
//! date.
//!
//! **Score.** 1 + the number of contacts in both directions after the
//! trigger (an exchange that went on scores higher).
//!
//! **Parameters** (`[detectors.first-exchange]`): `kinds`, as for
//! `first-contact`.

use super::first_contact::Params;
use super::first_contact::{
    Contact, contacts, context, opposing_pairs, read_params, verb, who, wrote_since,
};
use crate::events::{Event, Evidence, day, rfc3339};
use crate::{ConfigError, Detector, Error, Registration, Scan, Watchlists};

/// The registry entry.
pub const REG: Registration = Registration {
    name: "first-exchange",
    about: "contact between watched actors of opposed sides becomes two-way for the first time",
    build,
};

struct FirstExchange {
    params: Params,
}

fn build(w: &Watchlists) -> Result<Box<dyn Detector>, ConfigError> {
    Ok(Box::new(FirstExchange {
        params: read_params(w, REG.name)?,
    }))
}

fn key(c: &Contact) -> (i64, &str) {
    (c.at, c.post_ref.as_str())
}

impl Detector for FirstExchange {
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).unwrap_or_default()
    }

    fn detect(&mut self, scan: &Scan<'_>, out: &mut Vec<Event>) -> Result<(), Error> {
        let conn = scan.conn;
        for (a, b) in opposing_pairs(scan) {
            // Each unordered pair once.
            if a.reference >= b.reference {
                continue;
            }
            if !wrote_since(scan, a.id)? && !wrote_since(scan, b.id)? {
                continue;
            }
            let ab = contacts(conn, a, b, &self.params.kinds)?;
            let ba = contacts(conn, b, a, &self.params.kinds)?;
            let (Some(fa), Some(fb)) = (ab.first(), ba.first()) else {
                continue;
            };
            // The later of the two first contacts makes it two-way.
            let (trigger, earlier, t_src, t_dst, t_dir, e_dir) = if key(fa) > key(fb) {
                (fa, fb, a, b, &ab, &ba)
            } else {
                (fb, fa, b, a, &ba, &ab)
            };
            let before: Vec<&Contact> = e_dir.iter().filter(|c| key(c) < key(trigger)).collect();
            let answer = e_dir.iter().find(|c| key(c) > key(trigger));
            let after = t_dir.iter().filter(|c| key(c) > key(trigger)).count()
                + e_dir.iter().filter(|c| key(c) > key(trigger)).count();
            let mut e = Event::new(REG.name, format!("{}<>{}", a.reference, b.reference));
            e.start = trigger.at;
            e.end = answer.map_or(trigger.at, |c| c.at);
            e.actors = vec![t_src.reference.clone(), t_dst.reference.clone()];
            e.evidence.push(Evidence {
                post: trigger.post_ref.clone(),
                role: "trigger".into(),
                at: Some(trigger.at),
                note: Some(trigger.kinds.join("+")),
            });
            context(conn, trigger, &mut e.evidence)?;
            e.evidence.push(Evidence {
                post: earlier.post_ref.clone(),
                role: "earlier".into(),
                at: Some(earlier.at),
                note: Some(format!("first of {} contacts the other way", before.len())),
            });
            if let Some(c) = answer {
                e.evidence.push(Evidence {
                    post: c.post_ref.clone(),
                    role: "answer".into(),
                    at: Some(c.at),
                    note: Some(c.kinds.join("+")),
                });
            }
            e.score = 1.0 + after as f64;
            e.summary = format!(
                "{} {} {}, who had addressed them {} time{} since {}: the first two-way contact",
                who(t_src),
                verb(trigger),
                who(t_dst),
                before.len(),
                if before.len() == 1 { "" } else { "s" },
                day(earlier.at)
            );
            e.detail = serde_json::json!({
                "kinds": trigger.kinds,
                "one_way_before": {"count": before.len(), "first": rfc3339(earlier.at)},
                "contacts_after": after,
            });
            out.push(e);
        }
        Ok(())
    }
}
