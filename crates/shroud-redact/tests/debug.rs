//! Debug output of a redactor holding unredacted bytes shows none of them.

use shroud_core::Strategy;
use shroud_redact::{JsonRedactor, NdjsonRedactor, Policy, SseRedactor, TextRedactor};

const SECRET: &str = "jane.roe@example.com";

fn policy() -> Policy {
    Policy::builder().key("password", Strategy::Drop).build().unwrap()
}

#[test]
fn redactors_holding_a_value_do_not_show_it() {
    let mut out = Vec::new();
    // Each input ends inside a token, so the value is held, unscanned.
    let mut json = JsonRedactor::new(policy());
    json.feed(format!(r#"{{"{SECRET}":1,"a":"{SECRET}"#).as_bytes(), &mut out)
        .unwrap();
    let mut ndjson = NdjsonRedactor::new(policy());
    ndjson
        .feed(format!(r#"{{"a":"{SECRET}"#).as_bytes(), &mut out)
        .unwrap();
    let mut sse = SseRedactor::new(policy());
    sse.feed(format!("data: {SECRET}").as_bytes(), &mut out).unwrap();
    let mut text = TextRedactor::new(policy());
    text.feed(format!("mail {SECRET}").as_bytes(), &mut out).unwrap();
    for shown in [
        format!("{json:?}"),
        format!("{ndjson:?}"),
        format!("{sse:?}"),
        format!("{text:?}"),
    ] {
        assert!(!shown.contains("jane"), "{shown}");
        assert!(!shown.contains("114, 111, 101"), "bytes shown: {shown}"); // "roe"
    }
    assert!(format!("{json:?}").contains("pending_bytes"));
    assert!(!String::from_utf8_lossy(&out).contains(SECRET));
}
