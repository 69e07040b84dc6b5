//! Delay levels (`behaviours.md` §5): a message whose `DELAY` property names a level is stored in
//! `SCHEDULE_TOPIC_XXXX`, queue `level − 1`, with its real topic and queue kept in `REAL_TOPIC` and
//! `REAL_QID`; the schedule service moves it back when its time has come.

use std::time::Duration;

use bolide_protocol::message::properties::{self, DELAY, REAL_QID, REAL_TOPIC};

use crate::topic::SCHEDULE_TOPIC;

/// The configured levels (`messageDelayLevel`), level 1 first.
#[derive(Debug, Clone)]
pub struct DelayLevels {
    levels: Vec<Duration>,
}

impl DelayLevels {
    /// Levels in order.
    pub fn new(levels: Vec<Duration>) -> Self {
        DelayLevels { levels }
    }

    /// The highest level.
    pub fn max_level(&self) -> i32 {
        self.levels.len() as i32
    }

    /// How long `level` (1-based, clamped to the highest) waits.
    pub fn delay(&self, level: i32) -> Duration {
        let index = (level.clamp(1, self.max_level().max(1)) - 1) as usize;
        self.levels.get(index).copied().unwrap_or_default()
    }
}

/// The `DELAY` level of a raw properties string, when it is a positive number.
pub fn delay_level(raw_properties: &[u8]) -> Option<i32> {
    let value = properties::find_property_bytes(raw_properties, DELAY)?;
    std::str::from_utf8(value).ok()?.trim().parse().ok().filter(|level| *level > 0)
}

/// Where a message with `level` waits: the schedule topic and queue, and its properties with
/// `REAL_TOPIC`/`REAL_QID` added (and `DELAY` rewritten when the level had to be clamped).
pub fn to_schedule(
    levels: &DelayLevels,
    level: i32,
    topic: &str,
    queue_id: i32,
    raw_properties: &[u8],
) -> (&'static str, i32, Vec<u8>) {
    let level = level.min(levels.max_level()).max(1);
    let mut parsed = properties::Properties::parse_bytes(raw_properties);
    parsed.insert(DELAY, level.to_string()).ok();
    parsed.insert(REAL_TOPIC, topic).ok();
    parsed.insert(REAL_QID, queue_id.to_string()).ok();
    let mut out = Vec::with_capacity(parsed.encoded_len());
    parsed.encode(&mut out);
    (SCHEDULE_TOPIC, level - 1, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels() -> DelayLevels {
        DelayLevels::new((1..=18).map(Duration::from_secs).collect())
    }

    #[test]
    fn level_is_read_and_clamped() {
        assert_eq!(delay_level(b"DELAY\x013\x02TAGS\x01a\x02"), Some(3));
        assert_eq!(delay_level(b"DELAY\x010\x02"), None);
        assert_eq!(delay_level(b"TAGS\x01a\x02"), None);
        let (topic, queue, props) = to_schedule(&levels(), 40, "T", 2, b"DELAY\x0140\x02");
        assert_eq!((topic, queue), (SCHEDULE_TOPIC, 17));
        let text = String::from_utf8(props).expect("utf-8");
        assert_eq!(properties::find_property(&text, REAL_TOPIC), Some("T"));
        assert_eq!(properties::find_property(&text, REAL_QID), Some("2"));
        assert_eq!(properties::find_property(&text, DELAY), Some("18"));
        assert_eq!(levels().delay(99), Duration::from_secs(18));
    }
}
