//! SQL92 subscriptions on a real broker: pulls return only the messages whose properties match,
//! held pulls wake only for matching arrivals, bad expressions are refused with the position of
//! the fault, and a broker without enablePropertyFilter says so.

mod messaging;
mod support;

use std::time::{Duration, Instant};

use bolide_protocol::body::{CheckClientRequestBody, SubscriptionData};
use bolide_protocol::json::{self, KeyStyle};
use bolide_protocol::{RemotingCommand, RequestCode, ResponseCode};
use bolide_testkit::{free_port_pair, temp_dir};
use messaging::{create_topic, properties, pulled, start_broker, Outgoing, Pull, TryClient};

const EXPRESSION: &str = "a BETWEEN 1 AND 3 AND TAGS IN ('A', 'B')";

fn sql_pull(topic: &str, offset: i64, expression: &str) -> RemotingCommand {
    let pull = Pull::new("sql-group", topic, 0, offset);
    pull.request().with_ext("expressionType", "SQL92").with_ext("subscription", expression)
}

fn send(client: &mut TryClient, topic: &str, tag: &str, a: &str) {
    let outgoing = Outgoing::new(topic, 0, format!("{tag}-{a}"), properties(&[("TAGS", tag), ("a", a)]));
    assert_eq!(client.must(outgoing.v2()).code, 0);
}

fn check_client(expression: &str) -> RemotingCommand {
    let body = CheckClientRequestBody {
        client_id: "127.0.0.1@sql".to_owned(),
        group: "sql-group".to_owned(),
        namespace: None,
        subscription_data: Some(SubscriptionData {
            topic: "T".to_owned(),
            sub_string: expression.to_owned(),
            expression_type: "SQL92".to_owned(),
            ..SubscriptionData::default()
        }),
    };
    RemotingCommand::request(RequestCode::CHECK_CLIENT_CONFIG).with_body(json::to_vec(&body, KeyStyle::Fastjson))
}

#[test]
fn sql92_pulls_select_by_properties_and_bad_expressions_point_at_the_fault() {
    let dir = temp_dir();
    let port = free_port_pair();
    let _broker = start_broker(port, &dir.path().join("store"), None, &["enablePropertyFilter=true"]);
    let mut client = TryClient::connect(port).expect("connect");
    assert_eq!(client.must(create_topic("SqlTopic", 1)).code, 0);
    for (tag, a) in [("A", "1"), ("C", "2"), ("B", "3"), ("A", "7"), ("B", "2"), ("A", "x")] {
        send(&mut client, "SqlTopic", tag, a);
    }
    client.wait_readable("SqlTopic", 0, 6);

    let response = client.must(sql_pull("SqlTopic", 0, EXPRESSION));
    assert_eq!(response.code, 0, "{:?}", response.remark);
    let bodies: Vec<String> = pulled(&response).iter().map(|m| String::from_utf8_lossy(&m.body).into_owned()).collect();
    assert_eq!(bodies, ["A-1", "B-3", "B-2"]);

    // Nothing matches past offset 5: the consumer is told to retry from the next offset.
    let response = client.must(sql_pull("SqlTopic", 5, EXPRESSION));
    assert_eq!(response.code, ResponseCode::PULL_RETRY_IMMEDIATELY.0);

    // A held pull wakes for a matching arrival only.
    let pull = {
        let mut pull = Pull::new("sql-group", "SqlTopic", 0, 6);
        pull.sys_flag |= 0x2;
        pull.suspend_timeout_ms = 5_000;
        pull.request().with_ext("expressionType", "SQL92").with_ext("subscription", EXPRESSION)
    };
    let holder = std::thread::spawn(move || {
        let mut client = TryClient::connect(port).expect("connect");
        let started = Instant::now();
        let response = client.must(pull);
        (response, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(300));
    send(&mut client, "SqlTopic", "C", "2");
    std::thread::sleep(Duration::from_millis(700));
    send(&mut client, "SqlTopic", "A", "2");
    let (response, waited) = holder.join().expect("holder");
    assert_eq!(response.code, 0, "{:?}", response.remark);
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_secs(4), "woke after {waited:?}");
    let bodies: Vec<String> = pulled(&response).iter().map(|m| String::from_utf8_lossy(&m.body).into_owned()).collect();
    assert_eq!(bodies, ["A-2"]);

    // A bad expression: refused on pull and on CHECK_CLIENT_CONFIG, naming the position.
    let response = client.must(sql_pull("SqlTopic", 0, "a >> 1"));
    assert_eq!(response.code, ResponseCode::SUBSCRIPTION_PARSE_FAILED.0);
    let remark = response.remark.unwrap_or_default();
    assert!(remark.contains("line 1, column 4"), "{remark}");
    let response = client.must(check_client("a BETWEEN 3 AND 1"));
    assert_eq!(response.code, ResponseCode::SUBSCRIPTION_PARSE_FAILED.0);
    assert!(response.remark.unwrap_or_default().contains("less than or equal"));
    assert_eq!(client.must(check_client(EXPRESSION)).code, 0);
}

#[test]
fn sql92_is_refused_when_property_filtering_is_off() {
    let dir = temp_dir();
    let port = free_port_pair();
    let _broker = start_broker(port, &dir.path().join("store"), None, &[]);
    let mut client = TryClient::connect(port).expect("connect");
    assert_eq!(client.must(create_topic("SqlOff", 1)).code, 0);
    let response = client.must(sql_pull("SqlOff", 0, EXPRESSION));
    assert_eq!(response.code, ResponseCode::SYSTEM_ERROR.0);
    assert!(response.remark.unwrap_or_default().contains("SQL92"));
    let response = client.must(check_client(EXPRESSION));
    assert_eq!(response.code, ResponseCode::SYSTEM_ERROR.0);
}
