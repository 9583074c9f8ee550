//! Server-sent events (`text/event-stream`): the `data:` payload of each event
//! is redacted as JSON when it parses as JSON, else as text; other fields and
//! comments are redacted as text. Lines are split as browsers split them (CR,
//! LF or CRLF; a leading byte order mark dropped), so no field reaches a
//! client that the redactor read as something else.

use crate::error::RedactError;
use crate::json::JsonRedactor;
use crate::policy::Policy;
use crate::summary::{Counters, RedactionSummary};
use crate::text::redact_all;

/// A push-style redactor for an event stream. Each event is held until its
/// blank line (at most [`Limits::max_pending`](crate::Limits::max_pending)
/// bytes), then written redacted, so events still flow one by one. Lines end
/// with `\n`, `\r\n` or `\r`; output lines end with `\n`.
///
/// A `data` payload that starts like JSON (`{` or `[`) but is not valid
/// JSON within the limits is refused (the stream ends with the error) when
/// the policy has key or path rules and the payload holds a `"`: those
/// rules can only be applied to JSON, and scanning it as text would let the
/// values they name through. Other payloads that are not JSON (`[DONE]`,
/// plain text) are scanned as text.
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
    /// The last input byte was a CR: an LF right after it ends no new line.
    cr: bool,
    /// No event was written yet (a leading byte order mark is dropped).
    first: bool,
    /// Scratch for input whose line ends are rewritten to `\n`.
    norm: Vec<u8>,
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
            cr: false,
            first: true,
            norm: Vec::new(),
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
        // Every line end (CRLF, LF, lone CR) becomes one LF.
        let mut norm = std::mem::take(&mut self.norm);
        let input = if self.cr || memchr::memchr(b'\r', input).is_some() {
            norm.clear();
            for &b in input {
                if std::mem::take(&mut self.cr) && b == b'\n' {
                    continue;
                }
                if b == b'\r' {
                    self.cr = true;
                    norm.push(b'\n');
                } else {
                    norm.push(b);
                }
            }
            &norm[..]
        } else {
            input
        };
        let r = self.feed_lines(input, max, out);
        self.norm = norm;
        self.counters.bytes_out += (out.len() - before) as u64;
        r
    }

    fn feed_lines(&mut self, input: &[u8], max: usize, out: &mut Vec<u8>) -> Result<(), RedactError> {
        let mut rest = input;
        while let Some(nl) = memchr::memchr(b'\n', rest) {
            self.event.extend_from_slice(&rest[..=nl]);
            rest = &rest[nl + 1..];
            let mut line = &self.event[self.line_start..self.event.len() - 1];
            if self.first && self.line_start == 0 {
                line = line.strip_prefix(BOM).unwrap_or(line);
            }
            if line.is_empty() {
                self.line_start = self.event.len();
                self.flush_event(out)?;
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
        Ok(())
    }

    /// Ends the stream: an unfinished last event is written redacted.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), RedactError> {
        let before = out.len();
        let r = if self.event.is_empty() {
            Ok(())
        } else {
            if self.event.last() != Some(&b'\n') {
                self.event.push(b'\n');
            }
            self.flush_event(out)
        };
        self.counters.bytes_out += (out.len() - before) as u64;
        r
    }

    fn flush_event(&mut self, out: &mut Vec<u8>) -> Result<(), RedactError> {
        let mut event = std::mem::take(&mut self.event);
        self.line_start = 0;
        let start = if std::mem::take(&mut self.first) && event.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        let inner = self.policy.inner.clone();
        let r = match &inner.redactor {
            None if inner.rules.is_empty() => {
                out.extend_from_slice(&event[start..]);
                Ok(())
            }
            red => self.write_event(&event[start..], red.as_ref(), out),
        };
        event.clear();
        self.event = event;
        r
    }

    fn write_event(
        &mut self,
        event: &[u8],
        red: Option<&shroud_core::Redactor>,
        out: &mut Vec<u8>,
    ) -> Result<(), RedactError> {
        self.data.clear();
        let mut has_data = false;
        let mut first_data = true;
        // A refused payload takes the whole event back out of `out`.
        let start = out.len();
        for line in event.split(|b| *b == b'\n') {
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
            let parsed = if self.data.iter().all(u8::is_ascii_whitespace) {
                Err(RedactError::Truncated)
            } else {
                json.feed(&self.data, &mut payload)
                    .and_then(|()| json.finish(&mut payload))
            };
            match parsed {
                Ok(()) => self.counters.merge(json.counters()),
                Err(e) => {
                    if self.must_be_json(&e) {
                        out.truncate(start);
                        return Err(e);
                    }
                    payload.clear();
                    match red {
                        Some(red) => redact_all(red, &self.data, &mut payload, &mut self.counters),
                        None => payload.extend_from_slice(&self.data),
                    }
                }
            }
            for l in payload.split(|b| *b == b'\n') {
                out.extend_from_slice(b"data: ");
                out.extend_from_slice(l);
                out.push(b'\n');
            }
        }
        out.push(b'\n');
        Ok(())
    }

    /// Whether a payload the JSON redactor refused with `e` must not be sent
    /// as text: a limit was hit (it is JSON, too large or deep to redact), or
    /// it looks like JSON with members that key and path rules would name.
    fn must_be_json(&self, e: &RedactError) -> bool {
        if !matches!(e, RedactError::Syntax { .. } | RedactError::Truncated) {
            return true;
        }
        let looks_json = self
            .data
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| matches!(b, b'{' | b'['));
        looks_json && !self.policy.inner.rules.is_empty() && memchr::memchr(b'"', &self.data).is_some()
    }
}

/// The UTF-8 byte order mark, dropped at the start of a stream.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

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

    fn run_result(policy: &Policy, input: &[u8], chunk: usize) -> (Vec<u8>, Result<(), RedactError>) {
        let mut r = SseRedactor::new(policy.clone());
        let mut out = Vec::new();
        for c in input.chunks(chunk) {
            if let Err(e) = r.feed(c, &mut out) {
                return (out, Err(e));
            }
        }
        let end = r.finish(&mut out);
        (out, end)
    }

    #[test]
    fn lines_split_as_browsers_split_them() {
        // A browser ends lines at CR, LF or CRLF and drops a leading BOM: a
        // field it reads is a field the redactor read.
        let p = Policy::builder().key("password", Strategy::Drop).build().unwrap();
        let cases: [(&[u8], &[u8]); 4] = [
            (
                b"event: x\rdata: {\"password\":\"hunter2\"}\r\r",
                b"event: x\ndata: {}\n\n",
            ),
            (
                b"\xEF\xBB\xBFdata: {\"password\":\"hunter2\"}\n\n",
                b"data: {}\n\n",
            ),
            (
                b"data: {\"a\":1,\rdata: \"password\":\"hunter2\"}\n\n",
                b"data: {\"a\":1}\n\n",
            ),
            // CRLF is one line end, wherever a frame splits it.
            (
                b"data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n",
                b"data: a\ndata: b\n\ndata: c\n\n",
            ),
        ];
        for (input, want) in cases {
            for chunk in 1..=input.len() {
                let (out, end) = run_result(&p, input, chunk);
                assert_eq!(end, Ok(()));
                assert_eq!(
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(want),
                    "chunk {chunk}"
                );
            }
        }
    }

    #[test]
    fn json_payloads_the_rules_cannot_reach_are_refused() {
        let p = Policy::builder()
            .key("password", Strategy::Drop)
            .limits(crate::Limits {
                max_depth: 8,
                ..crate::Limits::default()
            })
            .build()
            .unwrap();
        let deep = format!(
            "data: {}{{\"password\":\"hunter2\"}}{}\n\n",
            "[".repeat(10),
            "]".repeat(10)
        );
        let refused: [(&[u8], RedactError); 3] = [
            (deep.as_bytes(), RedactError::TooDeep { max: 8 }),
            (
                b"data: {\"password\":\"hunter2\",}\n\n",
                RedactError::Syntax { offset: 22 },
            ),
            (b"data: [{\"password\":\"hunter2\"}\n\n", RedactError::Truncated),
        ];
        for (input, err) in refused {
            for chunk in [1, 7, input.len()] {
                let (out, end) = run_result(&p, input, chunk);
                assert_eq!(end, Err(err.clone()), "{}", String::from_utf8_lossy(input));
                assert!(out.is_empty(), "{}", String::from_utf8_lossy(&out));
            }
        }
        // Payloads that are not JSON with members pass as text, scanned.
        for (input, want) in [
            (&b"data: [DONE]\n\n"[..], &b"data: [DONE]\n\n"[..]),
            (
                b"data: he said \"mail a@example.com\"\n\n",
                b"data: he said \"mail [REDACTED:email]\"\n\n",
            ),
            (b"data: [1, 2\n\n", b"data: [1, 2\n\n"),
        ] {
            let (out, end) = run_result(&p, input, 3);
            assert_eq!(end, Ok(()));
            assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(want));
        }
        // Without key or path rules, detectors are all there is: a broken
        // JSON payload is scanned as text.
        let (out, end) = run_result(&Policy::default(), b"data: {\"m\":\"a@example.com\",}\n\n", 4);
        assert_eq!(end, Ok(()));
        assert_eq!(out, b"data: {\"m\":\"[REDACTED:email]\",}\n\n");
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
