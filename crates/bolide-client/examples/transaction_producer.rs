//! Transactional messages: each order message is sent as a half message, the local transaction
//! (here: remembering the order in a map) decides commit or rollback, and the broker's later
//! check-back of an undecided transaction is answered from the same map.
//!
//! `cargo run -p bolide-client --example transaction_producer -- 127.0.0.1:9876`

use std::collections::HashMap;
use std::sync::Mutex;

use bolide_client::{
    ClientConfig, ListenerError, Message, MessageExt, TransactionListener, TransactionProducer, TransactionState,
};

/// The "local database": transaction id → whether the order was accepted.
#[derive(Default)]
struct Orders {
    accepted: Mutex<HashMap<String, bool>>,
}

impl TransactionListener for Orders {
    /// The order amount; orders above 100 are refused.
    type Arg = u32;

    async fn execute(&self, _message: &Message, id: &str, amount: u32) -> Result<TransactionState, ListenerError> {
        let accepted = amount <= 100;
        self.accepted.lock().map_err(|_| "poisoned")?.insert(id.to_owned(), accepted);
        Ok(if accepted { TransactionState::Commit } else { TransactionState::Rollback })
    }

    async fn check(&self, message: &MessageExt) -> Result<TransactionState, ListenerError> {
        // Called only if the broker never learned the outcome (e.g. END_TRANSACTION was lost).
        Ok(match self.accepted.lock().map_err(|_| "poisoned")?.get(message.msg_id()) {
            Some(true) => TransactionState::Commit,
            Some(false) => TransactionState::Rollback,
            None => TransactionState::Unknown,
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let namesrv = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9876".to_owned());
    let config = ClientConfig::new(&namesrv);
    let producer = TransactionProducer::start(config, "example_transaction_group", Orders::default()).await?;
    for (order, amount) in [("order-1", 20), ("order-2", 500), ("order-3", 80)] {
        let message = Message::new("ExampleTransactions", format!("{order} amount {amount}")).with_keys([order]);
        let result = producer.send_in_transaction(&message, amount).await?;
        println!("{order}: {:?} (id {})", result.local_state, result.send_result.msg_id);
    }
    producer.shutdown().await;
    Ok(())
}
