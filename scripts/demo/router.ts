// A local stand-in for Traefik with its ECS provider, for the demo: every refresh (Traefik's
// `refreshSeconds`, shortened) it reads the cluster's RUNNING tasks through the real ECS client,
// builds routers, services and middlewares from the containers' dockerLabels with the project's
// routing model (test/traefik-simulator/table.ts), and for each request picks the router Traefik would pick,
// runs its middleware chain (forwardAuth, stripPrefix, headers: middlewares.ts) and forwards with http-proxy-3.
//
// The emulator runs no containers, so discovery also drives the stand-in containers
// (containers.ts): a task's server address `<ENI IP>:<port>` is answered by its stand-in on 127.0.0.1.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { createProxyServer } from "http-proxy-3";
import type { HttpRequest } from "../../src/routing/rule/request.js";
import { buildRoutingTable, selectRouter, type RoutingTable, type TraefikService } from "../../test/traefik-simulator/table.js";
import { ContainerFleet } from "./containers.js";
import { runMiddlewareChain } from "./middlewares.js";
import { EcsDiscovery, type EcsInstance } from "./discovery.js";

export interface DemoRouterOptions {
  ecs: ECSClient;
  cluster: string;
  /** Traefik's refreshSeconds (15 s by default), in ms. */
  refreshMs: number;
  /** 0 (default): a free port. */
  port?: number;
}

/** One server of a Traefik service: a task container, reached through its stand-in. */
export interface RouterServer {
  ecsService: string;
  taskArn: string;
  /** Where Traefik would send the request: the task's ENI address and the service port. */
  address: string;
  url: string;
}

export interface DemoRouter {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Reads the cluster now (the loop also does, every refreshMs). */
  refresh(): Promise<void>;
  /** The routing table of the latest successful refresh. */
  table(): RoutingTable;
  /** The latest refresh's failure, when it failed (the previous table stays in use, as in Traefik). */
  lastError(): string | undefined;
  close(): Promise<void>;
}

/** The label that names a Traefik service's port; without it Traefik takes the lowest mapped port. */
function serverPort(instance: EcsInstance, traefikService: string): number | undefined {
  const wanted = `traefik.http.services.${traefikService}.loadbalancer.server.port`;
  const label = Object.entries(instance.labels).find(([key]) => key.toLowerCase() === wanted.toLowerCase())?.[1];
  if (label === undefined) return instance.ports.length === 0 ? undefined : Math.min(...instance.ports);
  const port = Number(label);
  return instance.ports.includes(port) ? port : undefined;
}

function isEnabled(instance: EcsInstance): boolean {
  const enable = Object.entries(instance.labels).find(([key]) => key.toLowerCase() === "traefik.enable")?.[1];
  return enable?.toLowerCase() === "true";
}

function toHttpRequest(request: IncomingMessage): HttpRequest {
  const url = new URL(request.url ?? "/", "http://router.invalid");
  const query: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
  return {
    method: request.method ?? "GET",
    host: request.headers.host ?? "",
    path: url.pathname,
    headers: request.headersDistinct as Record<string, string[]>,
    query,
    clientIp: request.socket.remoteAddress,
  };
}

export async function startDemoRouter(options: DemoRouterOptions): Promise<DemoRouter> {
  const discovery = new EcsDiscovery(options.ecs, options.cluster);
  const fleet = new ContainerFleet();
  // The README's Traefik configuration: exposedByDefault false, every routed container says traefik.enable=true.
  let table: RoutingTable = buildRoutingTable([], { exposedByDefault: false });
  let instances: EcsInstance[] = [];
  let lastError: string | undefined;
  const roundRobin = new Map<string, number>();

  const readCluster = async (): Promise<void> => {
    try {
      const discovered = await discovery.instances();
      await fleet.reconcile(
        discovered.map((instance) => ({
          taskArn: instance.taskArn,
          service: instance.service,
          container: instance.container,
          image: instance.image,
          environment: instance.environment,
        })),
      );
      // One entry per container, as the provider builds one configuration per instance and merges them.
      table = buildRoutingTable(
        discovered.map((instance) => ({ serviceName: instance.service, labels: instance.labels })),
        { exposedByDefault: false },
      );
      instances = discovered;
      lastError = undefined;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
  };
  // One read at a time: the loop and a caller's refresh() must not start two stand-ins for one task.
  let reads: Promise<void> = Promise.resolve();
  const refresh = (): Promise<void> => (reads = reads.then(readCluster));

  const serversOf = (service: TraefikService): RouterServer[] =>
    instances.flatMap((instance) => {
      if (!isEnabled(instance) || !service.servers.includes(instance.service)) return [];
      const port = serverPort(instance, service.name);
      const url = fleet.url(instance.taskArn, instance.container);
      if (port === undefined || instance.address === undefined || url === undefined) return [];
      return [{ ecsService: instance.service, taskArn: instance.taskArn, address: `${instance.address}:${port}`, url }];
    });

  const proxy = createProxyServer({ xfwd: true });
  const responseHeaders = new WeakMap<IncomingMessage, Record<string, string>>();
  // Runs before the proxied answer's headers are copied: the middleware overwrites, as Traefik's does.
  proxy.on("proxyRes", (proxyResponse, request) => {
    for (const [name, value] of Object.entries(responseHeaders.get(request) ?? {})) proxyResponse.headers[name.toLowerCase()] = value;
  });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const selection = selectRouter(table, toHttpRequest(request));
    if (selection === undefined) {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("404 page not found\n");
      return;
    }
    const servers = serversOf(selection.service);
    if (servers.length === 0) {
      response.writeHead(503, { "content-type": "text/plain; charset=utf-8" }).end("no available server\n");
      return;
    }
    const turn = roundRobin.get(selection.service.name) ?? 0;
    roundRobin.set(selection.service.name, turn + 1);
    const server = servers[turn % servers.length] as RouterServer;
    const outcome = await runMiddlewareChain(selection.middlewares, request);
    if (!outcome.proxied) {
      response.writeHead(outcome.status, outcome.headers).end(outcome.body);
      return;
    }
    responseHeaders.set(request, outcome.responseHeaders);
    proxy.web(request, response, { target: server.url }, () => {
      if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain; charset=utf-8" });
      response.end("Bad Gateway\n");
    });
  };

  const server: Server = createServer((request, response) => {
    // As Traefik answers when its forwardAuth server cannot be reached.
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      response.end(`Internal Server Error: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once("error", rejectListen);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = (): void => {
    running = refresh().then(() => {
      if (!stopped) timer = setTimeout(loop, options.refreshMs);
    });
  };
  loop();
  await running;

  return {
    url: `http://127.0.0.1:${port}`,
    refresh,
    table: () => table,
    lastError: () => lastError,
    close: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
      clearTimeout(timer);
      await new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
      proxy.close();
      await fleet.close();
    },
  };
}
