//! Server-sent events (`text/event-stream`): the `data:` payload of each event
//! is redacted as JSON when it parses as JSON, else as text; other fields and
//! comments are redacted as text.

use crate::error::RedactError;
use crate::json::JsonRedactor;
use crate::policy::Policy;
use crate::summary::{Counters, RedactionSummary};
use crate::text::redact_all;

/// A push-style redactor for an event stream. Each event is held until its
/// blank line (at most [`Limits::max_pending`](crate::Limits::max_pending)
/// bytes), then written redacted, so events still flow one by one. Lines end
/// with `\n` or `\r\n`; output lines end with `\n`.
///
/// ```
/// use shroud_redact::{Policy, SseRedactor};
///
/// let mut r = SseRedactor::new(Policy::default());
/// let mut out = Vec::new();
/// r.feed(b"event: user\ndata: {\"mail\":\"jane@", &mut out)?;
/// r.feed(b"example.com\"}\n\ndata: hi bob@example.com\n\n", &mut out)?;
/// r.finish(&mut out)?;
/// assert_eq!(
///     out,
///     b"event: user\ndata: {\"mail\":\"[REDACTED:email]\"}\n\ndata: hi [REDACTED:email]\n\n"
/// );
/// # Ok::<(), shroud_redact::RedactError>(())
/// ```
pub struct SseRedactor {
    policy: Policy,
    /// The current event's bytes, up to the last complete line.
    event: Vec<u8>,
    /// Where the current, unfinished line starts in `event`.
    line_start: usize,
    data: Vec<u8>,
    counters: Counters,
}

/// Shows how much is held, never the bytes (not yet redacted).
impl std::fmt::Debug for SseRedactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SseRedactor")
            .field("held_bytes", &(self.event.len() + self.data.len()))
            .finish_non_exhaustive()
    }
}

impl SseRedactor {
    /// A redactor for one event stream.
    pub fn new(policy: Policy) -> SseRedactor {
        SseRedactor {
            policy,
            event: Vec::new(),
            line_start: 0,
            data: Vec::new(),
            counters: Counters::default(),
        }
    }

    /// What was redacted so far.
    pub fn summary(&self) -> RedactionSummary {
        self.counters.summary(&self.policy)
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Redacts the next bytes; complete events are written to `out`.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), RedactError> {
        let before = out.len();
        self.counters.bytes_in += input.len() as u64;
        let max = self.policy.inner.limits.max_pending;
        let mut rest = input;
        while let Some(nl) = memchr::memchr(b'\n', rest) {
            self.event.extend_from_slice(&rest[..=nl]);
            rest = &rest[nl + 1..];
            let line = &self.event[self.line_start..self.event.len() - 1];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                self.line_start = self.event.len();
                self.flush_event(out);
            } else {
                self.line_start = self.event.len();
            }
            if self.event.len() > max {
                return Err(RedactError::TokenTooLong { max });
            }
        }
        self.event.extend_from_slice(rest);
        if self.event.len() > max {
            return Err(RedactError::TokenTooLong { max });
        }
        self.counters.bytes_out += (out.len() - before) as u64;
        Ok(())
    }

    /// Ends the stream: an unfinished last event is written redacted.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), RedactError> {
        let before = out.len();
        if !self.event.is_empty() {
            if self.event.last() != Some(&b'\n') {
                self.event.push(b'\n');
            }
            self.flush_event(out);
        }
        self.counters.bytes_out += (out.len() - before) as u64;
        Ok(())
    }

    fn flush_event(&mut self, out: &mut Vec<u8>) {
        let event = std::mem::take(&mut self.event);
        self.line_start = 0;
        let inner = self.policy.inner.clone();
        let Some(red) = &inner.redactor else {
            if inner.rules.is_empty() {
                out.extend_from_slice(&event);
                self.event = event;
                self.event.clear();
                return;
            }
            self.write_event(&event, None, out);
            self.event = event;
            self.event.clear();
            return;
        };
        self.write_event(&event, Some(red), out);
        self.event = event;
        self.event.clear();
    }

    fn write_event(&mut self, event: &[u8], red: Option<&shroud_core::Redactor>, out: &mut Vec<u8>) {
        self.data.clear();
        let mut has_data = false;
        let mut first_data = true;
        for line in event.split(|b| *b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            if let Some(v) = line.strip_prefix(b"data")
                && (v.is_empty() || v[0] == b':')
            {
                let v = v.strip_prefix(b":").unwrap_or(v);
                let v = v.strip_prefix(b" ").unwrap_or(v);
                if !first_data {
                    self.data.push(b'\n');
                }
                first_data = false;
                self.data.extend_from_slice(v);
                has_data = true;
                continue;
            }
            match red {
                Some(red) => redact_all(red, line, out, &mut self.counters),
                None => out.extend_from_slice(line),
            }
            out.push(b'\n');
        }
        if has_data {
            let mut payload = Vec::with_capacity(self.data.len());
            let mut json = JsonRedactor::new(self.policy.clone());
            let is_json = !self.data.iter().all(u8::is_ascii_whitespace)
                && json.feed(&self.data, &mut payload).is_ok()
                && json.finish(&mut payload).is_ok();
            if is_json {
                self.counters.merge(json.counters());
            } else {
                payload.clear();
                match red {
                    Some(red) => redact_all(red, &self.data, &mut payload, &mut self.counters),
                    None => payload.extend_from_slice(&self.data),
                }
            }
            for l in payload.split(|b| *b == b'\n') {
                out.extend_from_slice(b"data: ");
                out.extend_from_slice(l);
                out.push(b'\n');
            }
        }
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use shroud_core::Strategy;

    use super::*;

    fn run(policy: &Policy, input: &[u8], chunk: usize) -> Vec<u8> {
        let mut r = SseRedactor::new(policy.clone());
        let mut out = Vec::new();
        for c in input.chunks(chunk) {
            r.feed(c, &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        out
    }

    #[test]
    fn json_and_text_events_across_any_split() {
        let p = Policy::builder().key("password", Strategy::Drop).build().unwrap();
        let input = b": comment by ops@example.com\r\nid: 1\r\ndata: {\"password\":\"x\",\r\ndata: \"m\":\"a@example.com\"}\r\n\r\nevent: note\ndata: call +1 415 555 2671\n\ndata: [1,2]\n\n";
        let want = b": comment by [REDACTED:email]\nid: 1\ndata: {\ndata: \"m\":\"[REDACTED:email]\"}\n\nevent: note\ndata: call [REDACTED:phone]\n\ndata: [1,2]\n\n";
        for chunk in [1, 2, 5, 17, input.len()] {
            assert_eq!(
                String::from_utf8(run(&p, input, chunk)).unwrap(),
                String::from_utf8_lossy(want)
            );
        }
        let mut r = SseRedactor::new(p);
        let mut out = Vec::new();
        r.feed(input, &mut out).unwrap();
        r.finish(&mut out).unwrap();
        let s = r.summary();
        assert_eq!(s.rules["password"], 1);
        assert_eq!(s.detectors["email"], 2);
        assert_eq!(s.detectors["phone"], 1);
    }

    #[test]
    fn events_are_written_as_they_complete() {
        let mut r = SseRedactor::new(Policy::default());
        let mut out = Vec::new();
        r.feed(b"data: one\n\ndata: tw", &mut out).unwrap();
        assert_eq!(out, b"data: one\n\n");
    }

    #[test]
    fn oversized_events_are_refused() {
        let p = Policy::builder()
            .limits(crate::Limits {
                max_pending: 32,
                ..crate::Limits::default()
            })
            .build()
            .unwrap();
        let mut r = SseRedactor::new(p);
        let mut out = Vec::new();
        let err = r.feed(&[b'a'; 40], &mut out).unwrap_err();
        assert_eq!(err, RedactError::TokenTooLong { max: 32 });
        assert!(out.is_empty());
    }

    proptest! {
        #[test]
        fn arbitrary_streams_never_panic_nor_leak(
            prefix in prop::collection::vec(prop_oneof![any::<u8>(), prop::sample::select(b"data: \n\r{}\":,".to_vec())], 0..80),
            suffix in prop::collection::vec(prop_oneof![any::<u8>(), prop::sample::select(b"data: \n\r{}\":,".to_vec())], 0..80),
            chunk in 1usize..20,
        ) {
            let mut input = prefix;
            input.extend_from_slice(b" jane.roe@example.com ");
            input.extend_from_slice(&suffix);
            let mut r = SseRedactor::new(Policy::default());
            let mut out = Vec::new();
            for c in input.chunks(chunk) {
                if r.feed(c, &mut out).is_err() {
                    break;
                }
            }
            let _ = r.finish(&mut out);
            prop_assert!(!String::from_utf8_lossy(&out).contains("jane.roe@example.com"));
        }
    }
}
