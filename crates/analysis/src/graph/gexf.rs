//! GEXF 1.3 for Gephi, written by hand.
//!
//! ```xml
//! <gexf xmlns="http://gexf.net/1.3" version="1.3">
//!   <graph defaultedgetype="directed" mode="static">
//!     <attributes class="node">…handle, display_name, platform, side, posts,
//!       community, pagerank, in_weight, out_weight…</attributes>
//!     <attributes class="edge">…kind, platform, first, last…</attributes>
//!     <nodes><node id="x:12" label="@handle">…</node></nodes>
//!     <edges><edge id="0" source="x:12" target="x:34" kind="reply" weight="3">…</edge></edges>
//! ```
//!
//! Node ids are actor refs. Each edge carries its interaction kind twice: as
//! the GEXF `kind` attribute (Gephi's edge type, which keeps a reply and a
//! mention between the same two actors as parallel edges) and as the `kind`
//! attribute value (for readers such as networkx).
//!
//! `dynamic` writes `mode="dynamic"` with interval time representation: each
//! edge gets one spell per distinct interaction time (a point interval
//! `start = end`), each node the interval from its first to its last
//! interaction in the graph. Times are `dateTime` (RFC 3339, UTC) by default,
//! or Unix seconds as `double` with [`TimeFormat::Unix`]. networkx's
//! `read_gexf` does not know the `dateTime` time format (networkx issue
//! #3246); use `Unix` for it, or see `docs/GRAPH.md`.

use super::build::Graph;
use super::time::rfc3339;
use super::xml::escape_into;
use std::fmt::Write as _;
use std::io::Write;

/// How times are written in a dynamic GEXF.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeFormat {
    /// `timeformat="dateTime"`, values like `2023-04-04T12:00:00Z`.
    #[default]
    DateTime,
    /// `timeformat="double"`, values in Unix seconds.
    Unix,
}

/// GEXF writer options.
#[derive(Clone, Debug, Default)]
pub struct GexfOptions {
    /// Write a dynamic graph with edge time intervals.
    pub dynamic: bool,
    /// Time format of a dynamic graph.
    pub time_format: TimeFormat,
    /// Free text for `<meta><description>`, such as the filter used.
    pub description: String,
}

fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape_into(out, value);
    out.push('"');
}

fn push_attvalue(out: &mut String, key: &str, value: &str) {
    out.push_str("          <attvalue");
    push_attr(out, "for", key);
    push_attr(out, "value", value);
    out.push_str("/>\n");
}

fn time_value(t: i64, f: TimeFormat) -> String {
    match f {
        TimeFormat::DateTime => rfc3339(t),
        TimeFormat::Unix => format!("{t}.0"),
    }
}

const NODE_ATTRS: &[(&str, &str)] = &[
    ("handle", "string"),
    ("display_name", "string"),
    ("platform", "string"),
    ("side", "string"),
    ("posts", "long"),
    ("community", "integer"),
    ("pagerank", "double"),
    ("in_weight", "long"),
    ("out_weight", "long"),
];

const EDGE_ATTRS: &[(&str, &str)] = &[
    ("kind", "string"),
    ("platform", "string"),
    ("first", "string"),
    ("last", "string"),
];

fn declare(out: &mut String, class: &str, attrs: &[(&str, &str)]) {
    let _ = writeln!(out, "    <attributes class=\"{class}\" mode=\"static\">");
    for (id, ty) in attrs {
        let _ = writeln!(
            out,
            "      <attribute id=\"{id}\" title=\"{id}\" type=\"{ty}\"/>"
        );
    }
    out.push_str("    </attributes>\n");
}

/// Writes `g` as GEXF 1.3. Node measures (PageRank, community) are written
/// as they are on the nodes: run [`super::analyze`] first to fill them.
pub fn write<W: Write + ?Sized>(g: &Graph, w: &mut W, opts: &GexfOptions) -> std::io::Result<()> {
    let mut out = String::with_capacity(1 << 16);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(
        "<gexf xmlns=\"http://gexf.net/1.3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd\" version=\"1.3\">\n",
    );
    out.push_str("  <meta>\n    <creator>tarjuman ");
    out.push_str(env!("CARGO_PKG_VERSION"));
    out.push_str("</creator>\n");
    if !opts.description.is_empty() {
        out.push_str("    <description>");
        escape_into(&mut out, &opts.description);
        out.push_str("</description>\n");
    }
    out.push_str("  </meta>\n");
    if opts.dynamic {
        let tf = match opts.time_format {
            TimeFormat::DateTime => "dateTime",
            TimeFormat::Unix => "double",
        };
        let _ = writeln!(
            out,
            "  <graph defaultedgetype=\"directed\" mode=\"dynamic\" timeformat=\"{tf}\" timerepresentation=\"interval\">"
        );
    } else {
        out.push_str("  <graph defaultedgetype=\"directed\" mode=\"static\">\n");
    }
    declare(&mut out, "node", NODE_ATTRS);
    declare(&mut out, "edge", EDGE_ATTRS);

    // A node's activity span, for dynamic graphs.
    let mut span: Vec<Option<(i64, i64)>> = vec![None; g.nodes.len()];
    if opts.dynamic {
        for e in &g.edges {
            if let (Some(f), Some(l)) = (e.first, e.last) {
                for i in [e.src, e.dst] {
                    if let Some(s) = span.get_mut(i) {
                        *s = Some(s.map_or((f, l), |(a, b)| (a.min(f), b.max(l))));
                    }
                }
            }
        }
    }

    out.push_str("    <nodes>\n");
    for (i, n) in g.nodes.iter().enumerate() {
        out.push_str("      <node");
        push_attr(&mut out, "id", &n.ref_);
        push_attr(&mut out, "label", &n.label());
        if let Some(Some((a, b))) = span.get(i) {
            push_attr(&mut out, "start", &time_value(*a, opts.time_format));
            push_attr(&mut out, "end", &time_value(*b, opts.time_format));
        }
        out.push_str(">\n        <attvalues>\n");
        if let Some(h) = &n.handle {
            push_attvalue(&mut out, "handle", h);
        }
        if let Some(d) = &n.display_name {
            push_attvalue(&mut out, "display_name", d);
        }
        push_attvalue(&mut out, "platform", &n.platform);
        if let Some(s) = &n.side {
            push_attvalue(&mut out, "side", s);
        }
        push_attvalue(&mut out, "posts", &n.posts.to_string());
        if let Some(c) = n.community {
            push_attvalue(&mut out, "community", &c.to_string());
        }
        push_attvalue(&mut out, "pagerank", &format!("{}", n.pagerank));
        push_attvalue(&mut out, "in_weight", &n.in_weight.to_string());
        push_attvalue(&mut out, "out_weight", &n.out_weight.to_string());
        out.push_str("        </attvalues>\n      </node>\n");
        if out.len() > 1 << 16 {
            w.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    out.push_str("    </nodes>\n    <edges>\n");
    for (i, e) in g.edges.iter().enumerate() {
        let (Some(s), Some(t)) = (g.nodes.get(e.src), g.nodes.get(e.dst)) else {
            continue;
        };
        let _ = write!(out, "      <edge id=\"{i}\"");
        push_attr(&mut out, "source", &s.ref_);
        push_attr(&mut out, "target", &t.ref_);
        let _ = write!(
            out,
            " kind=\"{k}\" label=\"{k}\" weight=\"{w}\">\n        <attvalues>\n",
            k = e.kind.as_str(),
            w = e.weight
        );
        push_attvalue(&mut out, "kind", e.kind.as_str());
        push_attvalue(&mut out, "platform", &s.platform);
        if let Some(f) = e.first {
            push_attvalue(&mut out, "first", &rfc3339(f));
        }
        if let Some(l) = e.last {
            push_attvalue(&mut out, "last", &rfc3339(l));
        }
        out.push_str("        </attvalues>\n");
        if opts.dynamic {
            let spells: Vec<(i64, i64)> = if !e.times.is_empty() {
                e.times.iter().map(|&t| (t, t)).collect()
            } else if let (Some(f), Some(l)) = (e.first, e.last) {
                vec![(f, l)]
            } else {
                Vec::new()
            };
            if !spells.is_empty() {
                out.push_str("        <spells>\n");
                for (a, b) in spells {
                    let _ = writeln!(
                        out,
                        "          <spell start=\"{}\" end=\"{}\"/>",
                        time_value(a, opts.time_format),
                        time_value(b, opts.time_format)
                    );
                }
                out.push_str("        </spells>\n");
            }
        }
        out.push_str("      </edge>\n");
        if out.len() > 1 << 16 {
            w.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    out.push_str("    </edges>\n  </graph>\n</gexf>\n");
    w.write_all(out.as_bytes())?;
    w.flush()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::graph::build::{Edge, Node};
    use tarjuman_model::InteractionKind;

    pub(crate) fn hostile_graph() -> Graph {
        Graph {
            nodes: vec![
                Node {
                    ref_: "x:1".into(),
                    platform: "x".into(),
                    handle: Some("a\"b".into()),
                    display_name: Some("</node><x a='1'> & \u{1b}[2J \u{202E}المتحدث\n".into()),
                    posts: 3,
                    community: Some(0),
                    pagerank: 0.25,
                    ..Node::default()
                },
                Node {
                    ref_: "x:2".into(),
                    platform: "x".into(),
                    side: Some("state".into()),
                    ..Node::default()
                },
            ],
            edges: vec![
                Edge {
                    src: 0,
                    dst: 1,
                    kind: InteractionKind::Reply,
                    weight: 2,
                    first: Some(100),
                    last: Some(200),
                    times: vec![100, 200],
                },
                Edge {
                    src: 0,
                    dst: 1,
                    kind: InteractionKind::Mention,
                    weight: 1,
                    first: None,
                    last: None,
                    times: vec![],
                },
            ],
        }
    }

    #[test]
    fn static_and_dynamic() {
        let g = hostile_graph();
        let mut buf = Vec::new();
        write(&g, &mut buf, &GexfOptions::default()).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.contains("mode=\"static\""));
        assert!(s.contains(
            "&lt;/node&gt;&lt;x a=&apos;1&apos;&gt; &amp; \u{FFFD}[2J \u{202E}المتحدث&#10;"
        ));
        assert!(s.contains("label=\"@a&quot;b\""));
        assert!(!s.contains("<spells>"));
        assert_eq!(s.matches("<edge ").count(), 2);

        let mut buf = Vec::new();
        let o = GexfOptions {
            dynamic: true,
            time_format: TimeFormat::Unix,
            description: "a <b>".into(),
        };
        write(&g, &mut buf, &o).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.contains("timeformat=\"double\""));
        assert!(s.contains("<spell start=\"100.0\" end=\"100.0\"/>"));
        assert!(s.contains("start=\"100.0\" end=\"200.0\">"));
        assert!(s.contains("<description>a &lt;b&gt;</description>"));
    }
}
