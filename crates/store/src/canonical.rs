//! URL canonicalization, so that the same link written two ways is one URL.

/// Tracking parameters dropped from query strings.
const TRACKING: &[&str] = &[
    "fbclid", "gclid", "igshid", "mc_cid", "mc_eid", "ref_src", "s", "t", "si", "feature",
];

/// Canonical form of a URL: scheme and host lower-cased, `www.` and default
/// ports dropped, the fragment dropped, `utm_*` and other tracking
/// parameters dropped, and a trailing `/` removed from the path. Anything
/// that does not look like an http(s) URL is returned trimmed, as is.
///
/// ```
/// use tarjuman_store::canonical_url;
/// assert_eq!(canonical_url("HTTPS://WWW.Example.com:443/a/?utm_source=x&id=3#top"), "https://example.com/a?id=3");
/// ```
pub fn canonical_url(u: &str) -> String {
    let u = u.trim();
    let Some((scheme, rest)) = u.split_once("://") else {
        return u.to_string();
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return u.to_string();
    }
    let rest = rest.split('#').next().unwrap_or("");
    let (hostport, path_q) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let hostport = hostport
        .rsplit('@')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let host = match hostport.rsplit_once(':') {
        Some((h, p)) if (p == "80" && scheme == "http") || (p == "443" && scheme == "https") => {
            h.to_string()
        }
        _ => hostport,
    };
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    let (path, query) = match path_q.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path_q, ""),
    };
    let path = path.trim_end_matches('/');
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| {
            let k = kv.split('=').next().unwrap_or("").to_ascii_lowercase();
            !kv.is_empty() && !k.starts_with("utm_") && !TRACKING.contains(&k.as_str())
        })
        .collect();
    let mut out = format!("https://{host}{path}");
    if scheme == "http" {
        out.replace_range(..5, "http");
    }
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    out
}

/// The host of a URL without `www.`, lower-cased.
pub fn url_domain(u: &str) -> Option<String> {
    let c = canonical_url(u);
    let rest = c.split_once("://")?.1;
    let host = rest.split(['/', '?']).next()?;
    (!host.is_empty()).then(|| host.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        assert_eq!(canonical_url("http://example.com/"), "http://example.com");
        assert_eq!(canonical_url("https://t.co/abc"), "https://t.co/abc");
        assert_eq!(canonical_url("mailto:a@b"), "mailto:a@b");
        assert_eq!(canonical_url("https://x.org/p?fbclid=1"), "https://x.org/p");
        assert_eq!(
            url_domain("https://www.BBC.co.uk/news/1"),
            Some("bbc.co.uk".into())
        );
        assert_eq!(canonical_url("https://"), "https://");
    }
}
