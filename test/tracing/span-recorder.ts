import { context, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * The OpenTelemetry SDK as an application registers it, exporting to memory: a tracer
 * provider with a simple processor and the AsyncLocalStorage context manager. Register it
 * before the app boots (the module resolves its tracer then).
 */
export class SpanRecorder {
  readonly exporter = new InMemorySpanExporter();
  private readonly provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.exporter)] });
  private readonly contextManager = new AsyncLocalStorageContextManager();

  static register(): SpanRecorder {
    const recorder = new SpanRecorder();
    trace.setGlobalTracerProvider(recorder.provider);
    context.setGlobalContextManager(recorder.contextManager.enable());
    return recorder;
  }

  async unregister(): Promise<void> {
    await this.provider.shutdown();
    trace.disable();
    context.disable();
  }

  /** Runs `fn` inside a root span of the test, to check that rediskit's spans are its children. */
  inRoot<T>(fn: (root: Span) => Promise<T>): Promise<T> {
    return trace.getTracer('test').startActiveSpan('test.root', async (root) => {
      try {
        return await fn(root);
      } finally {
        root.end();
      }
    });
  }

  /** Finished spans named `name`, oldest first. */
  named(name: string): ReadableSpan[] {
    return this.exporter.getFinishedSpans().filter((s) => s.name === name);
  }

  /** The one finished span named `name` whose parent is `parent`. */
  childOf(parent: Span | ReadableSpan, name: string): ReadableSpan {
    const id = parent.spanContext().spanId;
    const found = this.named(name).filter((s) => s.parentSpanContext?.spanId === id);
    if (found.length !== 1) throw new Error(`expected one "${name}" span under ${id}, found ${found.length}: ${this.exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
    return found[0]!;
  }

  reset(): void {
    this.exporter.reset();
  }
}

/** Waits until `check` passes (spans of background work end a little later). */
export async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
