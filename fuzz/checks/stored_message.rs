//! Stored message records as a commit log reader and a pull-body consumer see them.
//!
//! Properties checked on every input:
//! - no decoder panics;
//! - a decoded record never claims more bytes than it was given;
//! - decode then encode reproduces the record byte for byte, except the body CRC, which the
//!   encoder recomputes (so it must equal the masked CRC of the body);
//! - walking a concatenation stops inside the input and reports at most one error.

use bolide_protocol::message::stored::{self, body_crc, Record, StoredMessage, BODY_CRC_AT};

fn check_round_trip(input: &[u8], message: &StoredMessage<'_>) {
    let size = message.total_size();
    assert!(size <= input.len(), "record claims {size} of {} bytes", input.len());
    assert_eq!(message.as_bytes(), &input[..size]);
    let record = message.to_record();
    assert_eq!(record.encoded_len(), Ok(size));
    let mut encoded = vec![0u8; size];
    assert_eq!(record.write_to(&mut encoded), Ok(size));
    let mut expected = input[..size].to_vec();
    expected[BODY_CRC_AT..BODY_CRC_AT + 4].copy_from_slice(&body_crc(message.body()).to_be_bytes());
    assert_eq!(encoded, expected);
    let again = StoredMessage::decode(&encoded).expect("an encoded record decodes");
    assert_eq!(again.to_record(), record);
    assert!(again.check_body_crc().is_ok());
}

pub fn check(data: &[u8]) {
    match Record::decode(data) {
        Ok(Record::Message(message)) => {
            check_round_trip(data, &message);
            let _ = (message.tags_code(), message.unique_key(), message.offset_message_id().to_string());
        }
        Ok(Record::Blank { total_size }) => assert!(total_size >= stored::BLANK_RECORD_BYTES),
        Err(_) => {}
    }

    let mut walk = stored::messages(data);
    let mut consumed = 0;
    let mut errors = 0;
    for item in walk.by_ref() {
        match item {
            Ok(message) => {
                check_round_trip(&data[consumed..], &message);
                consumed += message.total_size();
            }
            Err(_) => errors += 1,
        }
    }
    assert!(errors <= 1);
    assert!(consumed <= data.len());
    assert!(walk.position() <= data.len());
}
