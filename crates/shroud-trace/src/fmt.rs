//! Redaction for users who configure the fmt layer directly:
//! [`RedactingFields`], [`RedactingJson`] and [`RedactingWriter`].

use std::fmt;
use std::io;

use tracing_core::{Event, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

use crate::policy::TracePolicy;
use crate::visit::{Collect, Scratch, with_scratch};

/// A [`FormatFields`] that writes fields as the default text formatter does
/// (`message` first and bare, then `name=value`), every value redacted by the
/// [`TracePolicy`]. Span fields stored by the fmt layer are formatted by it
/// too, so they are redacted as well.
///
/// Only the full and compact formats write event fields through a
/// `FormatFields`: `fmt().pretty()` and `fmt().json()` read them with their
/// own visitors, so with those, only span fields pass through this type.
/// For JSON use [`RedactingJson`]; for any format, wrap the fmt layer in a
/// [`RedactingLayer`](crate::RedactingLayer), which redacts before any
/// formatter sees a value.
///
/// ```
/// use shroud_trace::RedactingFields;
///
/// let subscriber = tracing_subscriber::fmt().fmt_fields(RedactingFields::default()).finish();
/// tracing::subscriber::with_default(subscriber, || {
///     tracing::info!(card = "4111 1111 1111 1111", "charged"); // card="[REDACTED:card]"
/// });
/// ```
#[derive(Debug, Clone, Default)]
pub struct RedactingFields {
    policy: TracePolicy,
}

impl RedactingFields {
    /// Fields redacted by `policy`.
    pub fn new(policy: TracePolicy) -> Self {
        RedactingFields { policy }
    }
}

impl<'w> FormatFields<'w> for RedactingFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'w>, fields: R) -> fmt::Result {
        let mut result = Ok(());
        with_scratch(|s| {
            fields.record(&mut Collect::new(&self.policy, s));
            result = write_fields(&mut writer, s);
        });
        result
    }
}

fn write_fields(writer: &mut Writer<'_>, s: &Scratch) -> fmt::Result {
    let mut first = true;
    if let Some((_, v)) = s.values.iter().find(|(f, _)| f.name() == "message") {
        s.view(v).write_text(writer)?;
        first = false;
    }
    for (f, v) in s.values.iter().filter(|(f, _)| f.name() != "message") {
        if !first {
            writer.write_char(' ')?;
        }
        first = false;
        write!(writer, "{}=", f.name())?;
        s.view(v).write_text(writer)?;
    }
    Ok(())
}

/// A JSON [`FormatEvent`] whose field values are redacted by the
/// [`TracePolicy`]: one object per line with `timestamp`, `level`, `target`,
/// `fields` and the current `spans` (name and their stored, formatted fields).
/// Span fields are scanned by the detectors whatever stored them; pair it
/// with [`RedactingFields`] so that field-name rules (`password`, ...) apply
/// to them too.
///
/// ```
/// use shroud_trace::{RedactingFields, RedactingJson};
///
/// let subscriber = tracing_subscriber::fmt()
///     .event_format(RedactingJson::default())
///     .fmt_fields(RedactingFields::default())
///     .finish();
/// tracing::subscriber::with_default(subscriber, || {
///     tracing::info!(ip = "203.0.113.9", "hello"); // "ip":"[REDACTED:ipv4]"
/// });
/// ```
#[derive(Debug, Clone, Default)]
pub struct RedactingJson {
    policy: TracePolicy,
}

impl RedactingJson {
    /// JSON lines redacted by `policy`.
    pub fn new(policy: TracePolicy) -> Self {
        RedactingJson { policy }
    }
}

fn json_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::Value::from(s).to_string());
}

impl<S, N> FormatEvent<S, N> for RedactingJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'w> FormatFields<'w> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut out = String::with_capacity(256);
        let mut ts = String::new();
        SystemTime.format_time(&mut Writer::new(&mut ts))?;
        out.push_str("{\"timestamp\":");
        json_str(&mut out, &ts);
        out.push_str(",\"level\":");
        json_str(&mut out, meta.level().as_str());
        out.push_str(",\"target\":");
        json_str(&mut out, meta.target());
        out.push_str(",\"fields\":{");
        with_scratch(|s| {
            event.record(&mut Collect::new(&self.policy, s));
            for (i, (f, v)) in s.values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_str(&mut out, f.name());
                out.push(':');
                s.view(v).write_json(&mut out);
            }
        });
        out.push('}');
        if let Some(scope) = ctx.event_scope() {
            out.push_str(",\"spans\":[");
            for (i, span) in scope.from_root().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"name\":");
                json_str(&mut out, span.name());
                let ext = span.extensions();
                if let Some(fields) = ext.get::<FormattedFields<N>>()
                    && !fields.is_empty()
                {
                    out.push_str(",\"fields\":");
                    // Stored by whichever `FormatFields` the layer has:
                    // `RedactingFields` stored them redacted, another one raw.
                    if std::any::TypeId::of::<N>() == std::any::TypeId::of::<RedactingFields>() {
                        json_str(&mut out, fields.as_str());
                    } else {
                        json_str(&mut out, &self.policy.redact_text(fields.as_str()));
                    }
                }
                out.push('}');
            }
            out.push(']');
        }
        out.push('}');
        writeln!(writer, "{out}")
    }
}

/// A [`MakeWriter`] that scrubs formatted output before it reaches the
/// wrapped writer: the last line of defence, for values a formatter wrote
/// without going through field recording (for example text of a custom
/// formatter). Each `write` call is scanned as a unit; the fmt layer writes
/// each event with one call, so an event's text is never split.
///
/// ```
/// use shroud_trace::RedactingWriter;
///
/// let subscriber = tracing_subscriber::fmt().with_writer(RedactingWriter::new(std::io::stderr)).finish();
/// # drop(subscriber);
/// ```
#[derive(Debug, Clone)]
pub struct RedactingWriter<M> {
    inner: M,
    policy: TracePolicy,
}

impl<M> RedactingWriter<M> {
    /// Scrubs what goes to `inner` with the default policy.
    pub fn new(inner: M) -> Self {
        RedactingWriter {
            inner,
            policy: TracePolicy::default(),
        }
    }

    /// Scrubs what goes to `inner` with `policy`.
    pub fn with_policy(inner: M, policy: TracePolicy) -> Self {
        RedactingWriter { inner, policy }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for RedactingWriter<M> {
    type Writer = Scrub<'a, M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        Scrub {
            inner: self.inner.make_writer(),
            policy: &self.policy,
        }
    }

    fn make_writer_for(&'a self, meta: &tracing_core::Metadata<'_>) -> Self::Writer {
        Scrub {
            inner: self.inner.make_writer_for(meta),
            policy: &self.policy,
        }
    }
}

/// The writer [`RedactingWriter`] makes.
#[derive(Debug)]
pub struct Scrub<'a, W> {
    inner: W,
    policy: &'a TracePolicy,
}

impl<W: io::Write> io::Write for Scrub<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let clean = self.policy.redactor().redact_bytes(buf);
        self.inner.write_all(&clean)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
