// The demo's auth server, as a Traefik forwardAuth middleware asks it: a request passes with the
// team's token, or when it asks for a health endpoint (so probes and load balancers need none).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What a client of a service behind auth sends. */
export const DEMO_AUTHORIZATION = "Bearer demo-token";
/** The headers of the team's client: every request the demo sends as a person would carries them. */
export const CLIENT_CREDENTIALS: Readonly<Record<string, string>> = { authorization: DEMO_AUTHORIZATION };

export interface AuthServer {
  /** The forwardAuth address, e.g. http://127.0.0.1:40123/verify */
  address: string;
  close(): Promise<void>;
}

export async function startAuthServer(): Promise<AuthServer> {
  const server: Server = createServer((request, response) => {
    const uri = String(request.headers["x-forwarded-uri"] ?? "");
    if (request.headers.authorization === DEMO_AUTHORIZATION || /\/health$/.test(uri.split("?")[0] ?? "")) {
      response.writeHead(200).end();
      return;
    }
    response.writeHead(401, { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="dev"' }).end("401 Unauthorized\n");
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once("error", rejectListen);
    server.listen(0, "127.0.0.1", () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}/verify`,
    close: () =>
      new Promise((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
