import { afterEach, describe, expect, it } from '@jest/globals';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { formatTraceparent, parseTraceparent } from './traceparent.js';
import { Tracing } from './tracing.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('traceparent', () => {
  it('reads back what it writes, keeping only the sampled flag', () => {
    expect(parseTraceparent(formatTraceparent(TRACE, SPAN, 1))).toEqual({ traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-ff`)?.traceFlags).toBe(1);
  });

  it.each([
    ['another version', `01-${TRACE}-${SPAN}-01`],
    ['upper case', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['a zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['a zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['a longer string', `00-${TRACE}-${SPAN}-01-extra`],
    ['a huge string', 'x'.repeat(1_000_000)],
    ['a number', 42],
    ['an object', { traceId: TRACE }],
    ['undefined', undefined],
  ])('ignores %s', (_name, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });
});

describe('Tracing', () => {
  afterEach(() => {
    trace.disable();
    context.disable();
  });

  it('turned off, records nothing and calls the function at once', async () => {
    const tracing = await Tracing.create({ enabled: false });
    expect(tracing.enabled).toBe(false);
    expect(await tracing.trace('x', 'client', {}, async (span) => span)).toBeUndefined();
  });

  it('with the API but no SDK, gives no span and carries no traceparent, until an SDK registers', async () => {
    const tracing = await Tracing.create();
    expect(tracing.enabled).toBe(false);
    expect(await tracing.trace('x', 'client', {}, async (span) => [span, tracing.traceparent()])).toEqual([undefined, undefined]);
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    expect(tracing.enabled).toBe(true);
    await tracing.trace('later', 'client', {}, async () => undefined);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['later']);
    trace.disable();
    expect(tracing.enabled).toBe(false);
  });

  it('with an SDK, records the span, its attributes and a failure', async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const tracing = await Tracing.create({ propagate: false });
    await tracing.trace('ok', 'client', { a: 1 }, async (span) => {
      span?.setAttribute('b', true);
      expect(tracing.traceparent()).toBeUndefined(); // propagate: false
    });
    const failure = Object.assign(new Error('boom'), { code: 'E_TEST' });
    await expect(tracing.trace('fails', 'internal', {}, () => Promise.reject(failure))).rejects.toBe(failure);
    await expect(tracing.trace('throws', 'internal', {}, () => { throw failure; })).rejects.toBe(failure);
    const [ok, fails, throws] = exporter.getFinishedSpans();
    expect(ok!.attributes).toEqual({ a: 1, b: true });
    expect(fails!.status).toEqual({ code: 2, message: 'boom' });
    expect(fails!.attributes['error.type']).toBe('E_TEST');
    expect(throws!.status.code).toBe(2);
  });
});
