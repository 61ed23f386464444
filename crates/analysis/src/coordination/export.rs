//! Writers for the coordination graph: CSV, GraphML, GEXF and JSON.
//!
//! Every format holds the same directed edges, in the same order (source
//! node id, then target node id), and only the accounts that appear in an
//! edge. Node ids are native user ids as strings.
//!
//! - **csv**: the contract for scripts. The header `source,target,weight`,
//!   then one edge per row; a field is quoted (RFC 4180) only when it holds
//!   a comma, a quote or a line break.
//! - **graphml**: directed; node data `label` (the handle, else the id),
//!   `ref`, `handle`, `cluster` (with `--clusters`, 0 for none); edge data
//!   `weight`.
//! - **gexf** (1.3, for Gephi): the same attributes; edges carry `weight`.
//! - **json**: one object: `network`, `mode`, `window`, `min_weight`,
//!   `self_loops`, `messages`, `nodes` (`id`, `ref`, `handle`, and `cluster`
//!   with `--clusters`) and `edges` (`source`, `target`, `weight`).

use super::{CoordError, Coordination};
use std::io::Write;

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `source,target,weight`.
    Csv,
    /// GraphML.
    Graphml,
    /// GEXF 1.3.
    Gexf,
    /// One JSON object.
    Json,
}

impl Format {
    /// Parses `csv`, `graphml`, `gexf` or `json`.
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "graphml" => Some(Format::Graphml),
            "gexf" => Some(Format::Gexf),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Writes the graph of `co` in `format`. `cluster` gives each account's
/// cluster number (see [`super::clusters::membership`]), when known.
pub fn write(
    co: &Coordination,
    format: Format,
    cluster: Option<&[usize]>,
    out: &mut dyn Write,
) -> Result<(), CoordError> {
    match format {
        Format::Csv => csv(co, out),
        Format::Graphml => graphml(co, cluster, out),
        Format::Gexf => gexf(co, cluster, out),
        Format::Json => json(co, cluster, out),
    }
}

/// The accounts in an edge, in node id order.
fn nodes(co: &Coordination) -> Vec<u32> {
    let mut used = vec![false; co.node_ids.len()];
    for e in &co.edges {
        used[e.source as usize] = true;
        used[e.target as usize] = true;
    }
    let mut n: Vec<u32> = (0..used.len() as u32)
        .filter(|&u| used[u as usize])
        .collect();
    n.sort_by(|&a, &b| co.node_id(a).cmp(co.node_id(b)));
    n
}

fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// `source,target,weight`.
pub fn csv(co: &Coordination, out: &mut dyn Write) -> Result<(), CoordError> {
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    writeln!(w, "source,target,weight")?;
    // Each account's field once, not once per edge.
    let fields: Vec<std::borrow::Cow<'_, str>> =
        co.node_ids.iter().map(|id| csv_field(id)).collect();
    let mut line: Vec<u8> = Vec::with_capacity(128);
    for &e in &co.edges {
        line.clear();
        csv_line(&fields, e, &mut line);
        w.write_all(&line)?;
    }
    w.flush()?;
    Ok(())
}

/// [`csv`] for a network from [`super::prepare_with`]: the edges are found
/// and formatted block by block on all cores and written in order, never
/// all held. Returns how many were written.
pub fn csv_streaming(co: &Coordination, out: &mut dyn Write) -> Result<u64, CoordError> {
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    writeln!(w, "source,target,weight")?;
    let fields: Vec<std::borrow::Cow<'_, str>> =
        co.node_ids.iter().map(|id| csv_field(id)).collect();
    let make = |edges: &[super::Edge]| -> (u64, Vec<u8>) {
        let mut buf: Vec<u8> = Vec::with_capacity(edges.len() * 32);
        for &e in edges {
            csv_line(&fields, e, &mut buf);
        }
        (edges.len() as u64, buf)
    };
    let mut n = 0u64;
    co.edge_blocks(&make, &mut |(k, buf): (u64, Vec<u8>)| {
        n += k;
        w.write_all(&buf)
    })?;
    w.flush()?;
    Ok(n)
}

/// Appends one `source,target,weight` row.
fn csv_line(fields: &[std::borrow::Cow<'_, str>], e: super::Edge, line: &mut Vec<u8>) {
    let field = |u: u32| fields.get(u as usize).map_or("", |f| f.as_ref());
    line.extend_from_slice(field(e.source).as_bytes());
    line.push(b',');
    line.extend_from_slice(field(e.target).as_bytes());
    line.push(b',');
    push_u32(line, e.weight);
    line.push(b'\n');
}

/// Appends the decimal digits of `n`.
fn push_u32(out: &mut Vec<u8>, mut n: u32) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Escapes text for XML content or a double-quoted attribute. Characters
/// XML 1.0 forbids become U+FFFD; tab, newline and carriage return become
/// character references so attribute values keep them.
fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push_str(&format!("&#{};", c as u32)),
            '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}' => {
                o.push(c)
            }
            _ => o.push('\u{FFFD}'),
        }
    }
    o
}

fn label(co: &Coordination, u: u32) -> String {
    co.corpus
        .users
        .get(u as usize)
        .and_then(|x| x.handle.clone())
        .unwrap_or_else(|| co.node_id(u).to_string())
}

fn graphml(
    co: &Coordination,
    cluster: Option<&[usize]>,
    out: &mut dyn Write,
) -> Result<(), CoordError> {
    let mut w = std::io::BufWriter::new(out);
    writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        w,
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">"
    )?;
    writeln!(
        w,
        "  <key id=\"label\" for=\"node\" attr.name=\"label\" attr.type=\"string\"/>"
    )?;
    writeln!(
        w,
        "  <key id=\"ref\" for=\"node\" attr.name=\"ref\" attr.type=\"string\"/>"
    )?;
    writeln!(
        w,
        "  <key id=\"handle\" for=\"node\" attr.name=\"handle\" attr.type=\"string\"/>"
    )?;
    if cluster.is_some() {
        writeln!(
            w,
            "  <key id=\"cluster\" for=\"node\" attr.name=\"cluster\" attr.type=\"long\"/>"
        )?;
    }
    writeln!(
        w,
        "  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"long\"/>"
    )?;
    writeln!(
        w,
        "  <graph id=\"{}\" edgedefault=\"directed\">",
        co.params.network.name()
    )?;
    for u in nodes(co) {
        let user = &co.corpus.users[u as usize];
        writeln!(w, "    <node id=\"{}\">", xml(co.node_id(u)))?;
        writeln!(w, "      <data key=\"label\">{}</data>", xml(&label(co, u)))?;
        writeln!(w, "      <data key=\"ref\">{}</data>", xml(&user.actor_ref))?;
        if let Some(h) = &user.handle {
            writeln!(w, "      <data key=\"handle\">{}</data>", xml(h))?;
        }
        if let Some(cl) = cluster {
            let k = cl.get(u as usize).copied().unwrap_or(0);
            writeln!(w, "      <data key=\"cluster\">{k}</data>")?;
        }
        writeln!(w, "    </node>")?;
    }
    for (i, e) in co.edges.iter().enumerate() {
        writeln!(
            w,
            "    <edge id=\"e{i}\" source=\"{}\" target=\"{}\"><data key=\"weight\">{}</data></edge>",
            xml(co.node_id(e.source)),
            xml(co.node_id(e.target)),
            e.weight
        )?;
    }
    writeln!(w, "  </graph>\n</graphml>")?;
    w.flush()?;
    Ok(())
}

fn gexf(
    co: &Coordination,
    cluster: Option<&[usize]>,
    out: &mut dyn Write,
) -> Result<(), CoordError> {
    let mut w = std::io::BufWriter::new(out);
    writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        w,
        "<gexf xmlns=\"http://gexf.net/1.3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd\" version=\"1.3\">"
    )?;
    writeln!(
        w,
        "  <meta><creator>tarjuman</creator><description>{} network, window {} s, min weight {}</description></meta>",
        co.params.network.name(),
        co.window,
        co.params.min_weight
    )?;
    writeln!(w, "  <graph defaultedgetype=\"directed\" mode=\"static\">")?;
    writeln!(w, "    <attributes class=\"node\">")?;
    writeln!(
        w,
        "      <attribute id=\"ref\" title=\"ref\" type=\"string\"/>"
    )?;
    writeln!(
        w,
        "      <attribute id=\"handle\" title=\"handle\" type=\"string\"/>"
    )?;
    if cluster.is_some() {
        writeln!(
            w,
            "      <attribute id=\"cluster\" title=\"cluster\" type=\"long\"/>"
        )?;
    }
    writeln!(w, "    </attributes>")?;
    writeln!(w, "    <nodes>")?;
    for u in nodes(co) {
        let user = &co.corpus.users[u as usize];
        writeln!(
            w,
            "      <node id=\"{}\" label=\"{}\">",
            xml(co.node_id(u)),
            xml(&label(co, u))
        )?;
        writeln!(w, "        <attvalues>")?;
        writeln!(
            w,
            "          <attvalue for=\"ref\" value=\"{}\"/>",
            xml(&user.actor_ref)
        )?;
        if let Some(h) = &user.handle {
            writeln!(
                w,
                "          <attvalue for=\"handle\" value=\"{}\"/>",
                xml(h)
            )?;
        }
        if let Some(cl) = cluster {
            let k = cl.get(u as usize).copied().unwrap_or(0);
            writeln!(w, "          <attvalue for=\"cluster\" value=\"{k}\"/>")?;
        }
        writeln!(w, "        </attvalues>")?;
        writeln!(w, "      </node>")?;
    }
    writeln!(w, "    </nodes>")?;
    writeln!(w, "    <edges>")?;
    for (i, e) in co.edges.iter().enumerate() {
        writeln!(
            w,
            "      <edge id=\"{i}\" source=\"{}\" target=\"{}\" weight=\"{}\"/>",
            xml(co.node_id(e.source)),
            xml(co.node_id(e.target)),
            e.weight
        )?;
    }
    writeln!(w, "    </edges>")?;
    writeln!(w, "  </graph>\n</gexf>")?;
    w.flush()?;
    Ok(())
}

fn json(
    co: &Coordination,
    cluster: Option<&[usize]>,
    out: &mut dyn Write,
) -> Result<(), CoordError> {
    use serde_json::{Value, json};
    let nodes: Vec<Value> = nodes(co)
        .into_iter()
        .map(|u| {
            let user = &co.corpus.users[u as usize];
            let mut v = json!({
                "id": co.node_id(u),
                "ref": user.actor_ref,
                "handle": user.handle,
            });
            if let (Some(cl), Some(obj)) = (cluster, v.as_object_mut()) {
                obj.insert(
                    "cluster".into(),
                    cl.get(u as usize).copied().unwrap_or(0).into(),
                );
            }
            v
        })
        .collect();
    let edges: Vec<Value> = co
        .edges
        .iter()
        .map(|e| {
            json!({
                "source": co.node_id(e.source),
                "target": co.node_id(e.target),
                "weight": e.weight,
            })
        })
        .collect();
    let doc = json!({
        "network": co.params.network,
        "mode": co.params.mode,
        "window": co.window,
        "window_estimate": co.auto,
        "min_weight": co.params.min_weight,
        "similarity": (co.params.network == super::Network::CoSimilar).then_some(co.params.similarity),
        "self_loops": co.params.self_loops,
        "messages": co.corpus.msgs.len(),
        "nodes": nodes,
        "edges": edges,
    });
    let mut w = std::io::BufWriter::new(out);
    serde_json::to_writer(&mut w, &doc).map_err(std::io::Error::from)?;
    writeln!(w)?;
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_digits() {
        for n in [0u32, 7, 10, 99, 12345, u32::MAX] {
            let mut v = Vec::new();
            push_u32(&mut v, n);
            assert_eq!(v, n.to_string().into_bytes());
        }
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("123"), "123");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn xml_escaping() {
        assert_eq!(xml("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(xml("x\u{1}y\tz"), "x\u{FFFD}y&#9;z");
        assert_eq!(xml("عربي 😀"), "عربي 😀");
    }
}
