//! `ResumeCheckHalfMessageRequestHeader`: RESUME_CHECK_HALF_MESSAGE (323), admin → broker
//! (`codes.md` §8).
//!
//! Wire: `topic` O, `msgId` O. No inherited fields.

define_header! {
    /// Makes a half message eligible for transaction checks again.
    ResumeCheckHalfMessageRequestHeader {
        /// Topic.
        topic: String = "topic", optional;
        /// Message id of the half message.
        msg_id: String = "msgId", optional;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_round_trip};

    #[test]
    fn golden() {
        let header = ResumeCheckHalfMessageRequestHeader {
            topic: Some("TopicTest".into()),
            msg_id: Some("7F000001658C18B4AAC2590E6B9B0000".into()),
        };
        assert_golden(&[("topic", "TopicTest"), ("msgId", "7F000001658C18B4AAC2590E6B9B0000")], &header);
    }

    #[test]
    fn everything_optional_and_round_trip() {
        assert_golden(&[], &ResumeCheckHalfMessageRequestHeader::default());
        assert_round_trip(&ResumeCheckHalfMessageRequestHeader { msg_id: Some("m".into()), topic: None });
    }
}
