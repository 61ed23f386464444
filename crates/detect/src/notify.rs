//! Alerts: sending new and updated events to a webhook or a command.
//!
//! - **Webhook**: one HTTP `POST` per event, body the event's JSON object
//!   (`Content-Type: application/json`), with a timeout per attempt and
//!   retries with doubling back-off on failure or a non-2xx answer.
//!   `http://` URLs are sent directly; `https://` ones through the `curl`
//!   program (tarjuman carries no TLS stack), which must then be installed.
//! - **Command**: run with `sh -c`, the event's JSON on stdin and
//!   `TARJUMAN_EVENT_ID`, `TARJUMAN_EVENT_KIND` and `TARJUMAN_EVENT_SUMMARY`
//!   in the environment; killed after the timeout; a non-zero exit is a
//!   failure (not retried).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where and how to send alerts.
#[derive(Debug, Clone)]
pub struct Notifier {
    /// Webhook URLs.
    pub webhooks: Vec<String>,
    /// Shell commands.
    pub commands: Vec<String>,
    /// Timeout of one attempt.
    pub timeout: Duration,
    /// Attempts per webhook and event (at least 1).
    pub attempts: u32,
    /// Wait before the second attempt; doubled for each next one.
    pub backoff: Duration,
}

impl Default for Notifier {
    fn default() -> Self {
        Notifier {
            webhooks: Vec::new(),
            commands: Vec::new(),
            timeout: Duration::from_secs(10),
            attempts: 3,
            backoff: Duration::from_millis(500),
        }
    }
}

/// One failed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The event id.
    pub event: String,
    /// The webhook or command.
    pub target: String,
    /// What went wrong (the last attempt's error).
    pub reason: String,
}

impl Notifier {
    /// Whether there is anywhere to send to.
    pub fn is_empty(&self) -> bool {
        self.webhooks.is_empty() && self.commands.is_empty()
    }

    /// Sends one event (`json` is its JSON object) everywhere; returns the
    /// failures.
    pub fn send(&self, id: &str, kind: &str, summary: &str, json: &str) -> Vec<Failure> {
        let mut out = Vec::new();
        for url in &self.webhooks {
            let mut last = String::new();
            let mut ok = false;
            let mut wait = self.backoff;
            for attempt in 0..self.attempts.max(1) {
                if attempt > 0 {
                    std::thread::sleep(wait);
                    wait = wait.saturating_mul(2);
                }
                match post(url, json, self.timeout) {
                    Ok(()) => {
                        ok = true;
                        break;
                    }
                    Err(e) => last = e,
                }
            }
            if !ok {
                out.push(Failure {
                    event: id.into(),
                    target: url.clone(),
                    reason: last,
                });
            }
        }
        for cmd in &self.commands {
            if let Err(reason) = run_command(cmd, id, kind, summary, json, self.timeout) {
                out.push(Failure {
                    event: id.into(),
                    target: cmd.clone(),
                    reason,
                });
            }
        }
        out
    }
}

/// POSTs `body` to `url`; Ok on a 2xx answer.
pub fn post(url: &str, body: &str, timeout: Duration) -> Result<(), String> {
    if url.starts_with("https://") {
        return post_curl(url, body, timeout);
    }
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// and https:// webhooks are supported"))?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = hostport.rsplit_once(':').map_or(hostport, |(h, _)| h);
    let addr_str = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:80")
    };
    let addr = addr_str
        .to_socket_addrs()
        .map_err(|e| format!("{url}: {e}"))?
        .next()
        .ok_or_else(|| format!("{url}: no address"))?;
    let mut s = TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{url}: {e}"))?;
    s.set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    s.set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: tarjuman/{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION"),
        body.len()
    );
    s.write_all(req.as_bytes())
        .and_then(|()| s.write_all(body.as_bytes()))
        .map_err(|e| format!("{url}: {e}"))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    // The status line is all we need.
    while !head.contains(&b'\n') && head.len() < 8192 {
        let n = s.read(&mut buf).map_err(|e| format!("{url}: {e}"))?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("{url}: no HTTP status in the answer"))?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(format!("{url}: HTTP {status}"))
    }
}

fn post_curl(url: &str, body: &str, timeout: Duration) -> Result<(), String> {
    let mut child = Command::new("curl")
        .args([
            "--silent",
            "--show-error",
            "--fail",
            "--max-time",
            &timeout.as_secs().max(1).to_string(),
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            "@-",
            "-o",
            "/dev/null",
            url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{url}: https webhooks need curl: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(body.as_bytes())
            .map_err(|e| format!("{url}: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{url}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{url}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn run_command(
    cmd: &str,
    id: &str,
    kind: &str,
    summary: &str,
    json: &str,
    timeout: Duration,
) -> Result<(), String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .env("TARJUMAN_EVENT_ID", id)
        .env("TARJUMAN_EVENT_KIND", kind)
        .env("TARJUMAN_EVENT_SUMMARY", summary)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is fine.
        let _ = stdin.write_all(json.as_bytes());
        let _ = stdin.write_all(b"\n");
    }
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(st)) if st.success() => return Ok(()),
            Ok(Some(st)) => return Err(format!("exited with {st}")),
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {} s", timeout.as_secs_f64()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A one-thread HTTP server answering `statuses` in turn; returns its
    /// URL and a handle giving the bodies it received.
    fn server(statuses: Vec<u16>) -> (String, std::thread::JoinHandle<Vec<String>>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", l.local_addr().unwrap());
        let h = std::thread::spawn(move || {
            let mut bodies = Vec::new();
            for st in statuses {
                let (mut s, _) = l.accept().unwrap();
                let mut data = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let n = s.read(&mut buf).unwrap();
                    data.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&data).to_string();
                    if let Some(i) = text.find("\r\n\r\n") {
                        let len: usize = text
                            .lines()
                            .find_map(|l| l.strip_prefix("Content-Length: "))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        if data.len() >= i + 4 + len {
                            bodies.push(text[i + 4..].to_string());
                            break;
                        }
                    }
                    if n == 0 {
                        break;
                    }
                }
                let _ = write!(s, "HTTP/1.1 {st} X\r\nContent-Length: 0\r\n\r\n");
            }
            bodies
        });
        (url, h)
    }

    #[test]
    fn webhook_retries_then_succeeds() {
        let (url, h) = server(vec![500, 503, 200]);
        let n = Notifier {
            webhooks: vec![url],
            backoff: Duration::from_millis(10),
            ..Default::default()
        };
        let f = n.send("edit-1", "edit", "s", r#"{"id":"edit-1"}"#);
        assert!(f.is_empty(), "{f:?}");
        let bodies = h.join().unwrap();
        assert_eq!(bodies, vec![r#"{"id":"edit-1"}"#; 3]);
    }

    #[test]
    fn webhook_gives_up_after_the_attempts() {
        let (url, h) = server(vec![500, 500]);
        let n = Notifier {
            webhooks: vec![url],
            attempts: 2,
            backoff: Duration::from_millis(10),
            ..Default::default()
        };
        let f = n.send("e", "edit", "s", "{}");
        assert_eq!(f.len(), 1);
        assert!(f[0].reason.ends_with("HTTP 500"), "{f:?}");
        h.join().unwrap();
        // Nothing listening: a connection error, after a short timeout.
        let n = Notifier {
            webhooks: vec!["http://127.0.0.1:9/x".into()],
            attempts: 1,
            timeout: Duration::from_millis(300),
            ..Default::default()
        };
        assert_eq!(n.send("e", "k", "s", "{}").len(), 1);
        assert!(post("ftp://x", "{}", Duration::from_secs(1)).is_err());
    }

    #[test]
    fn commands_get_the_event() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("out");
        let n = Notifier {
            commands: vec![format!(
                "cat > '{}'; echo \"$TARJUMAN_EVENT_KIND\" >> '{}'",
                f.display(),
                f.display()
            )],
            ..Default::default()
        };
        assert!(n.send("e1", "deletion", "s", r#"{"id":"e1"}"#).is_empty());
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "{\"id\":\"e1\"}\ndeletion\n"
        );
        let n = Notifier {
            commands: vec!["exit 3".into(), "sleep 5".into()],
            timeout: Duration::from_millis(200),
            ..Default::default()
        };
        let fails = n.send("e", "k", "s", "{}");
        assert_eq!(fails.len(), 2, "{fails:?}");
        assert!(fails[1].reason.starts_with("timed out"), "{fails:?}");
    }
}
