//! Playback speed: how much virtual time passes per real millisecond, from very slow (watch
//! each message travel) to real time (the paper's 150-300 ms election timeouts).

use raft_core::Time;

/// Virtual seconds per real second.
pub const SPEEDS: [f64; 8] = [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0];
/// A message takes a quarter to half a second to cross; an election timeout a few seconds.
pub const DEFAULT_SPEED: usize = 3;
/// A frame never advances more than this much real time, so that a backgrounded tab or a
/// long pause of the browser does not make the cluster jump.
pub const MAX_FRAME_MS: f64 = 100.0;

/// A short label such as "1/20×" or "1×".
pub fn label(index: usize) -> String {
    let s = SPEEDS[index.min(SPEEDS.len() - 1)];
    if s >= 1.0 {
        format!("{s}×")
    } else {
        format!("1/{}×", (1.0 / s).round())
    }
}

/// The preset closest to `speed` (on a log scale).
pub fn nearest(speed: f64) -> usize {
    if !speed.is_finite() || speed <= 0.0 {
        return DEFAULT_SPEED;
    }
    let mut best = 0;
    for (i, s) in SPEEDS.iter().enumerate() {
        if (s.ln() - speed.ln()).abs() < (SPEEDS[best].ln() - speed.ln()).abs() {
            best = i;
        }
    }
    best
}

/// The virtual microseconds to advance for `elapsed_ms` of real time at preset `index`.
pub fn advance_us(elapsed_ms: f64, index: usize) -> Time {
    let ms = if elapsed_ms.is_finite() { elapsed_ms.clamp(0.0, MAX_FRAME_MS) } else { 0.0 };
    (ms * 1000.0 * SPEEDS[index.min(SPEEDS.len() - 1)]).round() as Time
}

/// Virtual time for people: "1.234 s".
pub fn format_time(t: Time) -> String {
    format!("{:.3} s", t as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(label(0), "1/200×");
        assert_eq!(label(DEFAULT_SPEED), "1/20×");
        assert_eq!(label(SPEEDS.len() - 1), "1×");
    }

    #[test]
    fn nearest_preset() {
        assert_eq!(nearest(1.0), SPEEDS.len() - 1);
        assert_eq!(nearest(7.0), SPEEDS.len() - 1);
        assert_eq!(nearest(0.05), DEFAULT_SPEED);
        assert_eq!(nearest(0.0001), 0);
        assert_eq!(nearest(f64::NAN), DEFAULT_SPEED);
    }

    #[test]
    fn frames_advance_virtual_time_and_long_gaps_are_capped() {
        assert_eq!(advance_us(16.0, SPEEDS.len() - 1), 16_000);
        assert_eq!(advance_us(20.0, DEFAULT_SPEED), 1_000);
        assert_eq!(advance_us(5_000.0, SPEEDS.len() - 1), 100_000);
        assert_eq!(advance_us(-3.0, 0), 0);
    }

    #[test]
    fn time_format() {
        assert_eq!(format_time(1_234_567), "1.235 s");
    }
}
