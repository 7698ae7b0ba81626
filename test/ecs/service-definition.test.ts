import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Service } from "@aws-sdk/client-ecs";
import { createServiceClientToken, routeCreateServiceInput, routeUpdateServiceInput } from "../../src/ecs/service-definition.js";

function baseService(): Service {
  return {
    serviceArn: "arn:aws:ecs:us-east-1:123456789012:service/default/orders",
    serviceName: "orders",
    status: "ACTIVE",
    desiredCount: 3,
    launchType: "FARGATE",
    platformVersion: "1.4.0",
    taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/orders:7",
    loadBalancers: [{ targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders/1", containerName: "app", containerPort: 8080 }],
    serviceRegistries: [{ registryArn: "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1" }],
    healthCheckGracePeriodSeconds: 60,
    networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"], securityGroups: ["sg-1"], assignPublicIp: "DISABLED" } },
    placementConstraints: [],
    placementStrategy: [],
    enableExecuteCommand: true,
    deploymentController: { type: "ECS" },
    deploymentConfiguration: {
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: false, rollback: false },
      alarms: { alarmNames: ["orders-5xx"], enable: true, rollback: true },
    },
    deployments: [
      {
        status: "PRIMARY",
        serviceConnectConfiguration: {
          enabled: true,
          namespace: "dev.internal",
          services: [{ portName: "http", clientAliases: [{ port: 80, dnsName: "orders" }] }],
        },
      },
    ],
  };
}

const options = {
  cluster: "dev",
  serviceName: "orders--pr-2",
  taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/orders--pr-2:1",
  desiredCount: 1,
  tags: { "dynamic-routing:route": "pr-2" },
};

describe("routeCreateServiceInput", () => {
  it("copies where and how tasks run, never what the base answers for", () => {
    const input = routeCreateServiceInput(baseService(), { ...options, clientToken: "token" });
    assert.deepEqual(input, {
      cluster: "dev",
      serviceName: "orders--pr-2",
      taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/orders--pr-2:1",
      desiredCount: 1,
      launchType: "FARGATE",
      platformVersion: "1.4.0",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"], securityGroups: ["sg-1"], assignPublicIp: "DISABLED" } },
      deploymentController: { type: "ECS" },
      deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: true, rollback: true } },
      enableExecuteCommand: true,
      serviceConnectConfiguration: { enabled: true, namespace: "dev.internal" },
      propagateTags: "SERVICE",
      enableECSManagedTags: true,
      tags: [{ key: "dynamic-routing:route", value: "pr-2" }],
      clientToken: "token",
    });
  });

  it("uses the capacity provider strategy instead of the launch type when the base has one", () => {
    const base = baseService();
    base.capacityProviderStrategy = [{ capacityProvider: "FARGATE_SPOT", weight: 1 }];
    const input = routeCreateServiceInput(base, { ...options, clientToken: "token" });
    assert.deepEqual(input.capacityProviderStrategy, [{ capacityProvider: "FARGATE_SPOT", weight: 1 }]);
    assert.equal(input.launchType, undefined);
  });

  it("leaves out a CODE_DEPLOY controller: the copy is a plain rolling ECS service", () => {
    const base = baseService();
    base.deploymentController = { type: "CODE_DEPLOY" };
    assert.equal(routeCreateServiceInput(base, { ...options, clientToken: "token" }).deploymentController, undefined);
  });
});

describe("routeUpdateServiceInput", () => {
  it("moves the copy to the new task definition with the base's network, without launch type or tags", () => {
    assert.deepEqual(routeUpdateServiceInput(baseService(), options), {
      cluster: "dev",
      service: "orders--pr-2",
      taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/orders--pr-2:1",
      desiredCount: 1,
      platformVersion: "1.4.0",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-1"], securityGroups: ["sg-1"], assignPublicIp: "DISABLED" } },
      deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: true, rollback: true } },
      enableExecuteCommand: true,
      propagateTags: "SERVICE",
      enableECSManagedTags: true,
    });
  });
});

describe("createServiceClientToken", () => {
  it("is at most 36 printable ASCII characters, stable for one request and different for another", () => {
    const token = createServiceClientToken("pr-2", "abc123", "orders--pr-2", "arn:td:1");
    assert.ok(token.length <= 36 && /^[\x21-\x7e]+$/.test(token), token);
    assert.equal(createServiceClientToken("pr-2", "abc123", "orders--pr-2", "arn:td:1"), token);
    assert.notEqual(createServiceClientToken("pr-2", "abc124", "orders--pr-2", "arn:td:1"), token);
    assert.notEqual(createServiceClientToken("pr-2", "abc123", "payments--pr-2", "arn:td:1"), token);
    assert.notEqual(createServiceClientToken("pr-2", "abc123", "orders--pr-2", "arn:td:2"), token);
  });
});

describe("route service inputs (what is copied from the base, field by field)", () => {
  const minimal: Service = { serviceName: "orders", status: "ACTIVE" };

  it("a bare base gives a bare copy: no capacity, placement or Service Connect, the circuit breaker still on", () => {
    const create = routeCreateServiceInput(minimal, { ...options, clientToken: "token" });
    assert.deepEqual(create, {
      cluster: "dev",
      serviceName: "orders--pr-2",
      taskDefinition: options.taskDefinitionArn,
      desiredCount: 1,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      propagateTags: "SERVICE",
      enableECSManagedTags: true,
      tags: [{ key: "dynamic-routing:route", value: "pr-2" }],
      clientToken: "token",
    });
    assert.deepEqual(routeUpdateServiceInput(minimal, options), {
      cluster: "dev",
      service: "orders--pr-2",
      taskDefinition: options.taskDefinitionArn,
      desiredCount: 1,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      propagateTags: "SERVICE",
      enableECSManagedTags: true,
    });
  });

  it("copies placement rules, an empty capacity strategy falling back to the launch type, and exec turned off", () => {
    const base: Service = {
      ...minimal,
      launchType: "EC2",
      capacityProviderStrategy: [],
      placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.availability-zone in [us-east-1a]" }],
      placementStrategy: [{ type: "spread", field: "attribute:ecs.availability-zone" }],
      enableExecuteCommand: false,
      deploymentConfiguration: { minimumHealthyPercent: 50 },
    };
    const create = routeCreateServiceInput(base, { ...options, clientToken: "token" });
    assert.equal(create.launchType, "EC2");
    assert.equal(create.capacityProviderStrategy, undefined);
    assert.deepEqual(create.placementConstraints, base.placementConstraints);
    assert.deepEqual(create.placementStrategy, base.placementStrategy);
    assert.equal(create.enableExecuteCommand, false);
    assert.deepEqual(create.deploymentConfiguration, { minimumHealthyPercent: 50, deploymentCircuitBreaker: { enable: true, rollback: true } });
    const update = routeUpdateServiceInput(base, options);
    assert.deepEqual(update.placementConstraints, base.placementConstraints);
    assert.equal(update.enableExecuteCommand, false);
    assert.equal("launchType" in update, false);
  });

  it("takes Service Connect from the PRIMARY deployment (else the first), as a client only, and never when it is off", () => {
    const logConfiguration = { logDriver: "awslogs" as const, options: { "awslogs-group": "/ecs/orders" } };
    const deployment = (status: string, enabled: boolean, namespace?: string) => ({
      status,
      serviceConnectConfiguration: { enabled, ...(namespace === undefined ? {} : { namespace }), logConfiguration, services: [{ portName: "http" }] },
    });
    const serviceConnect = (deployments: Service["deployments"]) =>
      routeCreateServiceInput({ ...minimal, deployments }, { ...options, clientToken: "token" }).serviceConnectConfiguration;
    assert.deepEqual(serviceConnect([deployment("ACTIVE", false, "old.internal"), deployment("PRIMARY", true, "dev.internal")]), {
      enabled: true,
      namespace: "dev.internal",
      logConfiguration,
    });
    assert.deepEqual(serviceConnect([deployment("ACTIVE", true)]), { enabled: true, logConfiguration });
    assert.equal(serviceConnect([deployment("PRIMARY", false, "dev.internal")]), undefined);
    assert.equal(serviceConnect([{ status: "PRIMARY" }]), undefined);
  });
});

describe("createServiceClientToken (one request, one token)", () => {
  it("keeps the parts apart: moving characters between route and commit is another request", () => {
    assert.notEqual(createServiceClientToken("pr-1", "2abc", "orders--pr-1", "arn:td:1"), createServiceClientToken("pr-12", "abc", "orders--pr-1", "arn:td:1"));
    assert.notEqual(createServiceClientToken("pr-1", "abc", "orders--pr-1", "arn:td:1"), createServiceClientToken("pr-2", "abc", "orders--pr-1", "arn:td:1"));
  });

  it("uses all 36 characters ECS allows, from the URL-safe base64 alphabet", () => {
    const token = createServiceClientToken("pr-2", "abc123", "orders--pr-2", "arn:td:1");
    assert.match(token, /^[A-Za-z0-9_-]{36}$/);
  });
});
