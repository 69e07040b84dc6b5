//! `QueryConsumeTimeSpanRequestHeader`: QUERY_CONSUME_TIME_SPAN (303), admin → broker
//! (`codes.md` §8).
//!
//! Wire: `topic` R, `group` R, + inherited §3 fields.

define_header! {
    /// Asks for the store-time span of each queue and the group's position in it.
    QueryConsumeTimeSpanRequestHeader {
        /// Topic.
        topic: String = "topic", required;
        /// Consumer group.
        group: String = "group", required;
    }
    inherits rpc;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::testing::{assert_golden, assert_required_named, assert_round_trip};

    const WIRE: [(&str, &str); 2] = [("topic", "TopicTest"), ("group", "cg")];

    #[test]
    fn golden() {
        let header =
            QueryConsumeTimeSpanRequestHeader { topic: "TopicTest".into(), group: "cg".into(), ..Default::default() };
        assert_golden(&WIRE, &header);
    }

    #[test]
    fn missing_required_is_named() {
        assert_required_named::<QueryConsumeTimeSpanRequestHeader>(
            &WIRE,
            QueryConsumeTimeSpanRequestHeader::WIRE_FIELDS,
        );
    }

    #[test]
    fn round_trip() {
        assert_round_trip(&QueryConsumeTimeSpanRequestHeader {
            topic: "t".into(),
            group: "g".into(),
            ..Default::default()
        });
    }
}
