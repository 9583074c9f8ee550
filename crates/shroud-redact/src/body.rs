//! [`RedactBody`]: the response body wrapper.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};

use crate::codec::Codec;
use crate::error::{BodyError, RedactError};
use crate::headers::redact_headers;
use crate::json::JsonRedactor;
use crate::json::opens_like_document;
use crate::ndjson::NdjsonRedactor;
use crate::policy::Policy;
use crate::sse::{BOM, SseRedactor};
use crate::summary::{Counters, OnSummary, RedactionSummary};
use crate::text::TextRedactor;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How a body is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Ndjson,
    Sse,
    Text,
}

#[derive(Debug)]
pub(crate) enum Engine {
    /// The start of the body, held until its first bytes say how to read
    /// it: see [`sniff`].
    Start {
        format: Format,
        policy: Policy,
        held: Vec<u8>,
    },
    Json(JsonRedactor),
    Ndjson(NdjsonRedactor),
    Sse(SseRedactor),
    Text(TextRedactor),
    /// The start was refused; nothing more is read.
    Refused,
}

/// What an engine that has not started (or was refused) counted: nothing.
static NOTHING_COUNTED: Counters = Counters {
    rules: Vec::new(),
    kinds: Vec::new(),
    bytes_in: 0,
    bytes_out: 0,
};

/// What the first bytes of a body say.
#[derive(Debug, PartialEq, Eq)]
enum Sniff {
    /// Too few bytes to tell.
    Wait,
    /// UTF-16 or UTF-32: the detectors read ASCII-compatible bytes, and
    /// would find nothing in it.
    Refuse,
    /// Read as the content type says.
    Read(Format),
    /// Text that opens like a JSON document while key or path rules exist:
    /// read as a sequence of JSON documents, so that the rules apply (a
    /// handler returning JSON as a `String` sends `text/plain`).
    JsonText,
}

/// The most bytes held to decide how a body is read (whitespace before a
/// document, then its first two significant bytes).
const SNIFF_MAX: usize = 1024;

/// How to read a body that starts with `b` (all of it when `end`).
///
/// A body in UTF-16 or UTF-32 (a byte order mark, or XML's `<?` in either
/// width, which XML parsers detect without one) is refused whatever its
/// content type says: clients decode it by those bytes, and the detectors,
/// reading bytes, would find nothing. A text body (text types, or no
/// content type) whose first significant bytes are `{"`, `{}`, `[{` or `["`
/// is read as JSON when the policy has key or path rules; `[INFO]`,
/// `{{name}}` and other text stay text.
fn sniff(b: &[u8], format: Format, policy: &Policy, end: bool) -> Sniff {
    const WIDE: [&[u8]; 7] = [
        b"\xFE\xFF",
        b"\xFF\xFE",
        b"\x00\x00\xFE\xFF",
        b"<\x00?\x00",
        b"\x00<\x00?",
        b"<\x00\x00\x00",
        b"\x00\x00\x00<",
    ];
    for sig in WIDE {
        if b.starts_with(sig) {
            return Sniff::Refuse;
        }
        if !end && b.len() < sig.len() && sig.starts_with(b) {
            return Sniff::Wait;
        }
    }
    if format != Format::Text || policy.inner.rules.is_empty() {
        return Sniff::Read(format);
    }
    if !end && b.len() < BOM.len() && BOM.starts_with(b) {
        return Sniff::Wait;
    }
    match opens_like_document(b.strip_prefix(BOM).unwrap_or(b)) {
        Some(true) => Sniff::JsonText,
        None if !end && b.len() < SNIFF_MAX => Sniff::Wait,
        _ => Sniff::Read(Format::Text),
    }
}

impl Engine {
    pub(crate) fn new(format: Format, policy: Policy) -> Engine {
        Engine::Start {
            format,
            policy,
            held: Vec::new(),
        }
    }

    fn started(format: Format, policy: Policy) -> Engine {
        match format {
            Format::Json => Engine::Json(JsonRedactor::new(policy)),
            Format::Ndjson => Engine::Ndjson(NdjsonRedactor::new(policy)),
            Format::Sse => Engine::Sse(SseRedactor::new(policy)),
            Format::Text => Engine::Text(TextRedactor::new(policy)),
        }
    }

    /// Whether the body is (or, once started, will be) an event stream.
    fn is_sse(&self) -> bool {
        matches!(
            self,
            Engine::Sse(_)
                | Engine::Start {
                    format: Format::Sse,
                    ..
                }
        )
    }

    /// Leaves the start once `sniff` decides (or the body ends), and feeds
    /// what was held. `Ok(true)`: started.
    fn start(&mut self, input: &[u8], end: bool, out: &mut Vec<u8>) -> Result<bool, RedactError> {
        let Engine::Start { format, policy, held } = self else {
            return Ok(true);
        };
        // The usual first frame decides alone, without a copy.
        let direct = held.is_empty();
        if !direct {
            held.extend_from_slice(input);
        }
        let seen: &[u8] = if direct { input } else { held };
        let decision = sniff(seen, *format, policy, end);
        let format = match decision {
            Sniff::Wait => {
                if direct {
                    held.extend_from_slice(input);
                }
                return Ok(false);
            }
            Sniff::Refuse => {
                *self = Engine::Refused;
                return Err(RedactError::ContentType);
            }
            Sniff::Read(f) => f,
            Sniff::JsonText => Format::Json,
        };
        let held = std::mem::take(held);
        let policy = policy.clone();
        let pending: &[u8] = if direct { input } else { &held };
        *self = if decision == Sniff::JsonText {
            Engine::Json(JsonRedactor::sequence(policy))
        } else {
            Engine::started(format, policy)
        };
        let pending = if decision == Sniff::JsonText
            && let Some(rest) = pending.strip_prefix(BOM)
        {
            out.extend_from_slice(BOM);
            rest
        } else {
            pending
        };
        self.feed(pending, out)?;
        Ok(true)
    }

    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), RedactError> {
        match self {
            Engine::Start { .. } => self.start(input, false, out).map(|_| ()),
            Engine::Json(r) => r.feed(input, out),
            Engine::Ndjson(r) => r.feed(input, out),
            Engine::Sse(r) => r.feed(input, out),
            Engine::Text(r) => r.feed(input, out),
            Engine::Refused => Err(RedactError::Failed),
        }
    }

    fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), RedactError> {
        if let Engine::Start { .. } = self {
            self.start(&[], true, out)?;
        }
        match self {
            Engine::Json(r) => r.finish(out),
            Engine::Ndjson(r) => r.finish(out),
            Engine::Sse(r) => r.finish(out),
            Engine::Text(r) => r.finish(out),
            Engine::Start { .. } | Engine::Refused => Err(RedactError::Failed),
        }
    }

    fn counters(&self) -> &Counters {
        match self {
            Engine::Json(r) => r.counters(),
            Engine::Ndjson(r) => r.counters(),
            Engine::Sse(r) => r.counters(),
            Engine::Text(r) => r.counters(),
            Engine::Start { .. } | Engine::Refused => &NOTHING_COUNTED,
        }
    }
}

/// Where the summary of a body goes when it ends.
#[derive(Clone)]
pub(crate) struct Report {
    pub(crate) policy: Policy,
    pub(crate) on_summary: Option<OnSummary>,
    /// Header values changed before the body started.
    pub(crate) headers: Counters,
    pub(crate) header_values: u64,
}

impl Report {
    /// For bodies passed untouched: only the header redactions.
    pub(crate) fn emit_headers_only(&self) {
        self.emit(None, None);
    }

    fn emit(&self, body: Option<&Counters>, error: Option<&dyn std::fmt::Display>) {
        // Nobody to tell: no summary is built (it costs a map of rule names
        // per response).
        if self.on_summary.is_none()
            && !tracing::enabled!(target: "shroud_redact::summary", tracing::Level::INFO)
        {
            return;
        }
        let mut c = self.headers.clone();
        if let Some(b) = body {
            c.merge(b);
            c.bytes_in = b.bytes_in;
            c.bytes_out = b.bytes_out;
        }
        let mut s: RedactionSummary = c.summary(&self.policy);
        s.headers = self.header_values;
        s.error = error.map(ToString::to_string);
        s.emit();
        if let Some(f) = &self.on_summary {
            f(&s);
        }
    }
}

/// Queues output; a small piece joins the one before it, so a body redacted
/// in one go leaves as one frame.
fn ready_push(ready: &mut VecDeque<Bytes>, bytes: Vec<u8>) {
    const JOIN: usize = 16 << 10;
    if bytes.is_empty() {
        return;
    }
    if let Some(last) = ready.back_mut()
        && last.len() + bytes.len() <= JOIN
    {
        let mut joined = Vec::with_capacity(last.len() + bytes.len());
        joined.extend_from_slice(last);
        joined.extend_from_slice(&bytes);
        *last = Bytes::from(joined);
        return;
    }
    ready.push_back(Bytes::from(bytes));
}

struct Redacting {
    engine: Engine,
    codec: Option<Codec>,
    ready: VecDeque<Bytes>,
    error: Option<RedactError>,
    trailers: Option<HeaderMap>,
    done: bool,
    report: Report,
}

impl Redacting {
    /// Runs `input` through decoder, engine and encoder; output goes to `ready`.
    fn process(&mut self, input: &[u8]) {
        let Some(codec) = &mut self.codec else {
            let mut out = Vec::with_capacity(input.len() + 64);
            let r = self.engine.feed(input, &mut out);
            ready_push(&mut self.ready, out);
            if let Err(e) = r {
                self.error = Some(e);
            }
            return;
        };
        // A compressed frame is decoded a slice at a time, and what the
        // engine wrote is re-encoded and queued once it passes `FLUSH`: the
        // decoded body is never held whole (a frame of compressed
        // whitespace can inflate a thousandfold).
        const FLUSH: usize = 64 << 10;
        let engine = &mut self.engine;
        let mut out = Vec::new();
        let mut r = Ok(());
        for slice in input.chunks(crate::codec::DECODE_SLICE) {
            r = codec.decode(slice, &mut |piece| engine.feed(piece, &mut out));
            if out.len() >= FLUSH {
                ready_push(&mut self.ready, codec.encode(&out));
                out.clear();
            }
            if r.is_err() {
                break;
            }
        }
        if !out.is_empty() {
            ready_push(&mut self.ready, codec.encode(&out));
        }
        if let Err(e) = r {
            self.error = Some(e);
        }
    }

    fn push(&mut self, plain: Vec<u8>) {
        let bytes = match &mut self.codec {
            None => plain,
            Some(codec) if !plain.is_empty() => codec.encode(&plain),
            Some(_) => Vec::new(),
        };
        ready_push(&mut self.ready, bytes);
    }

    fn end(&mut self) {
        self.done = true;
        let mut out = Vec::new();
        let engine = &mut self.engine;
        let mut r = match &mut self.codec {
            None => Ok(()),
            Some(codec) => codec.finish_decode(&mut |piece| engine.feed(piece, &mut out)),
        };
        if r.is_ok() {
            r = self.engine.finish(&mut out);
        }
        self.push(out);
        match r {
            Ok(()) => {
                if let Some(codec) = &mut self.codec {
                    let tail = codec.finish_encode();
                    ready_push(&mut self.ready, tail);
                }
                self.report.emit(Some(self.engine.counters()), None);
            }
            Err(e) => self.error = Some(e),
        }
    }
}

enum Mode<B> {
    /// Untouched (exempt, not configured, HEAD, 1xx/204/304, or encodings
    /// configured to pass).
    Pass(Pin<Box<B>>),
    /// Scanned.
    Redact {
        inner: Pin<Box<B>>,
        state: Box<Redacting>,
    },
    /// A body made here (the problem response), or frames held back while
    /// deciding on one, followed by the rest.
    Full(Option<Bytes>),
}

/// The body of a response that went through [`RedactLayer`](crate::RedactLayer).
///
/// Yields only bytes that were scanned; ends with [`BodyError`] after the last
/// safe byte when the body cannot be redacted. Trailers are kept.
pub struct RedactBody<B> {
    mode: Mode<B>,
    /// Frames produced before the response head was sent (problem mode).
    replay: VecDeque<Frame<Bytes>>,
    /// In pass mode, the policy that still redacts the trailers.
    trailers: Option<Policy>,
    /// In pass mode, whether the inner body's exact size is shown (not for
    /// the HEAD of a scanned type: it is the raw body's length).
    sized: bool,
}

impl<B> std::fmt::Debug for RedactBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match &self.mode {
            Mode::Pass(_) => "pass",
            Mode::Redact { .. } => "redact",
            Mode::Full(_) => "full",
        };
        f.debug_struct("RedactBody").field("mode", &mode).finish()
    }
}

impl<B> RedactBody<B> {
    pub(crate) fn pass(body: B) -> Self {
        RedactBody {
            mode: Mode::Pass(Box::pin(body)),
            replay: VecDeque::new(),
            trailers: None,
            sized: true,
        }
    }

    /// A body passed untouched whose trailers (a gRPC `grpc-message`, say)
    /// are still redacted as headers are.
    pub(crate) fn pass_scanning_trailers(body: B, policy: Policy) -> Self {
        RedactBody {
            trailers: Some(policy),
            ..RedactBody::pass(body)
        }
    }

    /// The same body without its exact size (see `sized`).
    pub(crate) fn unsized_pass(mut self) -> Self {
        self.sized = false;
        self
    }

    pub(crate) fn full(bytes: Bytes) -> Self {
        RedactBody {
            mode: Mode::Full(Some(bytes)),
            replay: VecDeque::new(),
            trailers: None,
            sized: true,
        }
    }

    pub(crate) fn redact(body: B, engine: Engine, codec: Option<Codec>, report: Report) -> Self {
        RedactBody {
            mode: Mode::Redact {
                inner: Box::pin(body),
                state: Box::new(Redacting {
                    engine,
                    codec,
                    ready: VecDeque::new(),
                    error: None,
                    trailers: None,
                    done: false,
                    report,
                }),
            },
            replay: VecDeque::new(),
            trailers: None,
            sized: true,
        }
    }

    /// Whether the body is redacted as an event stream (SSE).
    pub(crate) fn is_event_stream(&self) -> bool {
        matches!(&self.mode, Mode::Redact { state, .. } if state.engine.is_sse())
    }

    pub(crate) fn with_replay(mut self, frames: VecDeque<Frame<Bytes>>) -> Self {
        self.replay = frames;
        self
    }
}

impl<B> Body for RedactBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = self.get_mut();
        if let Some(f) = this.replay.pop_front() {
            return Poll::Ready(Some(Ok(f)));
        }
        match &mut this.mode {
            Mode::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Mode::Pass(inner) => {
                let polled = ready!(inner.as_mut().poll_frame(cx));
                Poll::Ready(polled.map(|r| match r {
                    Err(e) => Err(BodyError::Inner(e.into())),
                    Ok(frame) => Ok(match (&this.trailers, frame.into_trailers()) {
                        (Some(policy), Ok(mut t)) => {
                            redact_headers(policy, &mut t, &mut Counters::default());
                            Frame::trailers(t)
                        }
                        (None, Ok(t)) => Frame::trailers(t),
                        (_, Err(frame)) => frame,
                    }),
                }))
            }
            Mode::Redact { inner, state } => loop {
                if let Some(b) = state.ready.pop_front() {
                    return Poll::Ready(Some(Ok(Frame::data(b))));
                }
                if let Some(e) = state.error.take() {
                    state.done = true;
                    state.trailers = None;
                    state.report.emit(Some(state.engine.counters()), Some(&e));
                    tracing::debug!(target: "shroud_redact", error = %e, "response body refused");
                    return Poll::Ready(Some(Err(BodyError::Redact(e))));
                }
                if state.done {
                    return Poll::Ready(state.trailers.take().map(|t| Ok(Frame::trailers(t))));
                }
                match ready!(inner.as_mut().poll_frame(cx)) {
                    None => state.end(),
                    Some(Err(e)) => {
                        state.done = true;
                        let e: BoxError = e.into();
                        state
                            .report
                            .emit(Some(state.engine.counters()), Some(&"the inner body failed"));
                        return Poll::Ready(Some(Err(BodyError::Inner(e))));
                    }
                    Some(Ok(frame)) => match frame.into_data() {
                        Ok(data) => {
                            state.process(&data);
                            // The last frame (a `Full` body, or the end of a
                            // stream that says so): finish now, so the
                            // response's last data frame carries the end of
                            // the stream and the server can write it with
                            // the rest of the response.
                            if inner.is_end_stream() && state.error.is_none() {
                                state.end();
                            }
                        }
                        Err(frame) => {
                            if let Ok(mut t) = frame.into_trailers() {
                                let report = &mut state.report;
                                report.header_values +=
                                    redact_headers(&report.policy, &mut t, &mut report.headers);
                                state.trailers = Some(t);
                                state.end();
                            }
                        }
                    },
                }
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        if !self.replay.is_empty() {
            return false;
        }
        match &self.mode {
            Mode::Full(b) => b.is_none(),
            Mode::Pass(inner) => inner.is_end_stream(),
            Mode::Redact { state, .. } => {
                state.done && state.ready.is_empty() && state.error.is_none() && state.trailers.is_none()
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        let replay: u64 = self
            .replay
            .iter()
            .filter_map(|f| f.data_ref().map(|d| d.len() as u64))
            .sum();
        match &self.mode {
            Mode::Full(b) => SizeHint::with_exact(replay + b.as_ref().map_or(0, |b| b.len() as u64)),
            Mode::Pass(inner) if replay == 0 && self.sized => inner.size_hint(),
            // The length changes with redaction: nothing better than unknown.
            _ => {
                let mut h = SizeHint::new();
                h.set_lower(replay);
                h
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::convert::Infallible;

    use http_body_util::BodyExt;

    use super::*;

    struct Frames(VecDeque<Frame<Bytes>>);

    impl Body for Frames {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            Poll::Ready(self.get_mut().0.pop_front().map(Ok))
        }
    }

    fn report(policy: &Policy) -> Report {
        Report {
            policy: policy.clone(),
            on_summary: None,
            headers: Counters::default(),
            header_values: 0,
        }
    }

    /// Runs `input`, cut every `chunk` bytes, through an engine of `format`.
    fn run(format: Format, policy: &Policy, input: &[u8], chunk: usize) -> Result<Vec<u8>, RedactError> {
        let mut engine = Engine::new(format, policy.clone());
        let mut out = Vec::new();
        for c in input.chunks(chunk.max(1)) {
            engine.feed(c, &mut out)?;
        }
        engine.finish(&mut out)?;
        Ok(out)
    }

    /// Text that opens like JSON is read as JSON when rules exist, so that
    /// they apply, however the first bytes arrive.
    #[test]
    fn json_sent_as_text_gets_the_key_rules() {
        let rules = Policy::builder()
            .key("password", shroud_core::Strategy::Drop)
            .build()
            .unwrap();
        for (input, want) in [
            (
                &b" {\"name\":\"x\",\"password\":\"hunter2\"}"[..],
                &b" {\"name\":\"x\"}"[..],
            ),
            (b"\xEF\xBB\xBF[{\"password\":\"hunter2\"}]", b"\xEF\xBB\xBF[{}]"),
            // JSON lines, and a document over several lines.
            (
                b"{\"password\":\"a\"}\n{\"password\":\"b\",\"n\":1}\n",
                b"{}\n{\"n\":1}\n",
            ),
            (b"{\n  \"password\": \"a\"\n}", b"{\n  \n}"),
        ] {
            for chunk in [1, 2, 3, 7, input.len()] {
                let got = run(Format::Text, &rules, input, chunk).unwrap();
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(want),
                    "chunk {chunk}"
                );
            }
        }
        // Text that does not open like a document stays text, and so does
        // anything without rules.
        for text in [
            &b"[INFO] password=hunter2 jane@example.com"[..],
            b"{{name}} jane@example.com",
            b"[1, 2]",
        ] {
            for chunk in [1, 4, text.len()] {
                let got = run(Format::Text, &rules, text, chunk).unwrap();
                assert!(!got.windows(4).any(|w| w == b"jane"), "{got:?}");
                assert!(got.starts_with(&text[..3]));
            }
        }
        let none = Policy::default();
        let json = br#"{"password":"hunter2"}"#;
        assert_eq!(run(Format::Text, &none, json, 3).unwrap(), json);
        // A body shorter than the look ahead is decided at its end.
        assert_eq!(run(Format::Text, &rules, b"{", 1).unwrap(), b"{");
        assert_eq!(run(Format::Json, &rules, b"", 1).unwrap(), b"");
    }

    /// A body in UTF-16 or UTF-32 is refused, whatever the content type,
    /// however its first bytes are split.
    #[test]
    fn wide_encodings_are_refused_by_their_first_bytes() {
        let p = Policy::default();
        let utf16le: Vec<u8> = "\u{feff}mail jane@example.com"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let utf16be: Vec<u8> = "\u{feff}x".encode_utf16().flat_map(u16::to_be_bytes).collect();
        let xml16: Vec<u8> = "<?xml?>".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let utf32: Vec<u8> = b"\x00\x00\xFE\xFF\x00\x00\x00x".to_vec();
        for body in [&utf16le, &utf16be, &xml16, &utf32] {
            for format in [Format::Text, Format::Json, Format::Ndjson, Format::Sse] {
                for chunk in [1, 2, 3, body.len()] {
                    assert_eq!(
                        run(format, &p, body, chunk).unwrap_err(),
                        RedactError::ContentType,
                        "{format:?} {chunk}"
                    );
                }
            }
        }
        // `<` alone, or followed by ASCII, is text.
        assert_eq!(run(Format::Text, &p, b"<", 1).unwrap(), b"<");
        assert_eq!(run(Format::Text, &p, b"<b>hi</b>", 1).unwrap(), b"<b>hi</b>");
    }

    #[tokio::test]
    async fn trailers_are_kept_after_the_redacted_data() {
        let policy = Policy::default();
        let mut trailers = HeaderMap::new();
        trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
        let inner = Frames(
            [
                Frame::data(Bytes::from_static(b"{\"a\":\"jane@exa")),
                Frame::data(Bytes::from_static(b"mple.com\"}")),
                Frame::trailers(trailers.clone()),
            ]
            .into(),
        );
        let body = RedactBody::redact(
            inner,
            Engine::new(Format::Json, policy.clone()),
            None,
            report(&policy),
        );
        assert_eq!(body.size_hint().exact(), None);
        let collected = body.collect().await.unwrap();
        assert_eq!(collected.trailers(), Some(&trailers));
        assert_eq!(&collected.to_bytes()[..], b"{\"a\":\"[REDACTED:email]\"}");
    }

    #[tokio::test]
    async fn trailers_are_redacted_as_headers_are() {
        let policy = Policy::default();
        let mut trailers = HeaderMap::new();
        trailers.insert("grpc-status", http::HeaderValue::from_static("5"));
        trailers.insert(
            "grpc-message",
            http::HeaderValue::from_static("user jane@example.com not found"),
        );
        let frames = || {
            Frames(
                [
                    Frame::data(Bytes::from_static(b"{}")),
                    Frame::trailers(trailers.clone()),
                ]
                .into(),
            )
        };
        let engine = Engine::new(Format::Json, policy.clone());
        let redacted = RedactBody::redact(frames(), engine, None, report(&policy));
        let passed = RedactBody::pass_scanning_trailers(frames(), policy.clone());
        for body in [redacted, passed] {
            let collected = body.collect().await.unwrap();
            let t = collected.trailers().unwrap();
            assert_eq!(t["grpc-status"], "5");
            assert_eq!(t["grpc-message"], "user [REDACTED:email] not found");
        }
        // An exempt caller's body keeps them as they are.
        let raw = RedactBody::pass(frames()).collect().await.unwrap();
        assert_eq!(raw.trailers(), Some(&trailers));
    }

    #[tokio::test]
    async fn a_whole_body_leaves_as_one_frame_that_ends_the_stream() {
        for format in [Format::Json, Format::Text] {
            let policy = Policy::default();
            let inner =
                http_body_util::Full::new(Bytes::from_static(b"{\"a\":\"jane@example.com\",\"n\":1}"));
            let mut body =
                RedactBody::redact(inner, Engine::new(format, policy.clone()), None, report(&policy));
            assert!(!body.is_end_stream());
            let data = body.frame().await.unwrap().unwrap().into_data().unwrap();
            assert_eq!(&data[..], b"{\"a\":\"[REDACTED:email]\",\"n\":1}");
            // Known to be over before the next poll: the server can write
            // the end of the response with this frame.
            assert!(body.is_end_stream(), "{format:?}");
            assert!(body.frame().await.is_none());
        }
    }

    #[tokio::test]
    async fn errors_end_the_stream_and_drop_trailers() {
        let policy = Policy::default();
        let inner = Frames(
            [
                Frame::data(Bytes::from_static(b"[\"ok\",")),
                Frame::data(Bytes::from_static(b"\"jane@example.com\" x")),
                Frame::trailers(HeaderMap::new()),
            ]
            .into(),
        );
        let mut body = RedactBody::redact(
            inner,
            Engine::new(Format::Json, policy.clone()),
            None,
            report(&policy),
        );
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&first[..], b"[\"ok\",");
        let second = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&second[..], b"\"[REDACTED:email]\"");
        let err = body.frame().await.unwrap().unwrap_err();
        assert!(matches!(err, BodyError::Redact(RedactError::Syntax { .. })));
        assert!(body.frame().await.is_none());
        assert!(body.is_end_stream());
    }

    #[tokio::test]
    async fn pass_and_full_bodies_report_exact_sizes() {
        let full: RedactBody<Frames> = RedactBody::full(Bytes::from_static(b"abc"));
        assert_eq!(full.size_hint().exact(), Some(3));
        assert!(!full.is_end_stream());
        let pass = RedactBody::pass(http_body_util::Full::new(Bytes::from_static(b"abcd")));
        assert_eq!(pass.size_hint().exact(), Some(4));
        assert_eq!(&pass.collect().await.unwrap().to_bytes()[..], b"abcd");
    }
}
