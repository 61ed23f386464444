//! CSV edge and node tables (RFC 4180 quoting, UTF-8, `\n` line ends).
//!
//! Edges: `source,target,kind,weight,first,last,platform,source_label,target_label`,
//! one row per (source, target, kind), sources and targets as actor refs.
//! Nodes: `id,label,handle,display_name,platform,side,posts,community,pagerank,in_weight,out_weight`.
//! Both load in Gephi's spreadsheet import ("Source"/"Target" and "Id"
//! columns are matched case-insensitively).
//!
//! Values are written as they are: a spreadsheet may treat a display name
//! that starts with `=`, `+`, `-` or `@` as a formula.

use super::build::Graph;
use super::time::rfc3339;
use std::io::Write;

fn field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

fn row<W: Write + ?Sized>(w: &mut W, fields: &[&str]) -> std::io::Result<()> {
    let mut out = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(&mut out, f);
    }
    out.push('\n');
    w.write_all(out.as_bytes())
}

/// Writes the edge table.
pub fn write_edges<W: Write + ?Sized>(g: &Graph, w: &mut W) -> std::io::Result<()> {
    row(
        w,
        &[
            "source",
            "target",
            "kind",
            "weight",
            "first",
            "last",
            "platform",
            "source_label",
            "target_label",
        ],
    )?;
    for e in &g.edges {
        let (Some(s), Some(t)) = (g.nodes.get(e.src), g.nodes.get(e.dst)) else {
            continue;
        };
        row(
            w,
            &[
                &s.ref_,
                &t.ref_,
                e.kind.as_str(),
                &e.weight.to_string(),
                &e.first.map(rfc3339).unwrap_or_default(),
                &e.last.map(rfc3339).unwrap_or_default(),
                &s.platform,
                &s.label(),
                &t.label(),
            ],
        )?;
    }
    w.flush()
}

/// Writes the node table.
pub fn write_nodes<W: Write + ?Sized>(g: &Graph, w: &mut W) -> std::io::Result<()> {
    row(
        w,
        &[
            "id",
            "label",
            "handle",
            "display_name",
            "platform",
            "side",
            "posts",
            "community",
            "pagerank",
            "in_weight",
            "out_weight",
        ],
    )?;
    for n in &g.nodes {
        row(
            w,
            &[
                &n.ref_,
                &n.label(),
                n.handle.as_deref().unwrap_or(""),
                n.display_name.as_deref().unwrap_or(""),
                &n.platform,
                n.side.as_deref().unwrap_or(""),
                &n.posts.to_string(),
                &n.community.map(|c| c.to_string()).unwrap_or_default(),
                &format!("{}", n.pagerank),
                &n.in_weight.to_string(),
                &n.out_weight.to_string(),
            ],
        )?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoting() {
        let g = crate::graph::gexf::tests::hostile_graph();
        let mut buf = Vec::new();
        super::write_nodes(&g, &mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.starts_with("id,label,handle,"));
        assert!(s.contains("x:1,\"@a\"\"b\",\"a\"\"b\",\"</node><x a='1'> & "));
        let mut buf = Vec::new();
        super::write_edges(&g, &mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert_eq!(s.lines().count(), 3);
        assert!(s.contains("\nx:1,x:2,reply,2,1970-01-01T00:01:40Z,1970-01-01T00:03:20Z,x,"));
        assert!(s.contains("\nx:1,x:2,mention,1,,,x,"));
    }
}
