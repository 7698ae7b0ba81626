// Stand-ins for the containers of RUNNING ECS tasks: the emulator runs no images, so for every task
// container the router discovers, the demo starts a tiny HTTP server on 127.0.0.1 that answers as
// that container would. Like an OpenTelemetry-instrumented service, a container with a
// DOWNSTREAM_URL in its task definition's environment calls it (back through the router) and
// carries the incoming W3C baggage to that call; it does not forward the routing header or cookie,
// because instrumentation does not either. It passes the caller's Authorization on, as services
// behind one gateway's auth do, so a call to a service behind auth is the caller's. A container with a STORE_DIR writes each POST to its
// "database" there, a directory per route that the on-deploy hook creates and on-reap drops.
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter } from "@opentelemetry/api";
import { W3CBaggagePropagator } from "@opentelemetry/core";
import { SERVED_BY_HEADER } from "../../src/routing/signal.js";

/** The environment variable that names the service a container calls for each request. */
export const DOWNSTREAM_URL_VARIABLE = "DOWNSTREAM_URL";
/** Set on every route copy by the deploy actions (docs/design.md §3); absent on the default services. */
export const ROUTE_VERSION_VARIABLE = "ROUTE_VERSION";
/** The directory a container's writes go to: its route's "database". */
export const STORE_DIR_VARIABLE = "STORE_DIR";
/** The file in a store that holds one JSON line per write. */
export const STORE_FILE = "orders.jsonl";

/** One container of one RUNNING task, as its task definition describes it. */
export interface TaskContainer {
  taskArn: string;
  /** The ECS service that started the task (from the task's `group`, `service:<name>`). */
  service: string;
  container: string;
  image: string;
  environment: Record<string, string>;
}

/** What a stand-in container answers. */
export interface ContainerAnswer {
  service: string;
  /** The container's ROUTE_VERSION, or `default` for a base service. */
  route: string;
  image: string;
  /** The path the container was asked for, after the router's middlewares (stripPrefix). */
  path: string;
  /** The answer of the downstream call, when the container has one. */
  downstream?: DownstreamAnswer;
  /** The store a POST was written to. */
  wroteTo?: string;
}

/** One write a container made to its store. */
export interface StoredWrite {
  service: string;
  route: string;
  body: string;
}

export interface DownstreamAnswer {
  url: string;
  status: number;
  /** The X-Served-By-Route header of the downstream answer (null: a default service answered). */
  servedByRoute: string | null;
  answer?: ContainerAnswer;
  error?: string;
}

const baggagePropagator = new W3CBaggagePropagator();
const DOWNSTREAM_TIMEOUT_MS = 5_000;

/** The outgoing headers OpenTelemetry's baggage propagator writes for an incoming request. */
function propagatedBaggage(request: IncomingMessage): Record<string, string> {
  const incoming = baggagePropagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
  const outgoing: Record<string, string> = {};
  baggagePropagator.inject(incoming, outgoing, defaultTextMapSetter);
  return outgoing;
}

async function callDownstream(url: string, request: IncomingMessage): Promise<DownstreamAnswer> {
  try {
    const authorization = request.headers.authorization;
    const headers = { ...propagatedBaggage(request), ...(authorization === undefined ? {} : { authorization }) };
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(DOWNSTREAM_TIMEOUT_MS) });
    const text = await response.text();
    const servedByRoute = response.headers.get(SERVED_BY_HEADER);
    if (!response.ok) return { url, status: response.status, servedByRoute, error: text.trim() };
    return { url, status: response.status, servedByRoute, answer: JSON.parse(text) as ContainerAnswer };
  } catch (error) {
    return { url, status: 0, servedByRoute: null, error: error instanceof Error ? error.message : String(error) };
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Appends a POST to the container's store; a store that was never created is the deploy's mistake. */
function write(identity: TaskContainer, route: string, text: string, response: ServerResponse): string | undefined {
  const store = identity.environment[STORE_DIR_VARIABLE];
  if (store === undefined || store === "" || !existsSync(store)) {
    response.writeHead(500, { "content-type": "text/plain" }).end(`no store: ${STORE_DIR_VARIABLE} is '${store ?? ""}'`);
    return undefined;
  }
  const stored: StoredWrite = { service: identity.service, route, body: text };
  appendFileSync(join(store, STORE_FILE), `${JSON.stringify(stored)}\n`);
  return store;
}

async function answer(identity: TaskContainer, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body: ContainerAnswer = {
    service: identity.service,
    route: identity.environment[ROUTE_VERSION_VARIABLE] ?? "default",
    image: identity.image,
    path: request.url ?? "/",
  };
  if (request.method === "POST") {
    const wroteTo = write(identity, body.route, await readBody(request), response);
    if (wroteTo === undefined) return;
    body.wroteTo = wroteTo;
  }
  const downstreamUrl = identity.environment[DOWNSTREAM_URL_VARIABLE];
  if (downstreamUrl !== undefined && downstreamUrl !== "") {
    body.downstream = await callDownstream(downstreamUrl, request);
  }
  const status = body.downstream !== undefined && body.downstream.error !== undefined ? 502 : 200;
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

interface RunningContainer {
  identity: TaskContainer;
  server: Server;
  url: string;
}

function containerKey(taskArn: string, container: string): string {
  return `${taskArn}#${container}`;
}

/** The stand-in containers, kept in step with the RUNNING tasks the router discovers. */
export class ContainerFleet {
  private readonly running = new Map<string, RunningContainer>();

  /** Starts a server for each new task container and stops those of tasks no longer running. */
  async reconcile(containers: readonly TaskContainer[]): Promise<void> {
    const wanted = new Map(containers.map((identity) => [containerKey(identity.taskArn, identity.container), identity]));
    const stopping = [...this.running.entries()].filter(([key]) => !wanted.has(key));
    for (const [key] of stopping) this.running.delete(key);
    await Promise.all(stopping.map(([, running]) => closeServer(running.server)));
    await Promise.all(
      [...wanted.entries()]
        .filter(([key]) => !this.running.has(key))
        .map(async ([key, identity]) => this.running.set(key, await startContainer(identity))),
    );
  }

  /** The base URL of a task container's stand-in, e.g. `http://127.0.0.1:40123`. */
  url(taskArn: string, container: string): string | undefined {
    return this.running.get(containerKey(taskArn, container))?.url;
  }

  size(): number {
    return this.running.size;
  }

  async close(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.all(all.map((running) => closeServer(running.server)));
  }
}

async function startContainer(identity: TaskContainer): Promise<RunningContainer> {
  const server = createServer((request, response) => {
    answer(identity, request, response).catch((error: unknown) => {
      response.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    });
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once("error", rejectListen);
    server.listen(0, "127.0.0.1", () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  return { identity, server, url: `http://127.0.0.1:${port}` };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose());
    server.closeAllConnections();
  });
}
