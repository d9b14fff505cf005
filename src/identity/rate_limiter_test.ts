import assert from "node:assert/strict";
import { RateLimitError, TokenBucket } from "./rate_limiter.ts";

const CLIENT_GO_TEXT =
  "client rate limiter Wait returned an error: rate: Wait(n=1) would exceed context deadline";

function bucket(qps: number, burst: number) {
  const clock = { now: 5_000 };
  return { limiter: new TokenBucket({ qps, burst, now: () => clock.now }), clock };
}

/** Takes tokens while they come at once; returns how many did. */
async function immediateTokens(limiter: TokenBucket, clock: { now: number }): Promise<number> {
  let taken = 0;
  while (taken < 1000) {
    try {
      await limiter.wait({ deadline: clock.now });
    } catch (error) {
      assert.ok(error instanceof RateLimitError);
      return taken;
    }
    taken++;
  }
  return taken;
}

Deno.test("a full bucket hands out `burst` tokens at once", async () => {
  const { limiter, clock } = bucket(5, 3);
  assert.equal(await immediateTokens(limiter, clock), 3);
});

Deno.test("qps 0 and burst 0 mean client-go's defaults 5 and 10", async () => {
  const { limiter, clock } = bucket(0, 0);
  assert.equal(await immediateTokens(limiter, clock), 10);
  clock.now += 200; // one token per 200 ms at 5 qps
  assert.equal(await immediateTokens(limiter, clock), 1);
  clock.now += 1_000;
  assert.equal(await immediateTokens(limiter, clock), 5);
});

Deno.test("tokens refill at qps but never beyond burst", async () => {
  const { limiter, clock } = bucket(10, 2);
  assert.equal(await immediateTokens(limiter, clock), 2);
  clock.now += 60_000;
  assert.equal(await immediateTokens(limiter, clock), 2);
});

Deno.test("a token that would come after the deadline fails at once with client-go's text", async () => {
  const { limiter, clock } = bucket(1, 1);
  await limiter.wait();
  const started = performance.now();
  await assert.rejects(limiter.wait({ deadline: clock.now + 999 }), (error: Error) => {
    assert.ok(error instanceof RateLimitError);
    assert.equal(error.message, CLIENT_GO_TEXT);
    return true;
  });
  assert.ok(performance.now() - started < 50);
});

Deno.test("a waiter whose token comes before the deadline waits for it", async () => {
  const { limiter, clock } = bucket(100, 1); // one token per 10 ms
  await limiter.wait();
  const started = performance.now();
  await limiter.wait({ deadline: clock.now + 10 });
  assert.ok(performance.now() - started >= 8);
});

Deno.test("waiters reserve tokens in turn, so each waits longer than the one before", async () => {
  const { limiter, clock } = bucket(100, 1);
  await limiter.wait();
  const second = limiter.wait({ deadline: clock.now + 10 });
  // The second waiter holds the token of t+10 ms; the third would need t+20 ms.
  await assert.rejects(limiter.wait({ deadline: clock.now + 19 }), RateLimitError);
  await second;
});

Deno.test("an aborted wait fails with client-go's text and gives its token back", async () => {
  const { limiter, clock } = bucket(1, 1);
  await limiter.wait();
  const controller = new AbortController();
  const waiting = limiter.wait({ signal: controller.signal });
  controller.abort();
  await assert.rejects(waiting, { message: CLIENT_GO_TEXT });
  clock.now += 1_000;
  assert.equal(await immediateTokens(limiter, clock), 1);
});

Deno.test("a negative qps means no limit", async () => {
  const { limiter, clock } = bucket(-1, 1);
  for (let i = 0; i < 100; i++) await limiter.wait({ deadline: clock.now - 1 });
});
