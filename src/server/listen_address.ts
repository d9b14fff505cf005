/**
 * Listen addresses in Go's `host:port` form, as flags take them.
 *
 * @module
 */

/** A `host:port` to listen on. */
export interface ListenAddress {
  /**
   * Host name or IP; empty for every interface: IPv6 and IPv4 on one
   * dual-stack socket, as Go's `:8989` does, so that probes reach it on an
   * IPv6-only cluster too.
   */
  hostname: string;
  /** TCP port. */
  port: number;
}

/**
 * Parses Go-style listen addresses: `:8989`, `0.0.0.0:8989`,
 * `127.0.0.1:9090`, `[::1]:8989`. Empty or `0` disables the endpoint.
 *
 * @returns the address, or `undefined` for disabled.
 * @throws {Error} for anything else.
 */
export function parseListenAddress(text: string): ListenAddress | undefined {
  if (text === "" || text === "0") return undefined;
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]*):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) {
    throw new Error(`invalid address ${JSON.stringify(text)}: use host:port, e.g. :8989`);
  }
  return { hostname: match[1].replace(/^\[|\]$/g, ""), port };
}

/**
 * The hosts to bind for `address`, in order, each where it can be: every
 * interface is `::`, then `0.0.0.0`; any other host is itself. Deno, unlike
 * Go, cannot set `IPV6_V6ONLY`, so what `::` takes depends on the network
 * namespace's `net.ipv6.bindv6only`: at 0, the default of every namespace
 * (a pod's included), `::` takes IPv4 too and `0.0.0.0` then finds its port
 * taken; at 1, `0.0.0.0` serves IPv4 beside it. On a node without IPv6, or
 * for a process allowed to listen on IPv4 only, `0.0.0.0` serves alone.
 */
export function bindHostnames(address: ListenAddress): string[] {
  return address.hostname === "" ? ["::", "0.0.0.0"] : [address.hostname];
}

/** `host:port` as Go prints it: an IPv6 host in brackets. */
export function formatHostPort(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}
