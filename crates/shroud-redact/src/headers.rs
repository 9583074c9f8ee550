//! Response header redaction.

use http::header::{HeaderMap, HeaderValue, SET_COOKIE};

use crate::policy::Policy;
use crate::summary::Counters;

/// Redacts `headers` in place: configured names get `[REDACTED]`, every
/// other value outside the allow-list is scanned by the detectors.
/// `Set-Cookie` is left alone unless configured. Answers how many values
/// changed.
pub(crate) fn redact_headers(policy: &Policy, headers: &mut HeaderMap, counters: &mut Counters) -> u64 {
    let inner = &*policy.inner;
    let mut changed = 0;
    let mut buf = Vec::new();
    for (name, value) in headers.iter_mut() {
        if inner.header_redact.iter().any(|n| n == name) {
            *value = HeaderValue::from_static(shroud_core::REDACTED);
            changed += 1;
            continue;
        }
        if !inner.headers.scan
            || inner.header_allow.iter().any(|n| n == name)
            || (name == SET_COOKIE && !inner.headers.set_cookie)
        {
            continue;
        }
        let Some(red) = &inner.redactor else { continue };
        let findings = crate::scan::scan(red.scanner(), value.as_bytes());
        if findings.is_empty() {
            continue;
        }
        buf.clear();
        crate::text::write_redacted(red, value.as_bytes(), &findings, &mut buf, counters);
        *value = HeaderValue::from_bytes(&buf).unwrap_or(HeaderValue::from_static(shroud_core::REDACTED));
        value.set_sensitive(true);
        changed += 1;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_detectors_allow_list_and_cookies() {
        let p = Policy::builder().redact_header("x-user-email").build().unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-user-email", HeaderValue::from_static("opaque"));
        h.insert(
            "x-debug",
            HeaderValue::from_static("user jane@example.com from 10.1.2.3"),
        );
        h.insert("content-type", HeaderValue::from_static("application/json"));
        h.insert("date", HeaderValue::from_static("Tue, 15 Nov 1994 08:12:31 GMT"));
        h.insert("set-cookie", HeaderValue::from_static("who=jane@example.com"));
        h.insert("x-clean", HeaderValue::from_static("nothing here"));
        let mut c = Counters::default();
        assert_eq!(redact_headers(&p, &mut h, &mut c), 2);
        assert_eq!(h["x-user-email"], "[REDACTED]");
        assert_eq!(h["x-debug"], "user [REDACTED:email] from [REDACTED:ipv4]");
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(h["set-cookie"], "who=jane@example.com");
        assert_eq!(h["x-clean"], "nothing here");
        assert!(h["x-debug"].is_sensitive());

        let cookies = Policy::builder()
            .headers(crate::HeaderConfig {
                set_cookie: true,
                ..crate::HeaderConfig::default()
            })
            .build()
            .unwrap();
        redact_headers(&cookies, &mut h, &mut c);
        assert!(h["set-cookie"].to_str().unwrap().contains("[REDACTED:email]"));
    }
}
