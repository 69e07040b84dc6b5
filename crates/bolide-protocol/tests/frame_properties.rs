//! Property tests of the frame codec and both header serializations.

use bolide_protocol::command::{FLAG_ONEWAY, FLAG_RESPONSE};
use bolide_protocol::frame::{self, FrameLimits};
use bolide_protocol::{ExtFields, LanguageCode, RemotingCommand, SerializeType};
use bytes::BytesMut;
use proptest::prelude::*;

fn language() -> impl Strategy<Value = LanguageCode> {
    (0u8..=20).prop_map(LanguageCode::from_value)
}

fn ext_fields(non_empty_values: bool) -> impl Strategy<Value = Option<ExtFields>> {
    let value = if non_empty_values { "\\PC{1,12}" } else { "\\PC{0,12}" };
    proptest::option::of(proptest::collection::btree_map("[a-zA-Z_]{1,8}", value, 0..6))
        .prop_map(|map| map.map(|map| map.into_iter().collect()))
}

/// Commands as the JSON form can carry them: any values.
fn json_command() -> impl Strategy<Value = RemotingCommand> {
    (
        any::<i32>(),
        language(),
        any::<i32>(),
        any::<i32>(),
        prop_oneof![Just(0), Just(FLAG_RESPONSE), Just(FLAG_ONEWAY)],
        proptest::option::of("\\PC{0,20}"),
        ext_fields(false),
        proptest::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(code, language, version, opaque, flag, remark, ext_fields, body)| {
            let mut command = RemotingCommand::request(code.into()).with_body(body);
            command.language = language;
            command.version = version;
            command.opaque = opaque;
            command.flag = flag;
            command.remark = remark;
            command.ext_fields = ext_fields;
            command
        })
}

/// Commands as the binary form can carry them: 16-bit code and version, no empty strings.
fn binary_command() -> impl Strategy<Value = RemotingCommand> {
    (json_command(), any::<i16>(), any::<i16>(), proptest::option::of("\\PC{1,20}"), ext_fields(true)).prop_map(
        |(mut command, code, version, remark, ext)| {
            command.code = code.into();
            command.version = version.into();
            command.remark = remark;
            command.ext_fields = ext.filter(|fields| !fields.is_empty());
            command.serialize_type = SerializeType::RocketMq;
            command
        },
    )
}

proptest! {
    #[test]
    fn json_frames_round_trip(command in json_command()) {
        let mut buf = BytesMut::new();
        frame::encode(&command, &mut buf, FrameLimits::default()).unwrap();
        let decoded = frame::decode(&mut buf, FrameLimits::default()).unwrap().unwrap();
        prop_assert_eq!(decoded, command);
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn binary_frames_round_trip(command in binary_command()) {
        let mut buf = BytesMut::new();
        frame::encode(&command, &mut buf, FrameLimits::default()).unwrap();
        let decoded = frame::decode(&mut buf, FrameLimits::default()).unwrap().unwrap();
        prop_assert_eq!(decoded, command);
    }

    #[test]
    fn every_prefix_is_incomplete_and_untouched(command in json_command(), cut in any::<prop::sample::Index>()) {
        let mut whole = BytesMut::new();
        frame::encode(&command, &mut whole, FrameLimits::default()).unwrap();
        let cut = cut.index(whole.len());
        let mut partial = BytesMut::from(&whole[..cut]);
        prop_assert!(frame::decode(&mut partial, FrameLimits::default()).unwrap().is_none());
        prop_assert_eq!(partial.len(), cut);
    }

    #[test]
    fn arbitrary_bytes_never_panic_nor_overconsume(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut buf = BytesMut::from(&data[..]);
        let limits = FrameLimits { max_frame_bytes: 4096 };
        while let Ok(Some(_)) = frame::decode(&mut buf, limits) {}
        prop_assert!(buf.len() <= data.len());
    }
}
