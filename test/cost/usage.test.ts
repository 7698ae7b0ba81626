import { test } from "node:test";
import assert from "node:assert/strict";
import { oldestRoute, taskSize, usageByRoute, usageOf, type CopyUsage } from "../../src/cost/usage.js";
import { clusterCostSection, formatAge, formatQuantity, routeCostSection } from "../../src/cost/render.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const hoursAgo = (hours: number): Date => new Date(NOW.getTime() - hours * 3_600_000);

const copy = (route: string, service: string, overrides: Partial<CopyUsage> = {}): CopyUsage => ({
  route,
  service,
  tasks: 1,
  vcpu: 0.25,
  memoryGiB: 0.5,
  createdAt: hoursAgo(10),
  ...overrides,
});

test("a task's size comes from the task-level cpu and memory, in either unit ECS accepts", () => {
  assert.deepEqual(taskSize({ cpu: "256", memory: "512" }), { vcpu: 0.25, memoryGiB: 0.5 });
  assert.deepEqual(taskSize({ cpu: "1 vCPU", memory: "2 GB" }), { vcpu: 1, memoryGiB: 2 });
  assert.deepEqual(taskSize({ cpu: "0.5 vcpu", memory: "3 GiB" }), { vcpu: 0.5, memoryGiB: 3 });
});

test("without task-level sizes, the containers' reservations add up (memory, else memoryReservation)", () => {
  assert.deepEqual(
    taskSize({ containerDefinitions: [{ cpu: 512, memory: 1024 }, { cpu: 256, memoryReservation: 512 }, {}] }),
    { vcpu: 0.75, memoryGiB: 1.5 },
  );
  assert.deepEqual(taskSize({ cpu: "512", containerDefinitions: [{ memory: 256 }] }), { vcpu: 0.5, memoryGiB: 0.25 });
});

test("per day is tasks × size × 24 h; so far counts from each copy's creation", () => {
  const figures = usageOf([copy("pr-1", "orders--pr-1", { tasks: 2 }), copy("pr-1", "web--pr-1", { createdAt: hoursAgo(4), vcpu: 1, memoryGiB: 2 })], NOW);
  assert.equal(figures.copies, 2);
  assert.equal(figures.tasks, 3);
  assert.equal(figures.vcpu, 1.5);
  assert.equal(figures.memoryGiB, 3);
  assert.equal(figures.vcpuHoursPerDay, 36);
  assert.equal(figures.gibHoursPerDay, 72);
  assert.equal(figures.vcpuHoursSoFar, 0.5 * 10 + 1 * 4);
  assert.equal(figures.gibHoursSoFar, 1 * 10 + 2 * 4);
  assert.deepEqual(figures.since, hoursAgo(10));
  assert.equal(figures.amountPerDay, undefined, "no amount without a price");
});

test("prices turn hours into amounts; a missing price counts nothing", () => {
  const both = usageOf([copy("pr-1", "orders--pr-1")], NOW, { vcpuHour: 0.04, gibHour: 0.004 });
  assert.ok(Math.abs((both.amountPerDay ?? 0) - (6 * 0.04 + 12 * 0.004)) < 1e-9);
  assert.ok(Math.abs((both.amountSoFar ?? 0) - (2.5 * 0.04 + 5 * 0.004)) < 1e-9);
  const vcpuOnly = usageOf([copy("pr-1", "orders--pr-1")], NOW, { vcpuHour: 0.04 });
  assert.ok(Math.abs((vcpuOnly.amountPerDay ?? 0) - 6 * 0.04) < 1e-9);
});

test("routes are ranked by amount per day, else by vCPU-hours per day; the oldest route is named by its oldest copy", () => {
  const copies = [
    copy("pr-1", "orders--pr-1", { createdAt: hoursAgo(200) }),
    copy("shadow", "orders--shadow", { tasks: 2, createdAt: hoursAgo(100) }),
    copy("pr-2", "web--pr-2", { memoryGiB: 8, createdAt: hoursAgo(1) }),
  ];
  assert.deepEqual(usageByRoute(copies, NOW).map((route) => route.route), ["shadow", "pr-2", "pr-1"]);
  // Memory dear enough to make pr-2 the most expensive once there are prices.
  const priced = usageByRoute(copies, NOW, { vcpuHour: 0.04, gibHour: 0.01 });
  assert.deepEqual(priced.map((route) => route.route), ["pr-2", "shadow", "pr-1"]);
  assert.equal(oldestRoute(priced)?.route, "pr-1");
});

test("quantities and ages read as a person writes them", () => {
  assert.deepEqual([0.25, 1.5, 12.34, 1234.5, 0].map(formatQuantity), ["0.25", "1.5", "12.3", "1235", "0"]);
  assert.equal(formatAge(5 * 3_600_000), "5 h");
  assert.equal(formatAge(80 * 3_600_000), "3.33 days");
});

test("the route section says what runs and its hours per day and so far, with amounts only with prices", () => {
  const figures = usageOf([copy("pr-1", "orders--pr-1", { tasks: 2 })], NOW, { vcpuHour: 0.04, gibHour: 0.004 });
  const lines = routeCostSection(figures, { vcpuHour: 0.04, gibHour: 0.004 }, "#### Cost");
  assert.deepEqual(lines.slice(0, 8), [
    "#### Cost",
    "",
    "2 tasks in 1 copy: 0.5 vCPU and 1 GiB in all.",
    "",
    "| | vCPU-hours | GiB-hours | amount |",
    "|---|---|---|---|",
    "| per day | 12 | 24 | 0.58 |",
    "| so far (since 2026-12-01 02:00 UTC) | 5 | 10 | 0.24 |",
  ]);
  assert.ok(lines.includes("Amounts at 0.04 per vCPU-hour and 0.004 per GiB-hour (the price-vcpu-hour and price-gib-hour inputs)."));
  const unpriced = routeCostSection(usageOf([copy("pr-1", "orders--pr-1")], NOW), undefined, "#### Cost");
  assert.ok(unpriced.includes("| | vCPU-hours | GiB-hours |"));
  assert.ok(!unpriced.some((line) => line.includes("amount")));
  assert.deepEqual(routeCostSection(usageOf([], NOW), undefined, "#### Cost"), []);
});

test("the cluster section lists routes, a total, and names the most expensive and the oldest route", () => {
  const copies = [copy("pr-1", "orders--pr-1", { createdAt: hoursAgo(200) }), copy("shadow", "orders--shadow", { tasks: 2, createdAt: hoursAgo(100) })];
  const routes = usageByRoute(copies, NOW);
  const lines = clusterCostSection(routes, usageOf(copies, NOW), undefined, NOW);
  assert.equal(lines[2], "| route | copies | tasks | vCPU | GiB | vCPU-h per day | GiB-h per day | vCPU-h so far | GiB-h so far | age |");
  assert.equal(lines[4], "| shadow | 1 | 2 | 0.5 | 1 | 12 | 24 | 50 | 100 | 4.17 days |");
  assert.equal(lines[5], "| pr-1 | 1 | 1 | 0.25 | 0.5 | 6 | 12 | 50 | 100 | 8.33 days |");
  assert.equal(lines[6], "| **all** | 2 | 3 | 0.75 | 1.5 | 18 | 36 | 100 | 200 | 8.33 days |");
  assert.ok(
    lines.includes(
      "Most expensive route: shadow (12 vCPU-hours and 24 GiB-hours per day). Oldest route: pr-1 (8.33 days, since 2026-11-23 04:00 UTC).",
    ),
  );
  assert.deepEqual(clusterCostSection([], usageOf([], NOW), undefined, NOW).slice(2, 3), ["No copies of this repository run in the cluster."]);
});
