//! [`RedactingLayer`]: hands a wrapped layer spans and events whose values
//! are already redacted.

use tracing_core::span::{Attributes, Id, Record};
use tracing_core::subscriber::Interest;
use tracing_core::{Dispatch, Event, LevelFilter, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::policy::TracePolicy;
use crate::visit::{Collect, with_scratch, with_value_set};

/// Wraps any `tracing_subscriber::Layer` (the fmt layer in any format, an
/// OpenTelemetry layer, your own) so that it only ever sees redacted values.
///
/// For every new span, span record and event, the wrapper records each value
/// through the [`TracePolicy`], then rebuilds the value set with the *same*
/// static [`Metadata`] and the redacted values and hands that to the wrapped
/// layer. Values that need no change are not copied: the original span or
/// event goes through as it is.
///
/// A plain `Layer` cannot do this: layers observe events, they cannot change
/// what their sibling layers see (tracing issue 1349). Wrapping is the way to
/// put redaction in front of a sink. Every sink that must not see raw values
/// is wrapped (or put behind one wrapper with `Layer::and_then`).
///
/// `register_callsite`, `enabled` and `event_enabled` are the wrapped
/// layer's own, so its filtering is unchanged; the wrapper gives no
/// `max_level_hint` (a per-layer filter inside it would otherwise cap every
/// layer). To filter the wrapped sink per layer, apply the filter to the
/// wrapper, `RedactingLayer::new(fmt::layer()).with_filter(LevelFilter::INFO)`,
/// which also keeps the registry's fast path for disabled levels.
///
/// # Limits
///
/// - The fmt layer keeps a span's formatted fields in the span's extensions
///   under its `FormatFields` type, and reuses what it finds there. Another
///   layer *outside* the wrapper that stores fields under the same type
///   (tracing-error's `ErrorLayer<DefaultFields>`, say) would hand the
///   wrapped fmt layer raw span fields. Wrap that layer too, or give the
///   fmt layer [`RedactingFields`](crate::RedactingFields), whose type no
///   other layer uses.
/// - `Layer::downcast_raw` is not forwarded (it is `unsafe` to implement,
///   and shroud has no `unsafe` code): code that reaches into the wrapped
///   layer by type, such as tracing-opentelemetry's `OpenTelemetrySpanExt`
///   context calls, does not find it through the wrapper. Keep such a
///   layer's context propagation outside, or wrap only its exporter.
///
/// ```
/// use shroud_trace::RedactingLayer;
/// use tracing_subscriber::prelude::*;
///
/// let subscriber = tracing_subscriber::registry()
///     .with(RedactingLayer::new(tracing_subscriber::fmt::layer().json()));
/// tracing::subscriber::with_default(subscriber, || {
///     tracing::info!(user = "jane@example.com", "login from 203.0.113.9");
///     // The JSON sink prints: "user":"[REDACTED:email]" and
///     // "message":"login from [REDACTED:ipv4]".
/// });
/// ```
#[derive(Debug, Clone)]
pub struct RedactingLayer<L> {
    inner: L,
    policy: TracePolicy,
}

impl<L> RedactingLayer<L> {
    /// Wraps `inner` with the default [`TracePolicy`].
    pub fn new(inner: L) -> Self {
        RedactingLayer {
            inner,
            policy: TracePolicy::default(),
        }
    }

    /// Wraps `inner` with `policy`.
    pub fn with_policy(inner: L, policy: TracePolicy) -> Self {
        RedactingLayer { inner, policy }
    }

    /// The policy in use.
    pub fn policy(&self) -> &TracePolicy {
        &self.policy
    }

    /// The wrapped layer.
    pub fn get_ref(&self) -> &L {
        &self.inner
    }

    /// The wrapped layer, mutably.
    pub fn get_mut(&mut self) -> &mut L {
        &mut self.inner
    }

    /// Unwraps the wrapped layer.
    pub fn into_inner(self) -> L {
        self.inner
    }
}

impl<S, L> Layer<S> for RedactingLayer<L>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    L: Layer<S>,
{
    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        self.inner.on_register_dispatch(subscriber);
    }

    fn on_layer(&mut self, subscriber: &mut S) {
        self.inner.on_layer(subscriber);
    }

    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        self.inner.register_callsite(metadata)
    }

    fn enabled(&self, metadata: &Metadata<'_>, ctx: Context<'_, S>) -> bool {
        self.inner.enabled(metadata, ctx)
    }

    fn event_enabled(&self, event: &Event<'_>, ctx: Context<'_, S>) -> bool {
        self.inner.event_enabled(event, ctx)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        // No hint. The wrapped layer's own could be a per-layer filter's,
        // which the registry cannot see through the wrapper (that takes
        // `downcast_raw`) and would apply to every layer as a global cap.
        // Its filtering still applies through `register_callsite` and
        // `enabled`.
        None
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        with_scratch(|s| {
            let mut c = Collect::new(&self.policy, s);
            attrs.record(&mut c);
            if !c.finish() {
                return self.inner.on_new_span(attrs, id, ctx);
            }
            let meta = attrs.metadata();
            with_value_set(meta.fields(), s, |values| {
                let rebuilt = if attrs.is_root() {
                    Attributes::new_root(meta, values)
                } else if let Some(parent) = attrs.parent() {
                    Attributes::child_of(parent.clone(), meta, values)
                } else {
                    Attributes::new(meta, values)
                };
                self.inner.on_new_span(&rebuilt, id, ctx);
            });
        });
    }

    fn on_record(&self, span: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        with_scratch(|s| {
            let mut c = Collect::new(&self.policy, s);
            values.record(&mut c);
            if !c.finish() {
                return self.inner.on_record(span, values, ctx);
            }
            // A `Record` does not expose its metadata; the fields it holds
            // know their `FieldSet` (the span's).
            let Some((first, _)) = s.values.first() else {
                return;
            };
            let fields = first.callsite();
            let Some(meta) = ctx.metadata(span).filter(|m| m.callsite() == fields) else {
                return;
            };
            with_value_set(meta.fields(), s, |v| {
                self.inner.on_record(span, &Record::new(v), ctx);
            });
        });
    }

    fn on_follows_from(&self, span: &Id, follows: &Id, ctx: Context<'_, S>) {
        self.inner.on_follows_from(span, follows, ctx);
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        with_scratch(|s| {
            let mut c = Collect::new(&self.policy, s);
            event.record(&mut c);
            if !c.finish() {
                return self.inner.on_event(event, ctx);
            }
            let meta = event.metadata();
            with_value_set(meta.fields(), s, |values| {
                let rebuilt = if event.is_root() {
                    Event::new_child_of(None, meta, values)
                } else if let Some(parent) = event.parent() {
                    Event::new_child_of(Some(parent.clone()), meta, values)
                } else {
                    Event::new(meta, values)
                };
                self.inner.on_event(&rebuilt, ctx);
            });
        });
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        self.inner.on_enter(id, ctx);
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        self.inner.on_exit(id, ctx);
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        self.inner.on_close(id, ctx);
    }

    fn on_id_change(&self, old: &Id, new: &Id, ctx: Context<'_, S>) {
        self.inner.on_id_change(old, new, ctx);
    }
}
