import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fieldValue, labelList, traefikHttpLabel, traefikObjects } from "../../src/routing/traefik-labels.js";

describe("traefikHttpLabel (a key as Traefik's ECS provider reads it)", () => {
  it("splits traefik.http.<kind>.<name>.<field>, keeping the name and field as written and the kind lowercase", () => {
    assert.deepEqual(traefikHttpLabel("traefik.HTTP.Routers.Api.tls.certResolver", "le"), {
      key: "traefik.HTTP.Routers.Api.tls.certResolver",
      kind: "routers",
      name: "Api",
      field: "tls.certResolver",
      value: "le",
    });
    assert.equal(traefikHttpLabel("traefik.http.services.orders.loadbalancer.server.port", "8080")?.kind, "services");
    assert.equal(traefikHttpLabel("traefik.http.middlewares.auth.basicauth.users", "u:p")?.kind, "middlewares");
  });

  it("ends the name at the first dot: a name cannot hold one", () => {
    const label = traefikHttpLabel("traefik.http.routers.a.b.rule", "Host(`a`)");
    assert.equal(label?.name, "a");
    assert.equal(label?.field, "b.rule");
  });

  it("is no HTTP label when the root is not lowercase traefik, the protocol is not http, or a part is missing", () => {
    for (const key of [
      "Traefik.http.routers.a.rule",
      "xtraefik.http.routers.a.rule",
      "com.traefik.http.routers.a.rule",
      "traefik.docker.http.routers.a.rule",
      "traefik.tcp.routers.a.rule",
      "traefik.udp.services.a.loadbalancer.server.port",
      "traefik.http.tlsoptions.a.minversion",
      "traefik.http.routers.a",
      "traefik.http.routers..rule",
      "traefik.http.routers.a.",
      "traefik.enable",
      "traefik",
    ]) {
      assert.equal(traefikHttpLabel(key, "x"), undefined, key);
    }
  });
});

describe("traefikObjects", () => {
  const labels = {
    "traefik.enable": "true",
    "traefik.http.routers.web.rule": "Host(`a`)",
    "traefik.http.services.web.loadbalancer.server.port": "80",
    "traefik.http.routers.api.rule": "Host(`b`)",
    "traefik.http.routers.web.entrypoints": "web",
    "traefik.http.routers.Web.priority": "5",
    team: "payments",
  };

  it("groups one kind's labels by object name, each object's fields in label order", () => {
    const routers = traefikObjects(labels, "routers");
    assert.deepEqual([...routers.keys()], ["web", "api", "Web"]);
    assert.deepEqual(
      routers.get("web")?.map((label) => [label.field, label.value]),
      [
        ["rule", "Host(`a`)"],
        ["entrypoints", "web"],
      ],
    );
    assert.deepEqual([...traefikObjects(labels, "services").keys()], ["web"]);
    assert.equal(traefikObjects(labels, "middlewares").size, 0);
  });
});

describe("fieldValue", () => {
  it("finds a field whatever its case, as Traefik does, and the first when two spellings repeat it", () => {
    const fields = traefikObjects({ "traefik.http.routers.a.Rule": "first", "traefik.http.routers.a.RULE": "second", "traefik.http.routers.a.tls": "true" }, "routers").get("a") ?? [];
    assert.equal(fieldValue(fields, "rule"), "first");
    assert.equal(fieldValue(fields, "tls"), "true");
    assert.equal(fieldValue(fields, "priority"), undefined);
  });
});

describe("labelList", () => {
  it("reads a comma-separated value as trimmed items, dropping empty ones", () => {
    assert.deepEqual(labelList(" auth@file, , headers ,,retry"), ["auth@file", "headers", "retry"]);
    assert.deepEqual(labelList(""), []);
    assert.deepEqual(labelList(undefined), []);
  });
});
