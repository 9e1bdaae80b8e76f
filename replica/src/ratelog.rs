//! Complaints about bad input go to stderr, but at most a few lines per second: a peer or
//! client that floods us with garbage must not turn our logging into the bottleneck.

use std::time::{Duration, Instant};

pub struct RateLimitedLog {
    per_window: u32,
    window: Duration,
    window_start: Option<Instant>,
    written: u32,
    suppressed: u64,
}

impl RateLimitedLog {
    /// At most `per_second` lines per second.
    pub fn new(per_second: u32) -> RateLimitedLog {
        RateLimitedLog {
            per_window: per_second,
            window: Duration::from_secs(1),
            window_start: None,
            written: 0,
            suppressed: 0,
        }
    }

    /// Logs `line` to stderr unless the budget of this second is spent. Returns the lines
    /// actually written (for tests).
    pub fn log(&mut self, now: Instant, line: impl FnOnce() -> String) -> Vec<String> {
        let mut out = Vec::new();
        if self
            .window_start
            .is_none_or(|s| now.duration_since(s) >= self.window)
        {
            if self.suppressed > 0 {
                out.push(format!("({} similar messages suppressed)", self.suppressed));
            }
            self.window_start = Some(now);
            self.written = 0;
            self.suppressed = 0;
        }
        if self.written < self.per_window {
            self.written += 1;
            out.push(line());
        } else {
            self.suppressed += 1;
        }
        for l in &out {
            eprintln!("3700kvstore: {l}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_lines_per_second_and_counts_the_rest() {
        let mut log = RateLimitedLog::new(3);
        let t0 = Instant::now();
        let mut written = 0;
        for i in 0..100 {
            written += log
                .log(t0 + Duration::from_millis(i), || format!("bad {i}"))
                .len();
        }
        assert_eq!(written, 3);
        let next = log.log(t0 + Duration::from_millis(1500), || "later".into());
        assert_eq!(
            next,
            vec![
                "(97 similar messages suppressed)".to_owned(),
                "later".to_owned()
            ]
        );
    }
}
