// A local GitHub REST API for the calls the project makes (issue comments, pull requests,
// deployments and their statuses, the authenticated user, and GraphQL `viewer { login }`), so tests
// drive the real Octokit over HTTP.
// Answers follow GitHub's documented shapes, status codes, messages and pagination.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback } from "../listen.js";

export interface GitHubEmulatorOptions {
  port?: number;
}

export interface GitHubCall {
  method: string;
  /** The request path without its query, e.g. `/repos/o/r/issues/1/comments`. */
  path: string;
  /** The query string without `?` (empty when there is none). */
  query: string;
  status: number;
  at: number;
}

export type PermissionLevel = "none" | "read" | "write";

export interface TokenIdentity {
  login: string;
  type: "Bot" | "User";
  /** An installation token (the Actions GITHUB_TOKEN or a GitHub App's): GET /user answers 403. */
  installation?: boolean;
  /**
   * Omitted: everything is allowed. Given: a write needs `write` on its permission; a read is
   * refused (403) only where the permission is `none` (a permission left out here reads).
   */
  permissions?: { issues?: PermissionLevel; pullRequests?: PermissionLevel; deployments?: PermissionLevel };
}

export interface EmulatedComment {
  id: number;
  body: string;
  login: string;
  createdAt: string;
  updatedAt: string;
}

export interface EmulatedDeploymentStatus {
  state: string;
  environment_url?: string;
  log_url?: string;
  description?: string;
}

export interface EmulatedDeployment {
  id: number;
  environment: string;
  ref: string;
  sha: string;
  transient: boolean;
  production: boolean;
  autoMerge: boolean;
  requiredContexts: string[] | undefined;
  payload: unknown;
  description: string | null;
  /** Oldest first. */
  statuses: EmulatedDeploymentStatus[];
}

export interface GitHubEmulator {
  /** Use as GITHUB_API_URL / Octokit baseUrl. */
  url: string;
  close(): Promise<void>;
  addRepository(fullName: string): void;
  /**
   * A token and who it is: the Actions GITHUB_TOKEN is an installation token whose comments are
   * authored by `github-actions[bot]` (a GitHub App's by `<app-slug>[bot]`), type Bot; GET /user
   * answers 403 for it and GraphQL `viewer { login }` names it; a PAT is a User.
   */
  addToken(token: string, identity: TokenIdentity): void;
  addPullRequest(
    fullName: string,
    pr: { number: number; state: "open" | "closed"; merged?: boolean; headSha?: string; headRef?: string },
  ): void;
  /** Seeds a comment (e.g. 150 of them, or a person's comment quoting a marker); returns its id. */
  addIssueComment(fullName: string, issueNumber: number, comment: { body: string; login: string; type?: "Bot" | "User" }): number;
  comments(fullName: string, issueNumber: number): EmulatedComment[];
  deployments(fullName: string): EmulatedDeployment[];
  calls(): GitHubCall[];
  resetCalls(): void;
  /** The next `count` requests whose method and path match answer `status` (e.g. 502) without taking effect. */
  failRequests(match: { method: string; path: RegExp }, status: number, count?: number): void;
}

const DOCS = "https://docs.github.com/rest";
const DEPLOYMENT_STATES = new Set(["error", "failure", "inactive", "in_progress", "queued", "pending", "success"]);
const DEFAULT_PER_PAGE = 30;
const MAX_PER_PAGE = 100;

interface Actor {
  login: string;
  id: number;
  type: "Bot" | "User";
}

interface StoredComment {
  id: number;
  issueNumber: number;
  body: string;
  user: Actor;
  createdAt: string;
  updatedAt: string;
}

interface StoredStatus {
  id: number;
  state: string;
  description: string;
  environment: string;
  environmentUrl: string;
  logUrl: string;
  creator: Actor;
  createdAt: string;
}

interface StoredDeployment {
  id: number;
  ref: string;
  sha: string;
  task: string;
  environment: string;
  originalEnvironment: string;
  description: string | null;
  payload: unknown;
  transient: boolean;
  production: boolean;
  autoMerge: boolean;
  requiredContexts: string[] | undefined;
  creator: Actor;
  createdAt: string;
  statuses: StoredStatus[];
}

interface StoredPullRequest {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  headSha: string;
  headRef: string;
}

interface Repository {
  id: number;
  owner: string;
  name: string;
  pulls: Map<number, StoredPullRequest>;
  /** Issue numbers that exist (pull requests are issues too). */
  issues: Set<number>;
  comments: StoredComment[];
  deployments: StoredDeployment[];
}

interface Caller {
  identity: TokenIdentity;
  actor: Actor;
}

/** An answer to send: status, JSON body (none for 204) and extra headers. */
class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

function message(status: number, text: string): Reply {
  return new Reply(status, { message: text, documentation_url: DOCS, status: String(status) });
}

const notFound = (): Reply => message(404, "Not Found");

function validationFailed(field: string, code: string, text?: string): Reply {
  return new Reply(422, {
    message: text ?? "Validation Failed",
    errors: [{ resource: "Deployment", field, code }],
    documentation_url: DOCS,
    status: "422",
  });
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export async function startGitHubEmulator(options: GitHubEmulatorOptions = {}): Promise<GitHubEmulator> {
  const repositories = new Map<string, Repository>();
  const tokens = new Map<string, Caller>();
  const actors = new Map<string, Actor>();
  const log: GitHubCall[] = [];
  const failures: { method: string; path: RegExp; status: number; remaining: number }[] = [];
  let nextId = 1000;
  // Every write moves the clock by a second at least, so created/updated times order like GitHub's.
  let lastTime = 0;
  const now = (): string => {
    lastTime = Math.max(Date.now(), lastTime + 1000);
    return isoSeconds(new Date(lastTime));
  };

  const actorFor = (login: string, type: "Bot" | "User"): Actor => {
    let actor = actors.get(login);
    if (actor === undefined) {
      actor = { login, type, id: nextId++ };
      actors.set(login, actor);
    }
    return actor;
  };

  const repository = (fullName: string): Repository => {
    const found = repositories.get(fullName.toLowerCase());
    if (found === undefined) {
      throw new Error(`GitHub emulator: unknown repository ${fullName}; call addRepository first`);
    }
    return found;
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", `http://${request.headers.host ?? "localhost"}`);
    let reply: Reply;
    try {
      const body = await readBody(request);
      const failure = failures.find((entry) => entry.method === request.method && entry.path.test(url.pathname));
      if (failure !== undefined) {
        if (--failure.remaining === 0) failures.splice(failures.indexOf(failure), 1);
        reply = message(failure.status, "Server Error");
      } else {
        reply = route(request.method ?? "GET", url, request.headers.authorization, body);
      }
    } catch (error) {
      reply = error instanceof Reply ? error : message(500, String(error));
    }
    log.push({ method: request.method ?? "GET", path: url.pathname, query: url.search.slice(1), status: reply.status, at: Date.now() });
    const headers: Record<string, string> = { "x-github-media-type": "github.v3; format=json", ...reply.headers };
    if (reply.status === 204) {
      response.writeHead(204, headers).end();
      return;
    }
    response.writeHead(reply.status, { "content-type": "application/json; charset=utf-8", ...headers });
    response.end(JSON.stringify(reply.body));
  }

  function route(method: string, url: URL, authorization: string | undefined, body: unknown): Reply {
    const segments = url.pathname.split("/").filter((segment) => segment !== "").map(decodeURIComponent);
    if (authorization === undefined && segments[0] === "repos") {
      // Every repository here is private: GitHub hides a private repository from anonymous callers.
      return notFound();
    }
    const caller = authenticate(authorization);
    if (segments.length === 1 && segments[0] === "user" && method === "GET") {
      return getUser(caller);
    }
    if (segments.length === 1 && segments[0] === "graphql" && method === "POST") {
      return graphql(caller, body);
    }
    if (segments[0] !== "repos" || segments.length < 4) {
      return notFound();
    }
    const repo = repositories.get(`${segments[1]}/${segments[2]}`.toLowerCase());
    if (repo === undefined) {
      return notFound();
    }
    const rest = segments.slice(3);
    const key = `${method} ${rest.map((segment) => (/^\d+$/.test(segment) ? ":n" : segment)).join("/")}`;
    const number = (index: number): number => Number(rest[index]);
    switch (key) {
      case "GET issues/:n/comments":
        requireRead(caller, ...(repo.pulls.has(number(1)) ? (["issues", "pullRequests"] as const) : (["issues"] as const)));
        return listIssueComments(repo, number(1), url);
      case "POST issues/:n/comments":
        return createIssueComment(repo, caller, number(1), body, url);
      case "GET issues/comments/:n":
        return getIssueComment(repo, number(2), url);
      case "PATCH issues/comments/:n":
        return updateIssueComment(repo, caller, number(2), body, url);
      case "GET pulls/:n":
        requireRead(caller, "pullRequests");
        return getPullRequest(repo, number(1), url);
      case "POST deployments":
        return createDeployment(repo, caller, body, url);
      case "GET deployments":
        requireRead(caller, "deployments");
        return listDeployments(repo, url);
      case "GET deployments/:n":
        return withDeployment(repo, number(1), (deployment) => new Reply(200, deploymentJson(repo, deployment, url)));
      case "POST deployments/:n/statuses":
        return withDeployment(repo, number(1), (deployment) => createDeploymentStatus(repo, caller, deployment, body, url));
      case "GET deployments/:n/statuses":
        requireRead(caller, "deployments");
        return withDeployment(repo, number(1), (deployment) =>
          paginate(url, [...deployment.statuses].reverse(), (status) => statusJson(repo, deployment, status, url)),
        );
      default:
        return notFound();
    }
  }

  function authenticate(authorization: string | undefined): Caller {
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? "");
    if (match === null) {
      throw message(401, "Requires authentication");
    }
    const caller = tokens.get(match[1] as string);
    if (caller === undefined) {
      throw message(401, "Bad credentials");
    }
    return caller;
  }

  type Permission = keyof NonNullable<TokenIdentity["permissions"]>;

  function requireRead(caller: Caller, ...anyOf: Permission[]): void {
    const permissions = caller.identity.permissions;
    if (permissions === undefined || anyOf.some((permission) => (permissions[permission] ?? "read") !== "none")) {
      return;
    }
    throw forbidden(caller);
  }

  function requireWrite(caller: Caller, ...anyOf: Permission[]): void {
    const permissions = caller.identity.permissions;
    if (permissions === undefined || anyOf.some((permission) => permissions[permission] === "write")) {
      return;
    }
    throw forbidden(caller);
  }

  function forbidden(caller: Caller): Reply {
    return message(
      403,
      caller.identity.installation === true
        ? "Resource not accessible by integration"
        : "Resource not accessible by personal access token",
    );
  }

  function getUser(caller: Caller): Reply {
    if (caller.identity.installation === true) {
      return message(403, "Resource not accessible by integration");
    }
    return new Reply(200, userJson(caller.actor));
  }

  /** GraphQL, for the one query the project makes: who the token is (answers installation tokens too). */
  function graphql(caller: Caller, body: unknown): Reply {
    const query = field(body, "query");
    if (typeof query !== "string") {
      return message(400, "A query attribute must be specified and must be a string.");
    }
    if (!/^\s*(query\s*\w*\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$/.test(query)) {
      return new Reply(200, { errors: [{ message: `GitHub emulator: only { viewer { login } } is modelled, not ${query}` }] });
    }
    return new Reply(200, { data: { viewer: { login: caller.actor.login } } });
  }

  function issueExists(repo: Repository, issueNumber: number): boolean {
    return repo.issues.has(issueNumber);
  }

  function listIssueComments(repo: Repository, issueNumber: number, url: URL): Reply {
    if (!issueExists(repo, issueNumber)) {
      return notFound();
    }
    const comments = repo.comments.filter((comment) => comment.issueNumber === issueNumber);
    return paginate(url, comments, (comment) => commentJson(repo, comment, url));
  }

  function createIssueComment(repo: Repository, caller: Caller, issueNumber: number, body: unknown, url: URL): Reply {
    if (!issueExists(repo, issueNumber)) {
      return notFound();
    }
    // Comments on a pull request go through the Issues API; either permission allows them there.
    requireWrite(caller, ...(repo.pulls.has(issueNumber) ? (["issues", "pullRequests"] as const) : (["issues"] as const)));
    const text = field(body, "body");
    if (typeof text !== "string" || text === "") {
      return validationFailed("body", "missing_field");
    }
    const time = now();
    const comment: StoredComment = { id: nextId++, issueNumber, body: text, user: caller.actor, createdAt: time, updatedAt: time };
    repo.comments.push(comment);
    const json = commentJson(repo, comment, url);
    return new Reply(201, json, { location: json.url });
  }

  function getIssueComment(repo: Repository, id: number, url: URL): Reply {
    const comment = repo.comments.find((candidate) => candidate.id === id);
    return comment === undefined ? notFound() : new Reply(200, commentJson(repo, comment, url));
  }

  function updateIssueComment(repo: Repository, caller: Caller, id: number, body: unknown, url: URL): Reply {
    const comment = repo.comments.find((candidate) => candidate.id === id);
    if (comment === undefined) {
      return notFound();
    }
    // As on GitHub, the right to write issues (or pull requests) lets a token edit anyone's comment:
    // callers must check the author themselves.
    requireWrite(caller, ...(repo.pulls.has(comment.issueNumber) ? (["issues", "pullRequests"] as const) : (["issues"] as const)));
    const text = field(body, "body");
    if (typeof text !== "string" || text === "") {
      return validationFailed("body", "missing_field");
    }
    comment.body = text;
    comment.updatedAt = now();
    return new Reply(200, commentJson(repo, comment, url));
  }

  function getPullRequest(repo: Repository, number: number, url: URL): Reply {
    const pr = repo.pulls.get(number);
    if (pr === undefined) {
      return notFound();
    }
    const html = `https://github.com/${repo.owner}/${repo.name}/pull/${pr.number}`;
    return new Reply(200, {
      url: `${apiBase(url)}/repos/${repo.owner}/${repo.name}/pulls/${pr.number}`,
      id: repo.id * 100000 + pr.number,
      number: pr.number,
      state: pr.state,
      merged: pr.merged,
      draft: false,
      html_url: html,
      head: { ref: pr.headRef, sha: pr.headSha, repo: { full_name: `${repo.owner}/${repo.name}` } },
      base: { ref: "main", repo: { full_name: `${repo.owner}/${repo.name}` } },
    });
  }

  function resolveRef(repo: Repository, ref: string): string | undefined {
    if (/^[0-9a-f]{40}$/.test(ref)) {
      return ref;
    }
    for (const pr of repo.pulls.values()) {
      if (pr.headRef === ref || ref === `refs/heads/${pr.headRef}` || ref === `refs/pull/${pr.number}/head`) {
        return pr.headSha;
      }
    }
    return undefined;
  }

  function createDeployment(repo: Repository, caller: Caller, body: unknown, url: URL): Reply {
    requireWrite(caller, "deployments");
    const ref = field(body, "ref");
    if (typeof ref !== "string" || ref === "") {
      return validationFailed("ref", "missing_field");
    }
    const sha = resolveRef(repo, ref);
    if (sha === undefined) {
      return message(422, `No ref found for: ${ref}`);
    }
    const environment = optionalString(field(body, "environment")) ?? "production";
    const requiredContexts = field(body, "required_contexts");
    let payload: unknown = field(body, "payload") ?? {};
    if (typeof payload === "string") {
      try {
        payload = JSON.parse(payload) as unknown;
      } catch {
        return validationFailed("payload", "invalid");
      }
    }
    const production = field(body, "production_environment");
    const time = now();
    const deployment: StoredDeployment = {
      id: nextId++,
      ref,
      sha,
      task: optionalString(field(body, "task")) ?? "deploy",
      environment,
      originalEnvironment: environment,
      description: optionalString(field(body, "description")) ?? null,
      payload,
      transient: field(body, "transient_environment") === true,
      production: typeof production === "boolean" ? production : environment === "production",
      autoMerge: field(body, "auto_merge") !== false,
      requiredContexts: Array.isArray(requiredContexts) ? requiredContexts.map(String) : undefined,
      creator: caller.actor,
      createdAt: time,
      statuses: [],
    };
    repo.deployments.push(deployment);
    return new Reply(201, deploymentJson(repo, deployment, url));
  }

  function listDeployments(repo: Repository, url: URL): Reply {
    const filters = ["sha", "ref", "task", "environment"] as const;
    const matching = repo.deployments.filter((deployment) =>
      filters.every((filter) => {
        const wanted = url.searchParams.get(filter);
        return wanted === null || wanted === "" || deployment[filter] === wanted;
      }),
    );
    // Newest first, as GitHub lists them.
    return paginate(url, matching.reverse(), (deployment) => deploymentJson(repo, deployment, url));
  }

  function withDeployment(repo: Repository, id: number, then: (deployment: StoredDeployment) => Reply): Reply {
    const deployment = repo.deployments.find((candidate) => candidate.id === id);
    return deployment === undefined ? notFound() : then(deployment);
  }

  function createDeploymentStatus(repo: Repository, caller: Caller, deployment: StoredDeployment, body: unknown, url: URL): Reply {
    requireWrite(caller, "deployments");
    const state = field(body, "state");
    if (typeof state !== "string" || !DEPLOYMENT_STATES.has(state)) {
      return new Reply(422, {
        message: "Validation Failed",
        errors: [{ resource: "DeploymentStatus", field: "state", code: "invalid" }],
        documentation_url: DOCS,
        status: "422",
      });
    }
    const environment = optionalString(field(body, "environment"));
    if (environment !== undefined) {
      deployment.environment = environment;
    }
    const status: StoredStatus = {
      id: nextId++,
      state,
      description: (optionalString(field(body, "description")) ?? "").slice(0, 140),
      environment: deployment.environment,
      environmentUrl: optionalString(field(body, "environment_url")) ?? "",
      logUrl: optionalString(field(body, "log_url")) ?? optionalString(field(body, "target_url")) ?? "",
      creator: caller.actor,
      createdAt: now(),
    };
    deployment.statuses.push(status);
    // auto_inactive (default true): earlier successful non-transient, non-production deployments of
    // the same environment become inactive when a new one succeeds.
    if (state === "success" && field(body, "auto_inactive") !== false) {
      for (const other of repo.deployments) {
        const latest = other.statuses.at(-1);
        if (other !== deployment && other.environment === deployment.environment && !other.transient && !other.production && latest?.state === "success") {
          other.statuses.push({ ...latest, id: nextId++, state: "inactive", createdAt: now() });
        }
      }
    }
    return new Reply(201, statusJson(repo, deployment, status, url));
  }

  function apiBase(url: URL): string {
    return `${url.protocol}//${url.host}`;
  }

  function userJson(actor: Actor): Record<string, unknown> {
    return { login: actor.login, id: actor.id, type: actor.type, site_admin: false };
  }

  function commentJson(repo: Repository, comment: StoredComment, url: URL): Record<string, unknown> & { url: string } {
    return {
      url: `${apiBase(url)}/repos/${repo.owner}/${repo.name}/issues/comments/${comment.id}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/${repo.pulls.has(comment.issueNumber) ? "pull" : "issues"}/${comment.issueNumber}#issuecomment-${comment.id}`,
      issue_url: `${apiBase(url)}/repos/${repo.owner}/${repo.name}/issues/${comment.issueNumber}`,
      id: comment.id,
      node_id: `IC_${comment.id}`,
      user: userJson(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: comment.user.type === "Bot" ? "NONE" : "MEMBER",
      body: comment.body,
    };
  }

  function deploymentJson(repo: Repository, deployment: StoredDeployment, url: URL): Record<string, unknown> {
    const self = `${apiBase(url)}/repos/${repo.owner}/${repo.name}/deployments/${deployment.id}`;
    return {
      url: self,
      id: deployment.id,
      node_id: `DE_${deployment.id}`,
      sha: deployment.sha,
      ref: deployment.ref,
      task: deployment.task,
      payload: deployment.payload,
      original_environment: deployment.originalEnvironment,
      environment: deployment.environment,
      description: deployment.description,
      creator: userJson(deployment.creator),
      created_at: deployment.createdAt,
      updated_at: deployment.statuses.at(-1)?.createdAt ?? deployment.createdAt,
      statuses_url: `${self}/statuses`,
      repository_url: `${apiBase(url)}/repos/${repo.owner}/${repo.name}`,
      transient_environment: deployment.transient,
      production_environment: deployment.production,
    };
  }

  function statusJson(repo: Repository, deployment: StoredDeployment, status: StoredStatus, url: URL): Record<string, unknown> {
    const deploymentUrl = `${apiBase(url)}/repos/${repo.owner}/${repo.name}/deployments/${deployment.id}`;
    return {
      url: `${deploymentUrl}/statuses/${status.id}`,
      id: status.id,
      node_id: `DES_${status.id}`,
      state: status.state,
      creator: userJson(status.creator),
      description: status.description,
      environment: status.environment,
      target_url: status.logUrl,
      log_url: status.logUrl,
      environment_url: status.environmentUrl,
      created_at: status.createdAt,
      updated_at: status.createdAt,
      deployment_url: deploymentUrl,
      repository_url: `${apiBase(url)}/repos/${repo.owner}/${repo.name}`,
    };
  }

  const { url: listeningUrl, close } = await listenOnLoopback(server, options.port);

  return {
    url: listeningUrl,
    close,
    failRequests(match, status, count = 1) {
      failures.push({ ...match, status, remaining: count });
    },
    addRepository(fullName) {
      const [owner, name] = fullName.split("/");
      if (owner === undefined || name === undefined || owner === "" || name === "") {
        throw new Error(`GitHub emulator: '${fullName}' is not owner/repo`);
      }
      repositories.set(fullName.toLowerCase(), {
        id: nextId++,
        owner,
        name,
        pulls: new Map(),
        issues: new Set(),
        comments: [],
        deployments: [],
      });
    },
    addToken(token, identity) {
      tokens.set(token, { identity, actor: actorFor(identity.login, identity.type) });
    },
    addPullRequest(fullName, pr) {
      const repo = repository(fullName);
      repo.issues.add(pr.number);
      repo.pulls.set(pr.number, {
        number: pr.number,
        state: pr.state,
        merged: pr.merged ?? false,
        headSha: pr.headSha ?? "0".repeat(40),
        headRef: pr.headRef ?? `branch-${pr.number}`,
      });
    },
    addIssueComment(fullName, issueNumber, comment) {
      const repo = repository(fullName);
      repo.issues.add(issueNumber);
      const time = now();
      const stored: StoredComment = {
        id: nextId++,
        issueNumber,
        body: comment.body,
        user: actorFor(comment.login, comment.type ?? (comment.login.endsWith("[bot]") ? "Bot" : "User")),
        createdAt: time,
        updatedAt: time,
      };
      repo.comments.push(stored);
      return stored.id;
    },
    comments(fullName, issueNumber) {
      return repository(fullName)
        .comments.filter((comment) => comment.issueNumber === issueNumber)
        .map((comment) => ({
          id: comment.id,
          body: comment.body,
          login: comment.user.login,
          createdAt: comment.createdAt,
          updatedAt: comment.updatedAt,
        }));
    },
    deployments(fullName) {
      return repository(fullName).deployments.map((deployment) => ({
        id: deployment.id,
        environment: deployment.environment,
        ref: deployment.ref,
        sha: deployment.sha,
        transient: deployment.transient,
        production: deployment.production,
        autoMerge: deployment.autoMerge,
        requiredContexts: deployment.requiredContexts,
        payload: deployment.payload,
        description: deployment.description,
        statuses: deployment.statuses.map((status) => ({
          state: status.state,
          ...(status.environmentUrl === "" ? {} : { environment_url: status.environmentUrl }),
          ...(status.logUrl === "" ? {} : { log_url: status.logUrl }),
          ...(status.description === "" ? {} : { description: status.description }),
        })),
      }));
    },
    calls: () => [...log],
    resetCalls() {
      log.length = 0;
    },
  };
}

/** One page of `items` (per_page default 30, at most 100) with GitHub's RFC 5988 `Link` header. */
function paginate<T>(url: URL, items: T[], toJson: (item: T) => unknown): Reply {
  const requested = Number(url.searchParams.get("per_page") ?? DEFAULT_PER_PAGE);
  const perPage = Number.isInteger(requested) && requested > 0 ? Math.min(requested, MAX_PER_PAGE) : DEFAULT_PER_PAGE;
  const requestedPage = Number(url.searchParams.get("page") ?? 1);
  const page = Number.isInteger(requestedPage) && requestedPage > 0 ? requestedPage : 1;
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const pageUrl = (number: number): string => {
    const target = new URL(url);
    target.searchParams.set("per_page", String(perPage));
    target.searchParams.set("page", String(number));
    return target.toString();
  };
  const links: string[] = [];
  if (page > 1) {
    links.push(`<${pageUrl(page - 1)}>; rel="prev"`);
  }
  if (page < lastPage) {
    links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(lastPage)}>; rel="last"`);
  }
  if (page > 1) {
    links.push(`<${pageUrl(1)}>; rel="first"`);
  }
  return new Reply(200, slice.map(toJson), links.length === 0 ? {} : { link: links.join(", ") });
}

function field(body: unknown, name: string): unknown {
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Reply(400, { message: "Problems parsing JSON", documentation_url: DOCS, status: "400" });
  }
}
