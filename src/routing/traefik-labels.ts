/**
 * Traefik's HTTP label keys as its ECS provider reads them: `traefik.http.<kind>.<name>.<field>`.
 * The root must be lowercase `traefik`; the rest of a key is matched case-insensitively, and a name
 * cannot contain a dot (keys split on it).
 */
export type TraefikKind = "routers" | "services" | "middlewares";

/** One `traefik.http.*` label: the object it belongs to and the field as written (`tls.certResolver`). */
export interface TraefikLabel {
  key: string;
  kind: TraefikKind;
  name: string;
  field: string;
  value: string;
}

const TRAEFIK_PREFIX = "traefik.";
const HTTP_OBJECT = /^http\.(routers|services|middlewares)\.([^.]+)\.(.+)$/i;

/** The label as a field of a router, service or middleware; undefined for any other key. */
export function traefikHttpLabel(key: string, value: string): TraefikLabel | undefined {
  if (!key.startsWith(TRAEFIK_PREFIX)) return undefined;
  const found = HTTP_OBJECT.exec(key.slice(TRAEFIK_PREFIX.length));
  if (found === null) return undefined;
  // Each of the three groups takes part in every match, so none is undefined.
  const [, kind, name, field] = found as RegExpExecArray & [string, string, string, string];
  return { key, kind: kind.toLowerCase() as TraefikKind, name, field, value };
}

/** The objects of one kind in one container's labels, by name, each with its fields in label order. */
export function traefikObjects(labels: Record<string, string>, kind: TraefikKind): Map<string, TraefikLabel[]> {
  const objects = new Map<string, TraefikLabel[]>();
  for (const [key, value] of Object.entries(labels)) {
    const label = traefikHttpLabel(key, value);
    if (label?.kind !== kind) continue;
    objects.set(label.name, [...(objects.get(label.name) ?? []), label]);
  }
  return objects;
}

/** A field of an object, matched case-insensitively as Traefik does. */
export function fieldValue(fields: readonly TraefikLabel[], field: string): string | undefined {
  return fields.find((label) => label.field.toLowerCase() === field)?.value;
}

/** A comma-separated label value (middlewares, entrypoints) as its items. */
export function labelList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}
