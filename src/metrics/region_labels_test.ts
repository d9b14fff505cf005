import assert from "node:assert/strict";
import { OTHER_REGION, RegionLabels } from "./region_labels.ts";

Deno.test("a region gets its own label once an endpoint answered there", () => {
  const labels = new RegionLabels();
  assert.equal(labels.label("us-east-1", false), OTHER_REGION);
  assert.equal(labels.label("us-east-1", true), "us-east-1");
  assert.equal(labels.label("us-east-1", false), "us-east-1", "kept after a later network error");
});

Deno.test("made-up regions never answer and stay 'other'; at most max regions get labels", () => {
  const labels = new RegionLabels(3);
  for (let i = 0; i < 1_000; i++) assert.equal(labels.label(`zz-fake-${i}`, false), OTHER_REGION);
  for (const region of ["a-b-1", "a-b-2", "a-b-3"]) {
    assert.equal(labels.label(region, true), region);
  }
  assert.equal(labels.label("a-b-4", true), OTHER_REGION);
});
