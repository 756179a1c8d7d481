/**
 * An OpenTelemetry SDK for tests, registered as @opentelemetry/api's globals: a tracer
 * provider whose spans land in an InMemorySpanExporter, the W3C trace-context
 * propagator, the AsyncLocalStorage context manager, and a meter provider read on
 * demand. `uninstall()` unregisters everything: deno test and bun test run every file in
 * one process, so no global may outlive its test.
 *
 * @module
 */
import { context, metrics, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { type DataPoint, type Histogram, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

/** Collects on demand only (`collect()`). */
class OnDemandReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A data point of one of the producer's metrics, with its attributes. */
export interface Point<T> {
  attributes: Record<string, unknown>;
  value: T;
}

/** The registered SDK, and what it recorded. */
export interface InstalledOpenTelemetry {
  exporter: InMemorySpanExporter;
  /** The finished spans of the instrumentation scope named (all when undefined). */
  spans(scope?: string): ReadableSpan[];
  /** The data points of a sum (counter) metric, by name. */
  sums(name: string): Promise<Point<number>[]>;
  /** The data points of a histogram metric, by name. */
  histograms(name: string): Promise<Point<Histogram>[]>;
  /** Unregisters every global and shuts the providers down. */
  uninstall(): Promise<void>;
}

/**
 * Registers the test SDK as the global tracer provider, propagator, context manager and
 * meter provider (`tracing: false` registers no tracer provider, `meter: false` no meter).
 *
 * @example
 * ```ts
 * import { installOpenTelemetry } from "./otel.ts";
 * const otel = installOpenTelemetry();
 * try {
 *   // ... produce ...
 *   console.log(otel.spans("@edge-kafka/producer").length);
 * } finally {
 *   await otel.uninstall();
 * }
 * ```
 */
export function installOpenTelemetry(options: { tracing?: boolean; meter?: boolean } = {}): InstalledOpenTelemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  if (options.tracing !== false) trace.setGlobalTracerProvider(tracerProvider);
  if (options.meter !== false) metrics.setGlobalMeterProvider(meterProvider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(contextManager);
  const points = async (name: string) => {
    const { resourceMetrics } = await reader.collect();
    const found = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).filter((metric) => metric.descriptor.name === name);
    return found.flatMap((metric) => metric.dataPoints as DataPoint<unknown>[]).map((p) => ({ attributes: p.attributes, value: p.value }));
  };
  return {
    exporter,
    spans: (scope) => exporter.getFinishedSpans().filter((span) => scope === undefined || span.instrumentationScope.name === scope),
    sums: (name) => points(name) as Promise<Point<number>[]>,
    histograms: (name) => points(name) as Promise<Point<Histogram>[]>,
    uninstall: async () => {
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
      contextManager.disable();
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
