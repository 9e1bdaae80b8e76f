//! The open-loop send schedule: request n (from 0) of a stream of `rate` per second is due
//! `n / rate` seconds after the stream starts, whether or not earlier ones were answered.

/// How many requests a stream of `rate` per second sends in a window of `seconds`.
pub fn total(rate: f64, seconds: f64) -> u64 {
    if !(rate > 0.0 && seconds > 0.0) {
        return 0;
    }
    (rate * seconds).ceil() as u64
}

/// How many of the stream's `total` requests are due `elapsed` seconds after it starts. The
/// caller sends the difference to what it has sent, so a late wake-up sends a larger batch
/// and the schedule holds on average.
pub fn due(rate: f64, elapsed: f64, total: u64) -> u64 {
    if !(elapsed >= 0.0 && rate > 0.0) {
        return 0;
    }
    // Request n is due once n / rate <= elapsed, so n = 0..=floor(elapsed * rate) are due.
    let due = (elapsed * rate).floor();
    if due >= total as f64 {
        total
    } else {
        due as u64 + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals() {
        assert_eq!(total(1000.0, 3.0), 3000);
        assert_eq!(total(100_000.0, 5.0), 500_000);
        assert_eq!(total(2.5, 1.0), 3);
        assert_eq!(total(0.0, 5.0), 0);
        assert_eq!(total(f64::NAN, 5.0), 0);
        assert_eq!(total(10.0, -1.0), 0);
    }

    #[test]
    fn the_first_request_leaves_at_once_and_the_rest_on_time() {
        let n = total(1000.0, 1.0);
        assert_eq!(due(1000.0, 0.0, n), 1);
        assert_eq!(due(1000.0, 0.000_999, n), 1);
        assert_eq!(due(1000.0, 0.001, n), 2);
        assert_eq!(due(1000.0, 0.5, n), 501);
        assert_eq!(due(1000.0, 0.999, n), 1000);
        assert_eq!(due(1000.0, 2.0, n), 1000);
        assert_eq!(due(1000.0, -0.1, n), 0);
    }

    #[test]
    fn a_late_wake_up_catches_up_in_one_batch() {
        let n = total(100_000.0, 1.0);
        let before = due(100_000.0, 0.010, n);
        let after = due(100_000.0, 0.0113, n);
        assert_eq!(after - before, 130);
    }
}
