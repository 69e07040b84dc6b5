//! SEND_BATCH_MESSAGE request bodies as the broker receives them.
//!
//! Properties checked on every input:
//! - no decoder panics;
//! - borrowed and shared (`Bytes`) decoding agree, and shared slices point into the input;
//! - the decoded entries never cover more than the input, and re-encoding the decoded prefix
//!   reproduces it byte for byte once the ignored magic and CRC words are zeroed;
//! - iteration stops after at most one error.

use bolide_protocol::message::batch::{self, BatchEntry};
use bytes::{Bytes, BytesMut};

pub fn check(data: &[u8]) {
    let body = Bytes::copy_from_slice(data);
    let borrowed: Vec<_> = batch::entries(data).collect();
    let shared: Vec<_> = batch::shared_entries(&body).collect();
    assert_eq!(borrowed.len(), shared.len());
    assert!(borrowed.iter().filter(|item| item.is_err()).count() <= 1);

    let mut reencoded = BytesMut::new();
    let mut expected = Vec::new();
    let mut consumed = 0;
    for (borrowed, shared) in borrowed.iter().zip(&shared) {
        let (Ok(borrowed), Ok(shared)) = (borrowed, shared) else {
            assert!(borrowed.is_err() && shared.is_err());
            break;
        };
        assert_eq!(shared.as_entry(), *borrowed);
        let range = body.as_ptr() as usize..body.as_ptr() as usize + body.len();
        assert!(shared.body.is_empty() || range.contains(&(shared.body.as_ptr() as usize)));
        let size = borrowed.encode_into(&mut reencoded).expect("a decoded entry re-encodes");
        assert!(consumed + size <= data.len());
        let mut entry = data[consumed..consumed + size].to_vec();
        entry[4..12].fill(0);
        expected.extend_from_slice(&entry);
        consumed += size;
        let (again, again_size) = BatchEntry::decode(&reencoded[reencoded.len() - size..]).expect("decodes");
        assert_eq!((again, again_size), (*borrowed, size));
    }
    assert_eq!(&reencoded[..], &expected[..]);
}
