import assert from "node:assert/strict";
import { bindHostnames, formatHostPort, parseListenAddress } from "./listen_address.ts";

Deno.test("a port alone listens on every interface", () => {
  assert.deepEqual(parseListenAddress(":8989"), { hostname: "", port: 8989 });
});

Deno.test("every interface binds :: (dual stack) first, then 0.0.0.0", () => {
  assert.deepEqual(bindHostnames({ hostname: "", port: 8989 }), ["::", "0.0.0.0"]);
});

Deno.test("a given host is bound alone, an IPv4 wildcard staying IPv4 only as in Go", () => {
  assert.deepEqual(bindHostnames({ hostname: "0.0.0.0", port: 8989 }), ["0.0.0.0"]);
  assert.deepEqual(bindHostnames({ hostname: "::1", port: 8989 }), ["::1"]);
  assert.deepEqual(bindHostnames({ hostname: "localhost", port: 1 }), ["localhost"]);
});

Deno.test("host and port print as Go prints them: IPv6 in brackets", () => {
  assert.equal(formatHostPort("::", 8989), "[::]:8989");
  assert.equal(formatHostPort("0.0.0.0", 8989), "0.0.0.0:8989");
  assert.equal(formatHostPort("localhost", 1), "localhost:1");
});

Deno.test("an IPv4 host and port are taken as given", () => {
  assert.deepEqual(parseListenAddress("0.0.0.0:8989"), { hostname: "0.0.0.0", port: 8989 });
  assert.deepEqual(parseListenAddress("127.0.0.1:9090"), { hostname: "127.0.0.1", port: 9090 });
});

Deno.test("a bracketed IPv6 host is returned without its brackets", () => {
  assert.deepEqual(parseListenAddress("[::1]:8989"), { hostname: "::1", port: 8989 });
  assert.deepEqual(parseListenAddress("[::]:1"), { hostname: "::", port: 1 });
});

Deno.test("a host name is accepted", () => {
  assert.deepEqual(parseListenAddress("localhost:65535"), { hostname: "localhost", port: 65535 });
});

Deno.test("an empty address and 0 turn the endpoint off", () => {
  assert.equal(parseListenAddress(""), undefined);
  assert.equal(parseListenAddress("0"), undefined);
});

Deno.test("an address that is not host:port throws a message naming it", () => {
  for (const text of ["8989", "localhost", "127.0.0.1:", ":http", "::1:8989", "[::1]", "a:b:1"]) {
    assert.throws(() => parseListenAddress(text), {
      message: `invalid address ${JSON.stringify(text)}: use host:port, e.g. :8989`,
    }, text);
  }
});

Deno.test("a port outside 1-65535 throws", () => {
  for (const text of [":65536", ":99999", "127.0.0.1:123456"]) {
    assert.throws(() => parseListenAddress(text), {
      message: `invalid address ${JSON.stringify(text)}: use host:port, e.g. :8989`,
    }, text);
  }
});
