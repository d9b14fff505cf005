/**
 * Listen addresses in Go's `host:port` form, as flags take them.
 *
 * @module
 */

/** A `host:port` to listen on; an empty host means every interface. */
export interface ListenAddress {
  /** Host name or IP. */
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
  const host = match[1].replace(/^\[|\]$/g, "");
  return { hostname: host === "" ? "0.0.0.0" : host, port };
}
