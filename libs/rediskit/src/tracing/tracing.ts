import { formatTraceparent, type RemoteSpanContext } from './traceparent.js';
import type { TracingOptions } from './tracing.options.js';

// @opentelemetry/api is an optional peer: its types stay out of the public declarations (only
// private members and this file's internals use them), or an app without it would not type-check.
type Api = typeof import('@opentelemetry/api');
type OtelSpan = import('@opentelemetry/api').Span;
type OtelTracer = import('@opentelemetry/api').Tracer;
type TracerProvider = import('@opentelemetry/api').TracerProvider;
// The global provider is the API's proxy: its delegate is the SDK's provider once one is registered.
type ProxyProvider = TracerProvider & { getDelegate?(): TracerProvider };

/** The part of a span a capability writes to (an OpenTelemetry `Span` has it). */
export interface TraceSpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
}

/** Attributes given when a span starts: bounded values only (never keys, tokens or user ids). */
export type TraceAttributes = Record<string, string | number | boolean>;

/** OpenTelemetry span kinds, by name (the values of `SpanKind`). */
const KINDS = { internal: 0, client: 2, producer: 3, consumer: 4 } as const;
export type TraceSpanKind = keyof typeof KINDS;

const STATUS_ERROR = 2;

/**
 * The tracing seam of the core: capabilities open spans through it and never import
 * OpenTelemetry. Without `@opentelemetry/api`, with `tracing.enabled: false`, or while no SDK
 * has registered a tracer provider, `enabled` is false and `trace` calls its function at once;
 * hot paths test `enabled` first and skip even building attributes. A span a sampler drops
 * starts as a non-recording span and is dropped at once: the function runs without a context switch.
 */
export class Tracing {
  /** Tracing that records nothing (the default of services built without the module). */
  static readonly off = new Tracing(undefined, {});

  /** Whether pub/sub messages carry and continue trace context (`tracing.propagate`). */
  readonly propagate: boolean;
  private readonly tracer: OtelTracer | undefined;
  /** What the global provider delegates to while no SDK is registered (the API's no-op provider). */
  private readonly noopProvider: TracerProvider | undefined;

  private constructor(
    private readonly api: Api | undefined,
    options: TracingOptions,
  ) {
    this.propagate = api !== undefined && options.propagate !== false;
    this.tracer = api?.trace.getTracer('nestjs-rediskit');
    this.noopProvider = api && new api.ProxyTracerProvider().getDelegate();
  }

  /**
   * True when spans may be recorded: the API is installed, tracing is not turned off, and an SDK
   * has registered a tracer provider (checked on each call: an SDK may start after the module).
   */
  get enabled(): boolean {
    return this.api !== undefined && (this.api.trace.getTracerProvider() as ProxyProvider).getDelegate?.() !== this.noopProvider;
  }

  /** Loads `@opentelemetry/api` when installed and tracing is not turned off. */
  static async create(options: TracingOptions = {}): Promise<Tracing> {
    if (options.enabled === false) return Tracing.off;
    const api = await import('@opentelemetry/api').then((m) => ((m as { default?: Api }).default ?? m) as Api).catch(() => undefined);
    return api ? new Tracing(api, options) : Tracing.off;
  }

  /**
   * Runs `fn` inside a span named `name`, current in its async context so spans opened below
   * are its children; ends it when `fn` settles, with status ERROR and `error.type` when it
   * rejects. `fn` gets the span to add attributes to, or `undefined` when nothing records.
   * `parent` (a context received in a message) replaces the current span as parent.
   */
  trace<T>(name: string, kind: TraceSpanKind, attributes: TraceAttributes, fn: (span: TraceSpan | undefined) => Promise<T>, parent?: RemoteSpanContext): Promise<T> {
    if (!this.enabled) return fn(undefined);
    const api = this.api!;
    const base = parent ? api.trace.setSpanContext(api.context.active(), parent) : api.context.active();
    const span = this.tracer!.startSpan(name, { kind: KINDS[kind], attributes }, base);
    if (!span.isRecording()) {
      span.end();
      return fn(undefined);
    }
    let result: Promise<T>;
    try {
      result = api.context.with(api.trace.setSpan(base, span), fn, undefined, span);
    } catch (error) {
      result = Promise.reject(error as Error);
    }
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        failed(span, error);
        throw error;
      },
    );
  }

  /** The W3C `traceparent` of the current span, to carry in a message; undefined when none is valid or propagation is off. */
  traceparent(): string | undefined {
    if (!this.propagate) return undefined;
    const context = this.api!.trace.getSpanContext(this.api!.context.active());
    if (context === undefined || !this.api!.trace.isSpanContextValid(context)) return undefined;
    return formatTraceparent(context.traceId, context.spanId, context.traceFlags);
  }
}

function failed(span: OtelSpan, error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  span.setAttribute('error.type', (e as { code?: unknown }).code === undefined ? e.name : String((e as { code?: unknown }).code));
  span.recordException(e);
  span.setStatus({ code: STATUS_ERROR, message: e.message });
  span.end();
}
