import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** How many finished spans `GET /traces` keeps. */
const KEPT = 500;

/** A span as `GET /traces` shows it. */
export interface SpanView {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  durationMs: number;
  status: number;
  attributes: Record<string, unknown>;
}

/** Keeps the last finished spans in memory (an exporter would send them to a collector instead). */
class RecentSpans implements SpanProcessor {
  readonly spans: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
    if (this.spans.length > KEPT) this.spans.shift();
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

let recent: RecentSpans | undefined;

/**
 * The demo's OpenTelemetry SDK, as an application registers one (here the light
 * `sdk-trace-base`; in production NodeSDK with an OTLP exporter): a tracer provider and the
 * AsyncLocalStorage context manager, so rediskit's spans nest under each other and under the
 * request. Registered once per process; `DEMO_TRACES=off` leaves tracing unregistered.
 */
export function startDemoTracing(env: Record<string, string | undefined>): void {
  if (recent || env.DEMO_TRACES === 'off') return;
  recent = new RecentSpans();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [recent] }));
}

/** The last finished spans, oldest first, those named `name` only when given. */
export function recentSpans(name?: string): SpanView[] {
  return (recent?.spans ?? [])
    .filter((s) => name === undefined || s.name === name)
    .map((s) => ({
      name: s.name,
      traceId: s.spanContext().traceId,
      spanId: s.spanContext().spanId,
      parentSpanId: s.parentSpanContext?.spanId,
      durationMs: s.duration[0] * 1000 + s.duration[1] / 1e6,
      status: s.status.code,
      attributes: s.attributes,
    }));
}
