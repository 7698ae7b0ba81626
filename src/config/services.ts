import { parse as parseYaml } from "yaml";
import { ConfigurationError, errorMessage } from "../common/errors.js";
import { ECS_NAME_PATTERN } from "../ecs/names.js";
import type { Protocol } from "../routing/labels.js";
import { environmentTemplate, type EnvironmentTemplate } from "./environment-overrides.js";
import { parseKeyValueText, yamlMapEntries } from "./key-value-text.js";

const PROTOCOLS: readonly Protocol[] = ["http", "grpc"];
const SERVICE_KEYS = ["service", "container", "image", "match", "port", "protocol", "environment"] as const;

/**
 * One base service to copy, as the user named it: either the single-service inputs or one item of
 * the `services` YAML list. `input` says where it came from, so an error names the right input.
 */
export interface ServiceSpec {
  service: string;
  /** The container to route (and re-image); default: the task definition's only or first container. */
  container: string | undefined;
  /** The new image; undefined keeps the base image. */
  image: string | undefined;
  /** A Traefik rule for the base route; default: the base service's own router rule. */
  match: string | undefined;
  port: number | undefined;
  protocol: Protocol;
  /** Variables set or replaced on the copy's routed container; values may hold placeholders. */
  environment: EnvironmentTemplate;
  /** The action input this spec came from: `service` (single) or `services` (list). */
  input: "service" | "services";
}

/** What the single-service inputs hold (empty inputs as undefined). */
export interface SingleServiceInputs {
  service: string | undefined;
  container: string | undefined;
  image: string | undefined;
  match: string | undefined;
  port: string | undefined;
  protocol: string | undefined;
  /** The `environment` input: NAME=value lines or a YAML map. */
  environment: string | undefined;
}

function parsePort(value: unknown, input: string, where: string): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new ConfigurationError(`${where}port '${text}' must be a whole number from 1 to 65535`, input);
  }
  return Number(text);
}

function parseProtocol(value: unknown, input: string, where: string): Protocol {
  if (value === undefined || value === null || value === "") return "http";
  const text = String(value).trim().toLowerCase();
  const found = PROTOCOLS.find((protocol) => protocol === text);
  if (found === undefined) {
    throw new ConfigurationError(`${where}protocol '${String(value)}' must be one of ${PROTOCOLS.join(", ")}`, input);
  }
  return found;
}

function parseServiceName(value: unknown, input: string, where: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigurationError(`${where}names no service; give the base ECS service name, e.g. service: orders`, input);
  }
  const name = value.trim();
  if (!ECS_NAME_PATTERN.test(name)) {
    throw new ConfigurationError(`${where}'${name}' is not an ECS service name (letters, digits, '-' and '_', up to 255)`, input);
  }
  return name;
}

/**
 * What ECS accepts as a container image: up to 255 letters, digits, `-`, `_`, `:`, `.`, `/`, `#`,
 * and `@` for a digest. Checked here so one bad image in a list fails the step before the other
 * copies are created.
 */
const IMAGE_PATTERN = /^[A-Za-z0-9._:/@#-]+$/;
const IMAGE_MAX_LENGTH = 255;

function parseImage(image: string | undefined, input: string, where: string): string | undefined {
  if (image === undefined) return undefined;
  if (image.length > IMAGE_MAX_LENGTH) {
    throw new ConfigurationError(`${where}image '${image.slice(0, 40)}…' is longer than ECS's ${IMAGE_MAX_LENGTH} characters`, input);
  }
  if (!IMAGE_PATTERN.test(image)) {
    throw new ConfigurationError(
      `${where}image '${image}' is not an image reference (letters, digits, '.', '_', '-', ':', '/', '@'), e.g. registry.example.com/orders:abc123`,
      input,
    );
  }
  return image;
}

function optionalText(value: unknown, input: string, where: string, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" && typeof value !== "number") {
    throw new ConfigurationError(`${where}${key} must be a string`, input);
  }
  const text = String(value).trim();
  return text === "" ? undefined : text;
}

/**
 * Pure: the services to deploy. The `services` YAML list wins; otherwise the single-service inputs.
 * Each list item is a map with the keys service, container, image, match, port, protocol.
 */
export function parseServiceSpecs(servicesYaml: string | undefined, single: SingleServiceInputs): ServiceSpec[] {
  if (servicesYaml !== undefined) {
    const givenSingle = (["service", "container", "image", "match", "port", "environment"] as const).filter((key) => single[key] !== undefined);
    if (givenSingle.length > 0) {
      throw new ConfigurationError(
        `give either 'services' or the single-service inputs (${givenSingle.join(", ")}), not both; put those keys in each services item`,
        "services",
      );
    }
    return parseServicesYaml(servicesYaml);
  }
  const where = "";
  if (single.service === undefined) {
    throw new ConfigurationError("is required (or give the services input); name the base ECS service to copy, e.g. orders", "service");
  }
  return [
    {
      service: parseServiceName(single.service, "service", where),
      container: single.container,
      image: parseImage(single.image, "image", where),
      match: single.match,
      port: parsePort(single.port, "port", where),
      protocol: parseProtocol(single.protocol, "protocol", where),
      environment: environmentTemplate(parseKeyValueText(single.environment, "environment", "variable"), "environment", where),
      input: "service",
    },
  ];
}

function parseItemEnvironment(value: unknown, where: string): EnvironmentTemplate {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigurationError(`${where}must be a map of NAME: value, e.g. 'DATABASE_SCHEMA: "{route}"'`, "services");
  }
  return environmentTemplate(yamlMapEntries(value as Record<string, unknown>, "services", "variable", where), "services", where);
}

function parseServicesYaml(text: string): ServiceSpec[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    const firstLine = errorMessage(error).split("\n")[0] ?? "";
    throw new ConfigurationError(`is not valid YAML (${firstLine}); write a list such as '- service: orders'`, "services");
  }
  if (!Array.isArray(document) || document.length === 0) {
    throw new ConfigurationError("must be a YAML list of services, e.g. '- service: orders' on its own line", "services");
  }
  const specs = document.map((item: unknown, index): ServiceSpec => {
    const where = `item ${index + 1}: `;
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      throw new ConfigurationError(`${where}must be a map with the keys ${SERVICE_KEYS.join(", ")}`, "services");
    }
    const entries = item as Record<string, unknown>;
    const unknown = Object.keys(entries).filter((key) => !(SERVICE_KEYS as readonly string[]).includes(key));
    if (unknown.length > 0) {
      throw new ConfigurationError(`${where}unknown key ${unknown.map((key) => `'${key}'`).join(", ")}; use ${SERVICE_KEYS.join(", ")}`, "services");
    }
    const service = parseServiceName(entries.service, "services", where);
    return {
      service,
      container: optionalText(entries.container, "services", where, "container"),
      image: parseImage(optionalText(entries.image, "services", where, "image"), "services", where),
      match: optionalText(entries.match, "services", where, "match"),
      port: parsePort(entries.port, "services", where),
      protocol: parseProtocol(entries.protocol, "services", where),
      environment: parseItemEnvironment(entries.environment, `item ${index + 1} (${service}) environment: `),
      input: "services",
    };
  });
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.service)) {
      throw new ConfigurationError(`lists '${spec.service}' twice; each base service once`, "services");
    }
    seen.add(spec.service);
  }
  return specs;
}
