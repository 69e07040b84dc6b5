//! Arbitrary bytes from one peer never hang or crash the server: the connection ends once the
//! peer stops sending, and a bystander keeps being served throughout.

mod common;

use bolide_remoting::RemotingClient;
use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tokio::io::AsyncWriteExt;

/// Raw bytes, or a frame with a correct length prefix around a random header word and content
/// (which reaches the header decoders instead of failing on the length).
fn input() -> impl Strategy<Value = Vec<u8>> {
    let raw = proptest::collection::vec(any::<u8>(), 0..300);
    let framed = (0u8..3, 0u32..300, proptest::collection::vec(any::<u8>(), 0..300)).prop_map(
        |(serialize_type, header_length, content)| {
            let mut bytes = ((4 + content.len()) as u32).to_be_bytes().to_vec();
            bytes.extend_from_slice(&((u32::from(serialize_type) << 24) | header_length).to_be_bytes());
            bytes.extend_from_slice(&content);
            bytes
        },
    );
    prop_oneof![raw, framed]
}

#[test]
fn arbitrary_input_ends_only_that_connection() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (server, bystander): (_, RemotingClient) = rt.block_on(async { (start_server().await, client()) });
    let addr = server.local_addr();
    let mut runner = TestRunner::new(Config { cases: 64, failure_persistence: None, ..Config::default() });
    let outcome = runner.run(&input(), |bytes| {
        rt.block_on(async {
            let mut raw = Raw::connect(addr).await;
            raw.send(&bytes).await;
            raw.stream.shutdown().await.expect("half-close");
            prop_assert!(raw.closed_by_peer().await, "the server ends the connection");
            let response = bystander.invoke(addr, echo("alive"), PROMPTLY).await;
            prop_assert!(response.is_ok(), "bystander served: {:?}", response);
            Ok(())
        })
    });
    rt.block_on(server.shutdown()).expect("clean stop");
    outcome.expect("property holds");
}
