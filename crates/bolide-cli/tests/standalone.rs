//! `bolide standalone`: a NameServer and a broker in one process, as the README's run command
//! starts them.

mod support;

use std::time::Duration;

use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_testkit::{free_port, free_port_pair, temp_dir, ServerProcess};
use serde_json::Value;
use support::{bolide, WireClient, START_TIMEOUT};

#[test]
fn one_process_serves_routes_and_broker_requests_and_stops_cleanly() {
    let dir = temp_dir();
    let namesrv_port = free_port();
    let broker_port = free_port_pair();
    let args = [
        "standalone".to_owned(),
        "--namesrv-port".to_owned(),
        namesrv_port.to_string(),
        "--broker-port".to_owned(),
        broker_port.to_string(),
        "--data-dir".to_owned(),
        dir.path().display().to_string(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut server = ServerProcess::start(&bolide(), &args, &[], "registered with name server", START_TIMEOUT);

    // The broker registered with the NameServer of the same process: TBW102 and the cluster
    // pseudo-topic route to it, on loopback.
    let mut client = WireClient::connect(namesrv_port);
    for topic in ["TBW102", "DefaultCluster"] {
        let response =
            client.call(RemotingCommand::request(RequestCode::GET_ROUTEINFO_BY_TOPIC).with_ext("topic", topic));
        assert_eq!(response.response_code(), ResponseCode::SUCCESS, "route of {topic}");
        let route: Value = serde_json::from_slice(&response.body.unwrap_or_default()).expect("JSON route");
        assert_eq!(route["brokerDatas"][0]["brokerAddrs"]["0"], format!("127.0.0.1:{broker_port}"));
    }
    let mut broker = WireClient::connect(broker_port);
    let topics = broker.call(RemotingCommand::request(RequestCode::GET_ALL_TOPIC_CONFIG));
    assert_eq!(topics.response_code(), ResponseCode::SUCCESS);

    drop(broker);
    drop(client);
    assert!(server.terminate(Duration::from_secs(15)), "SIGTERM stops both servers with exit code 0");
    let config_dir = dir.path().join("broker").join("config");
    assert!(config_dir.join("topics.json").exists(), "broker data lives under --data-dir: {}", server.output_text());
}
