//! A guided scenario as a story: which beat the run is at, and where playing stops next so
//! that the student reads each beat before the run moves on.

use raft_core::sim::scenarios::Beat;
use raft_core::Time;

/// The beat the run is at: the last one at or before `now` (none before the first).
pub fn current_beat(beats: &[Beat], now: Time) -> Option<usize> {
    beats.iter().rposition(|b| b.at <= now)
}

/// Where playing from `now` towards `target` stops: the first beat, or the story's `end`,
/// after `now` and at or before `target`. A run paused on a stop plays on from it, since that
/// stop is not after `now`.
pub fn stop_before(beats: &[Beat], end: Time, now: Time, target: Time) -> Option<Time> {
    beats.iter().map(|b| b.at).chain([end]).filter(|&at| at > now && at <= target).min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beats(times: &[Time]) -> Vec<Beat> {
        times.iter().map(|&at| Beat { at, title: "t", text: "x" }).collect()
    }

    #[test]
    fn the_current_beat_is_the_last_one_reached() {
        let b = beats(&[100, 200, 300]);
        assert_eq!(current_beat(&b, 99), None);
        assert_eq!(current_beat(&b, 100), Some(0));
        assert_eq!(current_beat(&b, 299), Some(1));
        assert_eq!(current_beat(&b, 5_000), Some(2));
    }

    #[test]
    fn playing_stops_on_each_beat_once() {
        let b = beats(&[100, 200, 300]);
        assert_eq!(stop_before(&b, 500, 100, 150), None, "from a beat, the next stop is the next beat");
        assert_eq!(stop_before(&b, 500, 150, 250), Some(200));
        assert_eq!(stop_before(&b, 500, 200, 400), Some(300), "paused on 200, playing goes on to 300");
        assert_eq!(stop_before(&b, 500, 90, 400), Some(100), "one frame never skips a beat");
        assert_eq!(stop_before(&b, 500, 300, 10_000), Some(500), "the story's end stops it too");
        assert_eq!(stop_before(&b, 310, 300, 10_000), Some(310), "an end in the same frame as a beat");
        assert_eq!(stop_before(&b, 500, 500, 10_000), None, "past the end, a run plays freely");
    }
}
