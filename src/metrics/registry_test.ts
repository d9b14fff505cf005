import assert from "node:assert/strict";
import { Counter, Gauge, Histogram, Registry } from "./registry.ts";

Deno.test("each metric is rendered as HELP, TYPE, then its samples, and the text ends with a newline", () => {
  const registry = new Registry();
  registry.add(new Counter("requests_total", "Requests served.")).inc({ path: "/a" });
  registry.add(new Gauge("temperature", "Current temperature.")).set(21.5);
  assert.equal(
    registry.render(),
    [
      "# HELP requests_total Requests served.",
      "# TYPE requests_total counter",
      'requests_total{path="/a"} 1',
      "# HELP temperature Current temperature.",
      "# TYPE temperature gauge",
      "temperature 21.5",
      "",
    ].join("\n"),
  );
});

Deno.test("a metric without samples still has its HELP and TYPE lines", () => {
  const registry = new Registry();
  registry.add(new Counter("errors_total", "Errors."));
  registry.add(new Histogram("latency_seconds", "Latency.", [1]));
  assert.equal(
    registry.render(),
    "# HELP errors_total Errors.\n# TYPE errors_total counter\n" +
      "# HELP latency_seconds Latency.\n# TYPE latency_seconds histogram\n",
  );
});

Deno.test("label values escape backslash, double quote and newline", () => {
  const counter = new Counter("odd_total", "Odd labels.");
  counter.inc({ value: 'C:\\dir "quoted"\nnext line' });
  assert.deepEqual(counter.render(), [
    'odd_total{value="C:\\\\dir \\"quoted\\"\\nnext line"} 1',
  ]);
});

Deno.test("labels keep the order they were given in and are separated by commas", () => {
  const counter = new Counter("calls_total", "Calls.");
  counter.inc({ service: "ssm", api: "GetParameters", region: "us-east-1" });
  assert.deepEqual(counter.render(), [
    'calls_total{service="ssm",api="GetParameters",region="us-east-1"} 1',
  ]);
});

Deno.test("counter increments with the same labels in any order add up in one series", () => {
  const counter = new Counter("calls_total", "Calls.");
  counter.inc({ a: "1", b: "2" });
  counter.inc({ b: "2", a: "1" }, 4);
  counter.inc({ a: "1", b: "3" });
  assert.equal(counter.get({ b: "2", a: "1" }), 5);
  assert.equal(counter.get({ a: "9" }), 0);
  assert.deepEqual(counter.render(), ['calls_total{a="1",b="2"} 5', 'calls_total{a="1",b="3"} 1']);
});

Deno.test("a counter's collect callback sets totals kept elsewhere at every render", () => {
  let hits = 3;
  const counter = new Counter(
    "hits_total",
    "Hits.",
    (self) => self.set(hits, { cache: "credentials" }),
  );
  assert.deepEqual(counter.render(), ['hits_total{cache="credentials"} 3']);
  hits = 7;
  assert.deepEqual(counter.render(), ['hits_total{cache="credentials"} 7']);
});

Deno.test("a gauge goes up and down and its collect callback reads the value at render time", () => {
  const gauge = new Gauge("queue_length", "Queue length.");
  gauge.add(5);
  gauge.add(-2);
  assert.deepEqual(gauge.render(), ["queue_length 3"]);

  let inFlight = 2;
  const collected = new Gauge("in_flight", "In flight.", (self) => self.set(inFlight));
  assert.deepEqual(collected.render(), ["in_flight 2"]);
  inFlight = 0;
  assert.deepEqual(collected.render(), ["in_flight 0"]);
});

Deno.test("infinite values are written +Inf and -Inf", () => {
  const gauge = new Gauge("bounds", "Bounds.");
  gauge.set(Infinity, { side: "upper" });
  gauge.set(-Infinity, { side: "lower" });
  assert.deepEqual(gauge.render(), ['bounds{side="upper"} +Inf', 'bounds{side="lower"} -Inf']);
});

Deno.test("histogram buckets are cumulative with le bounds inclusive, then +Inf, _sum and _count", () => {
  const histogram = new Histogram("duration_seconds", "Durations.", [0.5, 1, 5]);
  for (const value of [0.25, 0.5, 2, 10]) histogram.observe(value);
  assert.deepEqual(histogram.render(), [
    'duration_seconds_bucket{le="0.5"} 2',
    'duration_seconds_bucket{le="1"} 2',
    'duration_seconds_bucket{le="5"} 3',
    'duration_seconds_bucket{le="+Inf"} 4',
    "duration_seconds_sum 12.75",
    "duration_seconds_count 4",
  ]);
});

Deno.test("histogram series are kept per label set, with le after the series' labels", () => {
  const histogram = new Histogram("duration_seconds", "Durations.", [1]);
  histogram.observe(0.5, { outcome: "ok" });
  histogram.observe(2, { outcome: "FetchError" });
  assert.deepEqual(histogram.render(), [
    'duration_seconds_bucket{outcome="ok",le="1"} 1',
    'duration_seconds_bucket{outcome="ok",le="+Inf"} 1',
    'duration_seconds_sum{outcome="ok"} 0.5',
    'duration_seconds_count{outcome="ok"} 1',
    'duration_seconds_bucket{outcome="FetchError",le="1"} 0',
    'duration_seconds_bucket{outcome="FetchError",le="+Inf"} 1',
    'duration_seconds_sum{outcome="FetchError"} 2',
    'duration_seconds_count{outcome="FetchError"} 1',
  ]);
});

Deno.test("Registry.add returns the metric it registered", () => {
  const registry = new Registry();
  const counter = new Counter("x_total", "X.");
  assert.equal(registry.add(counter), counter);
});
