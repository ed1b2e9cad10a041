import { bindEach, type BoundCounter, type CounterMetric, type HistogramMetric, type MetricsService } from '../metrics/metrics.service.js';

/** Message kinds used as metric labels (never channel names or user ids). */
export type MessageKind = 'channel' | 'pattern' | 'user' | 'broadcast';
const KINDS: MessageKind[] = ['channel', 'pattern', 'user', 'broadcast'];

type ByKind = Record<MessageKind, BoundCounter>;

/**
 * The pub/sub metrics. Counters are bound per kind once, so the hot path does no label
 * hashing.
 */
export class PubSubMetrics {
  readonly published: ByKind;
  readonly publishFailures: ByKind;
  readonly received: ByKind;
  readonly handlerErrors: ByKind;
  readonly undecodable: BoundCounter;
  readonly gaps: BoundCounter;
  readonly gapSeconds: HistogramMetric;

  constructor(metrics: MetricsService) {
    const byKind = (counter: CounterMetric): ByKind => bindEach(counter, 'kind', KINDS);
    this.published = byKind(metrics.counter('pubsub_published_total', 'Messages published', ['kind']));
    this.publishFailures = byKind(metrics.counter('pubsub_publish_failures_total', 'Messages that could not be published (Redis down)', ['kind']));
    this.received = byKind(metrics.counter('pubsub_received_total', 'Messages received by this instance', ['kind']));
    this.handlerErrors = byKind(metrics.counter('pubsub_handler_errors_total', 'Message handlers that threw or rejected', ['kind']));
    this.undecodable = metrics.counter('pubsub_undecodable_total', 'Messages dropped because they were not rediskit envelopes').labels({});
    this.gaps = metrics.counter('pubsub_gaps_total', 'Times the subscriber connection was lost (messages published meanwhile were missed)').labels({});
    this.gapSeconds = metrics.histogram('pubsub_gap_seconds', 'From losing the subscriber connection to being subscribed again', [], [
      0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60,
    ]);
  }
}
