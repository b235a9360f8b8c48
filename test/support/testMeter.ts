// The service's metrics, caught in memory: the real OpenTelemetry adapter on a
// MeterProvider of @opentelemetry/sdk-metrics whose reader the test asks,
// instead of the Azure Monitor exporter. Each read answers what was recorded
// since the previous one (delta temporality), so a test reads once to start
// clean and once after the work it looks at.

import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import type { Metrics } from '../../shared/telemetry/metrics';
import { openTelemetryMetrics } from '../../shared/telemetry/openTelemetryMetrics';

class ReadOnDemand extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface RecordedPoint {
  name: string;
  attributes: Attributes;
  /** A counter's sum or a gauge's last value; a histogram's count of recordings. */
  value: number;
  /** A histogram's recordings' sum and extremes. */
  histogram?: { sum: number; min: number; max: number };
}

export interface TestMeter {
  metrics: Metrics;
  /** Every point recorded since the previous read. */
  read(): Promise<RecordedPoint[]>;
}

export function createTestMeter(): TestMeter {
  const reader = new ReadOnDemand();
  const provider = new MeterProvider({ readers: [reader] });
  return {
    metrics: openTelemetryMetrics(provider.getMeter('test')),
    async read() {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((scope) =>
        scope.metrics.flatMap((metric) =>
          (metric.dataPoints as DataPoint<number | Histogram>[]).map((point): RecordedPoint => {
            const value = point.value;
            if (typeof value === 'number') {
              return { name: metric.descriptor.name, attributes: point.attributes, value };
            }
            return {
              name: metric.descriptor.name,
              attributes: point.attributes,
              value: value.count,
              histogram: { sum: value.sum ?? 0, min: value.min ?? 0, max: value.max ?? 0 },
            };
          }),
        ),
      );
    },
  };
}

/** The points of one instrument whose attributes include `attributes`. */
export function pointsOf(
  points: readonly RecordedPoint[],
  name: string,
  attributes: Attributes = {},
): RecordedPoint[] {
  return points.filter(
    (point) =>
      point.name === name &&
      Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
  );
}

/** The total of one instrument's matching points (0 when none was recorded). */
export function total(points: readonly RecordedPoint[], name: string, attributes: Attributes = {}): number {
  return pointsOf(points, name, attributes).reduce((sum, point) => sum + point.value, 0);
}
