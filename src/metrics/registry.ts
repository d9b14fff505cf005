/**
 * A small Prometheus registry: counters, gauges and histograms with labels,
 * rendered in the text exposition format (version 0.0.4).
 *
 * @module
 */

type Labels = Record<string, string>;

interface Metric {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  render(): string[];
}

function labelText(labels: Labels, extra?: Labels): string {
  const all = { ...labels, ...extra };
  const keys = Object.keys(all);
  if (keys.length === 0) return "";
  const escape = (value: string) =>
    value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
  return `{${keys.map((key) => `${key}="${escape(all[key])}"`).join(",")}}`;
}

function keyOf(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort());
}

function formatNumber(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** A monotonically increasing count per label set. */
export class Counter implements Metric {
  readonly type = "counter";
  #values = new Map<string, { labels: Labels; value: number }>();

  /**
   * Creates a counter (register it with {@linkcode Registry.add}); `collect`
   * (if given) sets totals kept elsewhere just before rendering.
   */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly collect?: (counter: Counter) => void,
  ) {}

  /** Sets the total for `labels` (for counts kept elsewhere; see `collect`). */
  set(value: number, labels: Labels = {}): void {
    this.#values.set(keyOf(labels), { labels, value });
  }

  /** Adds `amount` (default 1) for `labels`. */
  inc(labels: Labels = {}, amount = 1): void {
    const key = keyOf(labels);
    const entry = this.#values.get(key);
    if (entry) entry.value += amount;
    else this.#values.set(key, { labels, value: amount });
  }

  /** The current value for `labels` (0 if never incremented). */
  get(labels: Labels = {}): number {
    return this.#values.get(keyOf(labels))?.value ?? 0;
  }

  /** Lines of the exposition format. */
  render(): string[] {
    this.collect?.(this);
    return [...this.#values.values()].map(({ labels, value }) =>
      `${this.name}${labelText(labels)} ${formatNumber(value)}`
    );
  }
}

/** A value that goes up and down, per label set, optionally read at render time. */
export class Gauge implements Metric {
  readonly type = "gauge";
  #values = new Map<string, { labels: Labels; value: number }>();

  /** Creates a gauge; `collect` (if given) sets values just before rendering. */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly collect?: (gauge: Gauge) => void,
  ) {}

  /** Sets the value for `labels`. */
  set(value: number, labels: Labels = {}): void {
    this.#values.set(keyOf(labels), { labels, value });
  }

  /** Adds to the value for `labels`. */
  add(amount: number, labels: Labels = {}): void {
    const entry = this.#values.get(keyOf(labels));
    this.set((entry?.value ?? 0) + amount, labels);
  }

  /** Lines of the exposition format. */
  render(): string[] {
    this.collect?.(this);
    return [...this.#values.values()].map(({ labels, value }) =>
      `${this.name}${labelText(labels)} ${formatNumber(value)}`
    );
  }
}

/** Observations counted into cumulative buckets, per label set. */
export class Histogram implements Metric {
  readonly type = "histogram";
  #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  /** Creates a histogram with upper bucket bounds (ascending; +Inf is implied). */
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {}

  /** Records one observation for `labels`. */
  observe(value: number, labels: Labels = {}): void {
    const key = keyOf(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    this.buckets.forEach((bound, i) => {
      if (value <= bound) series.counts[i]++;
    });
    series.sum += value;
    series.count++;
  }

  /** Lines of the exposition format. */
  render(): string[] {
    const lines: string[] = [];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      this.buckets.forEach((bound, i) => {
        lines.push(
          `${this.name}_bucket${labelText(labels, { le: formatNumber(bound) })} ${counts[i]}`,
        );
      });
      lines.push(`${this.name}_bucket${labelText(labels, { le: "+Inf" })} ${count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${sum}`);
      lines.push(`${this.name}_count${labelText(labels)} ${count}`);
    }
    return lines;
  }
}

/** A set of metrics rendered together. */
export class Registry {
  #metrics: Metric[] = [];

  /** Registers a metric and returns it. */
  add<M extends Metric>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }

  /** The text exposition of every metric. */
  render(): string {
    const lines: string[] = [];
    for (const metric of this.#metrics) {
      const help = metric.help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
      lines.push(`# HELP ${metric.name} ${help}`, `# TYPE ${metric.name} ${metric.type}`);
      lines.push(...metric.render());
    }
    return lines.join("\n") + "\n";
  }
}
