//! Times `write_twarc2` and reports throughput.
//!
//! `cargo run --release --example bench_twarc2 -- [posts] [actors] [path]`:
//! defaults to 1 000 000 posts by 200 000 actors, written to a byte-counting
//! sink (give a path to write a file instead).

use std::io::{self, Write};
use std::time::Instant;
use tarjuman_gen::{WorldConfig, write_twarc2};

/// Counts bytes and discards them.
struct Count(u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let posts = args
        .first()
        .map_or(Ok(1_000_000), |s| s.parse())
        .expect("posts");
    let actors = args
        .get(1)
        .map_or(Ok(200_000), |s| s.parse())
        .expect("actors");
    let cfg = WorldConfig {
        posts,
        actors,
        ..WorldConfig::default()
    };
    let t = Instant::now();
    let (tweets, bytes) = match args.get(2) {
        Some(path) => {
            let n = write_twarc2(&cfg, std::fs::File::create(path)?)?;
            (n, std::fs::metadata(path)?.len())
        }
        None => {
            let mut c = Count(0);
            let n = write_twarc2(&cfg, &mut c)?;
            (n, c.0)
        }
    };
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{tweets} tweets, {:.1} MB in {secs:.2} s ({:.0} tweets/s, {:.0} MB/s)",
        bytes as f64 / 1e6,
        tweets as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    Ok(())
}
