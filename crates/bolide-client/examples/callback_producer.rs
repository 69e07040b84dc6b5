//! Fire-and-continue sends: `send_with_callback` returns as soon as the send is on its way and
//! hands the result to a callback later; at most `max_in_flight_callbacks` sends are
//! outstanding (the call waits for room beyond that).
//!
//! `cargo run -p bolide-client --example callback_producer -- 127.0.0.1:9876`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bolide_client::{ClientConfig, Message, Producer, ProducerOptions};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let namesrv = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9876".to_owned());
    let options = ProducerOptions { max_in_flight_callbacks: 64, ..ProducerOptions::new("example_callback_group") };
    let producer = Producer::with_options(ClientConfig::new(&namesrv), options).await?;
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    for i in 0..1000 {
        let (ok, failed) = (ok.clone(), failed.clone());
        producer
            .send_with_callback(Message::new("ExampleCallbacks", format!("event {i}")), move |result| match result {
                Ok(_) => {
                    ok.fetch_add(1, Ordering::Relaxed);
                }
                Err(err) => {
                    failed.fetch_add(1, Ordering::Relaxed);
                    eprintln!("event {i} failed: {err}");
                }
            })
            .await?;
    }
    // Every callback runs exactly once, success or failure.
    while ok.load(Ordering::Relaxed) + failed.load(Ordering::Relaxed) < 1000 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!("sent {} events, {} failed", ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    producer.shutdown().await;
    Ok(())
}
