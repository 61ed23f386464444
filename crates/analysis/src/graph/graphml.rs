//! GraphML, written by hand.
//!
//! One directed graph; node ids are actor refs; one `<edge>` per
//! (source, target, kind), so parallel edges of different kinds appear
//! (networkx reads the file as a `MultiDiGraph`). Keys carry the same
//! attributes as the GEXF export; `weight` is a `double`, counts are `long`.

use super::build::Graph;
use super::time::rfc3339;
use super::xml::escape_into;
use std::fmt::Write as _;
use std::io::Write;

const NODE_KEYS: &[(&str, &str)] = &[
    ("label", "string"),
    ("handle", "string"),
    ("display_name", "string"),
    ("platform", "string"),
    ("side", "string"),
    ("posts", "long"),
    ("community", "int"),
    ("pagerank", "double"),
    ("in_weight", "long"),
    ("out_weight", "long"),
];

const EDGE_KEYS: &[(&str, &str)] = &[
    ("kind", "string"),
    ("weight", "double"),
    ("platform", "string"),
    ("first", "string"),
    ("last", "string"),
];

fn data(out: &mut String, key: &str, value: &str) {
    let _ = write!(out, "      <data key=\"{key}\">");
    escape_into(out, value);
    out.push_str("</data>\n");
}

/// Writes `g` as GraphML. Run [`super::analyze`] first to fill the measures.
pub fn write<W: Write + ?Sized>(g: &Graph, w: &mut W) -> std::io::Result<()> {
    let mut out = String::with_capacity(1 << 16);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
    );
    for (class, keys, prefix) in [("node", NODE_KEYS, "n_"), ("edge", EDGE_KEYS, "e_")] {
        for (name, ty) in keys {
            let _ = writeln!(
                out,
                "  <key id=\"{prefix}{name}\" for=\"{class}\" attr.name=\"{name}\" attr.type=\"{ty}\"/>"
            );
        }
    }
    out.push_str("  <graph id=\"interactions\" edgedefault=\"directed\">\n");
    for n in &g.nodes {
        out.push_str("    <node id=\"");
        escape_into(&mut out, &n.ref_);
        out.push_str("\">\n");
        data(&mut out, "n_label", &n.label());
        if let Some(h) = &n.handle {
            data(&mut out, "n_handle", h);
        }
        if let Some(d) = &n.display_name {
            data(&mut out, "n_display_name", d);
        }
        data(&mut out, "n_platform", &n.platform);
        if let Some(s) = &n.side {
            data(&mut out, "n_side", s);
        }
        data(&mut out, "n_posts", &n.posts.to_string());
        if let Some(c) = n.community {
            data(&mut out, "n_community", &c.to_string());
        }
        data(&mut out, "n_pagerank", &format!("{}", n.pagerank));
        data(&mut out, "n_in_weight", &n.in_weight.to_string());
        data(&mut out, "n_out_weight", &n.out_weight.to_string());
        out.push_str("    </node>\n");
        if out.len() > 1 << 16 {
            w.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    for (i, e) in g.edges.iter().enumerate() {
        let (Some(s), Some(t)) = (g.nodes.get(e.src), g.nodes.get(e.dst)) else {
            continue;
        };
        let _ = write!(out, "    <edge id=\"e{i}\" source=\"");
        escape_into(&mut out, &s.ref_);
        out.push_str("\" target=\"");
        escape_into(&mut out, &t.ref_);
        out.push_str("\">\n");
        data(&mut out, "e_kind", e.kind.as_str());
        data(&mut out, "e_weight", &e.weight.to_string());
        data(&mut out, "e_platform", &s.platform);
        if let Some(f) = e.first {
            data(&mut out, "e_first", &rfc3339(f));
        }
        if let Some(l) = e.last {
            data(&mut out, "e_last", &rfc3339(l));
        }
        out.push_str("    </edge>\n");
        if out.len() > 1 << 16 {
            w.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    out.push_str("  </graph>\n</graphml>\n");
    w.write_all(out.as_bytes())?;
    w.flush()
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        let g = crate::graph::gexf::tests::hostile_graph();
        let mut buf = Vec::new();
        super::write(&g, &mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.contains("<data key=\"n_display_name\">&lt;/node&gt;"));
        assert_eq!(s.matches("<edge ").count(), 2);
        assert!(s.contains("<data key=\"e_first\">1970-01-01T00:01:40Z</data>"));
    }
}
