/**
 * A Docker Engine API stand-in on a Unix socket, for running the real
 * testcontainers (and dockerode, docker-modem and Deno's `node:http` under
 * them) without Docker: the calls `GenericContainer.start()`, `stop()` and
 * the reaper make (`/info`, image inspect, container list, create, archive
 * upload, start, inspect, logs, stop, remove) are answered from memory, and
 * every request is recorded for the tests to look at.
 *
 * A "running" container is a loopback HTTP server (or, for the Ryuk image, a
 * TCP server that records the lines it is sent) behind its published port,
 * on `127.0.0.1`, so wait strategies and reaper connections really connect.
 * A container whose image is marked `exits` stops at once, with its log.
 *
 * Only what testcontainers 12.2.0 uses is implemented; anything else is
 * answered 501 with the path, so a new call shows up as a failed test.
 *
 * @module
 */

/** One recorded API request. */
export interface EngineRequest {
  /** HTTP method. */
  method: string;
  /** Path (API version prefix removed). */
  path: string;
  /** Query parameters. */
  query: Record<string, string>;
  /** JSON body, when there was one. */
  body?: unknown;
}

/** How containers of one image behave. */
export interface ImageBehaviour {
  /** Log lines written at start. */
  logs?: string[];
  /** The container exits right after it starts (as LocalStack without its token). */
  exits?: boolean;
  /** Answers HTTP on the published port. @default {200 "ok" for every path} */
  handler?: (request: Request) => Response | Promise<Response>;
}

/** A file of an archive uploaded into a container. */
export interface ArchiveEntry {
  /** Path in the archive. */
  name: string;
  /** Content. */
  content: string;
}

/** A container of the stand-in. */
export interface StandInContainer {
  /** Id. */
  id: string;
  /** Name, without the leading slash. */
  name: string;
  /** The create request's body. */
  create: Record<string, unknown>;
  /** Files uploaded into it. */
  files: ArchiveEntry[];
  /** Lifecycle: created, running, exited, removed. */
  state: "created" | "running" | "exited" | "removed";
  /** Published ports: `<port>/tcp` → host port. */
  ports: Record<string, number>;
  /** IP on its network. */
  ip: string;
}

/** The image the reaper runs (testcontainers 12.2.0's default). */
export const RYUK_IMAGE = "testcontainers/ryuk:0.14.0";

/** A running stand-in. */
export interface DockerEngineStandIn extends AsyncDisposable {
  /** `unix://<socket>`, for `DOCKER_HOST`. */
  dockerHost: string;
  /** Every request, in order. */
  requests: EngineRequest[];
  /** Containers by id (removed ones stay, marked). */
  containers: Map<string, StandInContainer>;
  /** Lines sent to the reaper's socket (`label=…`). */
  reaperLines: string[];
  /** Stops everything (again: nothing more). */
  close(): Promise<void>;
}

interface Running {
  container: StandInContainer;
  log: string[];
  followers: Set<ReadableStreamDefaultController<Uint8Array>>;
  servers: { shutdown(): Promise<void> }[];
}

/** Starts the stand-in on a socket in `dir`. */
export function startDockerEngineStandIn(
  dir: string,
  options: { images?: Record<string, ImageBehaviour> } = {},
): DockerEngineStandIn {
  const socket = `${dir}/docker.sock`;
  const requests: EngineRequest[] = [];
  const containers = new Map<string, StandInContainer>();
  const reaperLines: string[] = [];
  const running = new Map<string, Running>();
  const pending = new Set<Promise<unknown>>();
  let next = 1;

  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    });
  const error = (status: number, message: string) => json({ message }, status);

  function find(idOrName: string): Running | undefined {
    for (const entry of running.values()) {
      const { container } = entry;
      if (container.state === "removed") continue;
      if (container.id === idOrName || container.name === idOrName) return entry;
    }
    return undefined;
  }

  function frame(line: string): Uint8Array {
    const payload = new TextEncoder().encode(`${line}\n`);
    const bytes = new Uint8Array(8 + payload.length);
    bytes[0] = 1; // stdout
    new DataView(bytes.buffer).setUint32(4, payload.length);
    bytes.set(payload, 8);
    return bytes;
  }

  function write(entry: Running, line: string): void {
    entry.log.push(line);
    for (const follower of entry.followers) follower.enqueue(frame(line));
  }

  async function stop(entry: Running, state: "exited" | "removed"): Promise<void> {
    for (const server of entry.servers.splice(0)) await server.shutdown();
    for (const follower of entry.followers) follower.close();
    entry.followers.clear();
    entry.container.state = state;
  }

  async function startContainer(entry: Running): Promise<void> {
    const { container } = entry;
    const image = String(container.create.Image);
    const behaviour = options.images?.[image] ?? {};
    container.state = "running";
    const bindings = (container.create.HostConfig as { PortBindings?: Record<string, unknown> })
      ?.PortBindings ?? {};
    for (const port of Object.keys(bindings)) {
      if (image === RYUK_IMAGE) {
        const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        container.ports[port] = listener.addr.port;
        const accepting = (async () => {
          for await (const connection of listener) {
            pending.add(readLines(connection));
          }
        })();
        entry.servers.push({
          shutdown: async () => {
            listener.close();
            await accepting.catch(() => {});
          },
        });
      } else {
        const server = Deno.serve({
          hostname: "127.0.0.1",
          port: 0,
          onListen: () => {},
        }, behaviour.handler ?? (() => new Response("ok")));
        container.ports[port] = server.addr.port;
        entry.servers.push(server);
      }
    }
    for (const line of behaviour.logs ?? (image === RYUK_IMAGE ? ["Started"] : [])) {
      write(entry, line);
    }
    if (behaviour.exits) await stop(entry, "exited");
  }

  async function readLines(connection: Deno.Conn): Promise<void> {
    let buffered = "";
    const decoder = new TextDecoder();
    try {
      for await (const chunk of connection.readable) {
        buffered += decoder.decode(chunk, { stream: true });
        const lines = buffered.split("\r\n");
        buffered = lines.pop()!;
        for (const line of lines) {
          reaperLines.push(line);
          await connection.write(new TextEncoder().encode("ACK\n"));
        }
      }
    } catch {
      // the client went away
    }
  }

  function inspect(entry: Running): unknown {
    const { container } = entry;
    const create = container.create as {
      Config?: unknown;
      Labels?: Record<string, string>;
      Hostname?: string;
      HostConfig?: { NetworkMode?: string; PortBindings?: Record<string, unknown> };
    };
    const network = create.HostConfig?.NetworkMode ?? "bridge";
    const bindings = create.HostConfig?.PortBindings ?? {};
    const hostIp = (port: string) =>
      ((bindings[port] as { HostIp?: string }[] | undefined)?.[0]?.HostIp) || "0.0.0.0";
    return {
      Id: container.id,
      Name: `/${container.name}`,
      Created: new Date().toISOString(),
      Config: { Hostname: container.id.slice(0, 12), Labels: create.Labels ?? {} },
      State: {
        Status: container.state,
        Running: container.state === "running",
        StartedAt: new Date().toISOString(),
        FinishedAt: "0001-01-01T00:00:00Z",
      },
      HostConfig: create.HostConfig ?? {},
      NetworkSettings: {
        Ports: Object.fromEntries(
          Object.entries(container.ports).map((
            [port, hostPort],
          ) => [port, [{ HostIp: hostIp(port), HostPort: String(hostPort) }]]),
        ),
        Networks: { [network]: { NetworkID: `${network}-id`, IPAddress: container.ip } },
      },
    };
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.replace(/^\/v\d+\.\d+/, "");
    const query = Object.fromEntries(url.searchParams);
    const text = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const isJson = request.headers.get("content-type")?.includes("json");
    const body = text && isJson && text.length > 0
      ? JSON.parse(new TextDecoder().decode(text))
      : undefined;
    requests.push({ method: request.method, path, query, ...(body === undefined ? {} : { body }) });

    if (request.method === "GET" && path === "/info") {
      return json({
        ServerVersion: "28.5.1",
        OperatingSystem: "Docker Engine stand-in",
        OSType: "linux",
        Architecture: "x86_64",
        NCPU: 2,
        MemTotal: 4 << 30,
        IndexServerAddress: "https://index.docker.io/v1/",
        Labels: [],
      });
    }
    if (request.method === "GET" && /^\/images\/.+\/json$/.test(path)) {
      return json({ Id: "sha256:stand-in", RepoTags: [path.slice(8, -5)] });
    }
    if (request.method === "GET" && path === "/containers/json") {
      const all = query.all === "true" || query.all === "1";
      const filters = query.filters ? JSON.parse(query.filters) as { label?: string[] } : {};
      const list = [...running.values()].filter(({ container }) =>
        container.state !== "removed" && (all || container.state === "running") &&
        (filters.label ?? []).every((label) => {
          const [key, value] = label.split("=");
          const labels = (container.create.Labels ?? {}) as Record<string, string>;
          return value === undefined ? key in labels : labels[key] === value;
        })
      );
      return json(list.map(({ container }) => ({
        Id: container.id,
        Names: [`/${container.name}`],
        Image: container.create.Image,
        Labels: container.create.Labels ?? {},
        State: container.state,
        Created: 0,
        Ports: Object.entries(container.ports).map(([port, publicPort]) => ({
          PrivatePort: Number(port.split("/")[0]),
          PublicPort: publicPort,
          Type: "tcp",
        })),
      })));
    }
    if (request.method === "POST" && path === "/containers/create") {
      const name = query.name ?? `stand-in-${next}`;
      if (find(name)) {
        return error(409, `Conflict. The container name "/${name}" is already in use`);
      }
      const id = `${String(next).padStart(4, "0")}${"c".repeat(60)}`;
      const container: StandInContainer = {
        id,
        name,
        create: body as Record<string, unknown>,
        files: [],
        state: "created",
        ports: {},
        ip: `172.18.0.${10 + next}`,
      };
      next += 1;
      containers.set(id, container);
      running.set(id, { container, log: [], followers: new Set(), servers: [] });
      return json({ Id: id, Warnings: [] }, 201);
    }
    const match = path.match(/^\/containers\/([^/]+)(\/[a-z]+)?$/);
    const entry = match ? find(decodeURIComponent(match[1])) : undefined;
    if (match && !entry) return error(404, `No such container: ${match[1]}`);
    if (entry && match) {
      const action = match[2] ?? "";
      if (request.method === "PUT" && action === "/archive") {
        entry.container.files.push(...untar(text ?? new Uint8Array()));
        return new Response(null, { status: 200 });
      }
      if (request.method === "POST" && action === "/start") {
        await startContainer(entry);
        return new Response(null, { status: 204 });
      }
      if (request.method === "GET" && action === "/json") return json(inspect(entry));
      if (request.method === "GET" && action === "/logs") {
        // `tail=-1` (testcontainers' default) means every line.
        const tail = Number(query.tail ?? -1);
        const lines = tail < 0 ? entry.log : entry.log.slice(-tail);
        const follow = (query.follow === "true" || query.follow === "1") &&
          entry.container.state === "running";
        let self: ReadableStreamDefaultController<Uint8Array> | undefined;
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            self = controller;
            for (const line of lines) controller.enqueue(frame(line));
            if (follow) entry.followers.add(controller);
            else controller.close();
          },
          cancel() {
            if (self) entry.followers.delete(self);
          },
        });
        return new Response(stream, {
          headers: { "content-type": "application/vnd.docker.multiplexed-stream" },
        });
      }
      if (request.method === "POST" && action === "/stop") {
        if (entry.container.state !== "running") return new Response(null, { status: 304 });
        await stop(entry, "exited");
        return new Response(null, { status: 204 });
      }
      if (request.method === "DELETE" && action === "") {
        const force = query.force === "true" || query.force === "1";
        if (entry.container.state === "running" && !force) {
          return error(409, "cannot remove a running container: stop it or use force");
        }
        await stop(entry, "removed");
        return new Response(null, { status: 204 });
      }
    }
    return error(501, `the stand-in does not implement ${request.method} ${path}`);
  }

  const server = Deno.serve({ path: socket, onListen: () => {} }, handle);
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      for (const entry of running.values()) {
        if (entry.container.state === "running") await stop(entry, "exited");
      }
      await server.shutdown();
      await Promise.allSettled([...pending]);
    })();
  return {
    dockerHost: `unix://${socket}`,
    requests,
    containers,
    reaperLines,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The regular files of a tar archive (ustar names, prefix included). */
export function untar(bytes: Uint8Array): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [];
  const decoder = new TextDecoder();
  const field = (offset: number, length: number) =>
    decoder.decode(bytes.subarray(offset, offset + length)).replace(/\0.*$/s, "");
  let offset = 0;
  while (offset + 512 <= bytes.length) {
    const name = field(offset, 100);
    if (name === "") break;
    const prefix = field(offset + 345, 155);
    const size = parseInt(field(offset + 124, 12).trim() || "0", 8);
    const type = field(offset + 156, 1);
    if (type === "0" || type === "") {
      entries.push({
        name: prefix ? `${prefix}/${name}` : name,
        content: decoder.decode(bytes.subarray(offset + 512, offset + 512 + size)),
      });
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}
