//! Text bodies: detectors with a carry-over window between frames.

use shroud_core::{Outcome, Redactor};

use crate::error::RedactError;
use crate::policy::Policy;
use crate::summary::{Counters, RedactionSummary};

/// A push-style streaming text redactor.
///
/// # The window
///
/// A finding may be split across two frames (`jane.roe@exa` | `mple.com`).
/// The redactor holds back the last [`Limits::text_window`](crate::Limits::text_window) bytes (8 KiB by
/// default) of what it has seen and scans them again with the next frame, so
/// any finding up to that long is seen whole: a finding that starts before the
/// cut and runs past it moves the cut back to its start. The cut is put just
/// after a whitespace byte when one is in the window, so the next scan starts
/// at a word boundary, as the detectors expect. New input is scanned once at
/// least a window's worth has gathered, so small frames do not rescan the
/// window each time: the cost is at most twice a single scan, and memory is
/// the frame plus two windows. While a finding runs on past the cut (a
/// token that does not end), the next scan waits until what is held back
/// has doubled, so that even then the scanning stays linear. Findings longer than the window (a very long
/// PEM block or token) are only found when they arrive within one window's
/// reach; raise the window for such bodies. A finding that keeps growing
/// past [`Limits::max_pending`](crate::Limits::max_pending) (or two windows,
/// if larger) ends the body with [`RedactError::TokenTooLong`].
///
/// ```
/// use shroud_redact::{Policy, TextRedactor};
///
/// let mut r = TextRedactor::new(Policy::default());
/// let mut out = Vec::new();
/// r.feed(b"contact jane.roe@exa", &mut out)?;
/// r.feed(b"mple.com today", &mut out)?;
/// r.finish(&mut out)?;
/// assert_eq!(out, b"contact [REDACTED:email] today");
/// # Ok::<(), shroud_redact::RedactError>(())
/// ```
pub struct TextRedactor {
    policy: Policy,
    carry: Vec<u8>,
    /// What the last scan held back. Past two windows (a finding ran past
    /// the cut), the next scan waits until the carry has doubled from it
    /// (or passes the cap), so a finding that pins the carry costs a linear
    /// amount of scanning, not a rescan per frame.
    held: usize,
    counters: Counters,
    /// Bytes scanned so far, for the test of the above.
    #[cfg(test)]
    scanned: usize,
}

/// Shows how much is held back, never the bytes (not yet scanned).
impl std::fmt::Debug for TextRedactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextRedactor")
            .field("held_bytes", &self.carry.len())
            .finish_non_exhaustive()
    }
}

impl TextRedactor {
    /// A redactor for one text body.
    pub fn new(policy: Policy) -> TextRedactor {
        TextRedactor {
            policy,
            carry: Vec::new(),
            held: 0,
            counters: Counters::default(),
            #[cfg(test)]
            scanned: 0,
        }
    }

    /// What was redacted so far.
    pub fn summary(&self) -> RedactionSummary {
        self.counters.summary(&self.policy)
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Redacts the next bytes, appending what is safe to send to `out`.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), RedactError> {
        let before = out.len();
        self.counters.bytes_in += input.len() as u64;
        let inner = self.policy.inner.clone();
        let Some(red) = &inner.redactor else {
            out.extend_from_slice(input);
            self.counters.bytes_out += input.len() as u64;
            return Ok(());
        };
        let w = inner.limits.text_window;
        let max = inner.limits.max_pending.max(2 * w);
        self.carry.extend_from_slice(input);
        let len = self.carry.len();
        // Two windows, or twice what a finding running past the cut kept.
        let next = if self.held > 2 * w { 2 * self.held } else { 2 * w };
        if len < next.min(max + 1) {
            return Ok(());
        }
        let buf = &self.carry;
        let cut0 = buf.len() - w;
        let floor = cut0.saturating_sub(w);
        let mut cut = match memchr::memrchr3(b' ', b'\n', b'\t', &buf[floor..cut0]) {
            Some(p) => floor + p + 1,
            None => cut0,
        };
        let mut findings = Vec::new();
        #[cfg(test)]
        {
            self.scanned += buf.len();
        }
        crate::scan::for_each(red.scanner(), buf, |f| {
            if f.range.start < cut {
                if f.range.end > cut {
                    cut = f.range.start;
                } else {
                    findings.push(f);
                }
            }
        });
        findings.retain(|f| f.range.end <= cut);
        write_redacted(red, &buf[..cut], &findings, out, &mut self.counters);
        self.carry.drain(..cut);
        self.held = self.carry.len();
        self.counters.bytes_out += (out.len() - before) as u64;
        // What is held back is two windows at most, unless a finding runs
        // past the cut (a token that does not end): refused past the cap,
        // as it can neither be sent whole nor redacted in part.
        if self.carry.len() > max {
            return Err(RedactError::TokenTooLong { max });
        }
        Ok(())
    }

    /// Ends the body: scans and writes what was held back.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), RedactError> {
        let before = out.len();
        let inner = self.policy.inner.clone();
        if let Some(red) = &inner.redactor {
            let buf = std::mem::take(&mut self.carry);
            let findings = crate::scan::scan(red.scanner(), &buf);
            write_redacted(red, &buf, &findings, out, &mut self.counters);
        }
        self.counters.bytes_out += (out.len() - before) as u64;
        Ok(())
    }
}

/// Writes `text` with `findings` (in order, inside `text`) replaced.
pub(crate) fn write_redacted(
    red: &Redactor,
    text: &[u8],
    findings: &[shroud_core::Finding],
    out: &mut Vec<u8>,
    counters: &mut Counters,
) {
    let mut last = 0;
    for f in findings {
        out.extend_from_slice(&text[last..f.range.start]);
        let raw = &text[f.range.clone()];
        // Findings only span ASCII bytes.
        let value = std::str::from_utf8(raw).unwrap_or_default();
        counters.kind(f.kind);
        match red.replacement(f, value) {
            Outcome::Keep => out.extend_from_slice(raw),
            Outcome::Replace(r) => out.extend_from_slice(r.as_bytes()),
            Outcome::Drop => {}
        }
        last = f.range.end;
    }
    out.extend_from_slice(&text[last..]);
}

/// Redacts a whole piece of text (header values, SSE fields).
pub(crate) fn redact_all(red: &Redactor, text: &[u8], out: &mut Vec<u8>, counters: &mut Counters) {
    let findings = crate::scan::scan(red.scanner(), text);
    write_redacted(red, text, &findings, out, counters);
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::policy::Limits;

    fn small_window() -> Policy {
        Policy::builder()
            .limits(Limits {
                text_window: 64,
                ..Limits::default()
            })
            .build()
            .unwrap()
    }

    fn run(policy: &Policy, input: &[u8], chunk: usize) -> Vec<u8> {
        let mut r = TextRedactor::new(policy.clone());
        let mut out = Vec::new();
        for c in input.chunks(chunk.max(1)) {
            r.feed(c, &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        out
    }

    /// The default policy with `max_pending` at `cap`.
    fn capped(cap: usize) -> Policy {
        Policy::builder()
            .limits(crate::Limits {
                max_pending: cap,
                ..crate::Limits::default()
            })
            .build()
            .unwrap()
    }

    /// Values written with HTML character references are replaced whole,
    /// references included, in any framing.
    #[test]
    fn character_references_hide_nothing() {
        let page = "<p>Mail <a href=\"mailto:&#106;a&#x6e;e&#64;&#x65;xample&#46;com\">Jane</a> \
                    or call +1&nbsp;415&nbsp;555&nbsp;2671, card 4111&#32;1111&#32;1111&#32;1111.</p>";
        for chunk in [1, 7, page.len()] {
            let out = String::from_utf8(run(&Policy::default(), page.as_bytes(), chunk)).unwrap();
            for leak in ["&#106;", "a&#x6e;e", "&#x65;xample", "415", "2671", "4111"] {
                assert!(!out.contains(leak), "{chunk}: {leak} in {out}");
            }
            assert_eq!(out.matches("[REDACTED:").count(), 3, "{out}");
            assert!(
                out.starts_with("<p>Mail <a href=\"mailto:[REDACTED:email]\">Jane</a>"),
                "{out}"
            );
        }
    }

    /// Values in URLs, percent-encoded and form-encoded (a link in a
    /// page, a logged request line), are replaced whole, escapes included,
    /// in any framing.
    #[test]
    fn percent_escapes_hide_nothing() {
        let page = "GET /signup?phone=%2B1+415+555+2671&card=4111%201111%201111%201111\
                    &ssn=123%2D45%2D6789&next=%2Fhome HTTP/1.1\n";
        for chunk in [1, 7, page.len()] {
            let out = String::from_utf8(run(&Policy::default(), page.as_bytes(), chunk)).unwrap();
            for leak in ["415", "2671", "4111", "6789"] {
                assert!(!out.contains(leak), "{chunk}: {leak} in {out}");
            }
            assert_eq!(
                out,
                "GET /signup?phone=[REDACTED:phone]&card=[REDACTED:card]\
                 &ssn=[REDACTED:ssn]&next=%2Fhome HTTP/1.1\n",
                "{chunk}"
            );
        }
    }

    #[test]
    fn a_finding_that_never_ends_is_refused_at_the_cap() {
        // A bearer token that keeps growing can be neither sent whole nor cut:
        // held up to the cap, then refused, nothing of it sent.
        let mut r = TextRedactor::new(capped(64 << 10));
        let mut out = Vec::new();
        r.feed(b"auth: Bearer ", &mut out).unwrap();
        let frame = [b'A'; 4096];
        let mut err = None;
        for _ in 0..64 {
            if let Err(e) = r.feed(&frame, &mut out) {
                err = Some(e);
                break;
            }
        }
        assert_eq!(err, Some(RedactError::TokenTooLong { max: 64 << 10 }));
        assert!(!out.windows(16).any(|w| w == [b'A'; 16]), "{}", out.len());
        // A long run of words is not held: it streams through.
        let mut r = TextRedactor::new(Policy::default());
        let mut out = Vec::new();
        for _ in 0..4096 {
            r.feed(b"nothing personal here at all ", &mut out).unwrap();
        }
        assert!(out.len() >= 4096 * 29 - 2 * (8 << 10) - 29, "{}", out.len());
    }

    #[test]
    fn a_finding_held_past_the_cut_is_not_rescanned_per_frame() {
        let cap = 256 << 10;
        let mut r = TextRedactor::new(capped(cap));
        let mut out = Vec::new();
        r.feed(b"auth: Bearer ", &mut out).unwrap();
        let mut fed = 0;
        while r.feed(&[b'A'; 64], &mut out).is_ok() {
            fed += 64;
        }
        assert!(fed >= cap - 64, "{fed}");
        // Scanned a small multiple of what arrived, not the held bytes once
        // a frame (about 512 MiB here).
        assert!(r.scanned <= 4 * cap, "{} bytes scanned", r.scanned);
        // The token ends: what follows streams again.
        let mut r = TextRedactor::new(Policy::default());
        let mut out = Vec::new();
        r.feed(b"auth: Bearer ", &mut out).unwrap();
        for _ in 0..1024 {
            r.feed(&[b'A'; 64], &mut out).unwrap();
        }
        for _ in 0..4096 {
            r.feed(b" words and more words", &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with("auth: [REDACTED:bearer] words"), "{}", &s[..40]);
        assert!(!s.contains("AAAAAAAA"));
    }

    #[test]
    fn findings_split_across_frames_are_found() {
        let p = small_window();
        let mut text = Vec::new();
        for i in 0..200 {
            text.extend_from_slice(
                format!("line {i} mail user{i}@example.com card 4111 1111 1111 1111\n").as_bytes(),
            );
        }
        let whole = run(&p, &text, text.len());
        let s = String::from_utf8(whole.clone()).unwrap();
        assert!(!s.contains("@example.com"));
        assert!(!s.contains("4111 1111"));
        for chunk in [1, 2, 3, 7, 63, 64, 65, 100, 1000] {
            assert_eq!(run(&p, &text, chunk), whole, "chunk {chunk}");
        }
    }

    #[test]
    fn memory_is_bounded_by_the_window() {
        let p = small_window();
        let mut r = TextRedactor::new(p);
        let mut out = Vec::new();
        let word = b"abcdefghij".repeat(100);
        for _ in 0..100 {
            r.feed(&word, &mut out).unwrap();
            assert!(r.carry.len() <= 2 * 64 + word.len());
        }
        r.finish(&mut out).unwrap();
        assert_eq!(out.len(), 100 * word.len());
    }

    #[test]
    fn detectors_off_passes_through() {
        let p = Policy::builder().detectors(false).build().unwrap();
        assert_eq!(run(&p, b"jane@example.com", 3), b"jane@example.com");
    }

    proptest! {
        #[test]
        fn planted_secret_never_survives_any_split(
            pre in "[a-z \n]{0,200}",
            post in "[a-z \n]{0,200}",
            chunk in 1usize..50,
        ) {
            let text = format!("{pre} jane.roe@example.com {post}");
            let out = run(&small_window(), text.as_bytes(), chunk);
            prop_assert!(!String::from_utf8_lossy(&out).contains("jane.roe@example.com"));
        }
    }
}
