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
        let mut out = self.close_window(now);
        if self.window_start.is_none() {
            self.window_start = Some(now);
        }
        if self.written < self.per_window {
            self.written += 1;
            out.push(line());
        } else {
            self.suppressed += 1;
        }
        write(&out);
        out
    }

    /// Says how many lines the last second suppressed, once that second is over, even if
    /// nothing else goes wrong. Call it from time to time; returns the lines written.
    pub fn flush(&mut self, now: Instant) -> Vec<String> {
        let out = self.close_window(now);
        write(&out);
        out
    }

    /// Ends the current second if it is over: the count of suppressed lines, if any.
    fn close_window(&mut self, now: Instant) -> Vec<String> {
        let Some(start) = self.window_start else { return Vec::new() };
        if now.duration_since(start) < self.window {
            return Vec::new();
        }
        let out = (self.suppressed > 0)
            .then(|| format!("({} similar messages suppressed)", self.suppressed))
            .into_iter()
            .collect();
        self.window_start = None;
        self.written = 0;
        self.suppressed = 0;
        out
    }
}

fn write(lines: &[String]) {
    for l in lines {
        eprintln!("3700kvstore: {l}");
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

    #[test]
    fn the_count_of_suppressed_lines_comes_without_a_next_complaint() {
        let mut log = RateLimitedLog::new(1);
        let t0 = Instant::now();
        log.log(t0, || "first".into());
        log.log(t0 + Duration::from_millis(10), || "second".into());
        assert!(log.flush(t0 + Duration::from_millis(500)).is_empty(), "the second is not over");
        assert_eq!(
            log.flush(t0 + Duration::from_millis(1000)),
            vec!["(1 similar messages suppressed)".to_owned()]
        );
        assert!(log.flush(t0 + Duration::from_secs(5)).is_empty(), "said once");
        assert_eq!(log.log(t0 + Duration::from_secs(6), || "again".into()), vec!["again".to_owned()]);
    }
}
