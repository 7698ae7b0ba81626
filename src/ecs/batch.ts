/** DescribeServices takes at most 10 services a call. */
export const DESCRIBE_SERVICES_BATCH = 10;

/** Splits `items` into consecutive groups of at most `size` (ECS describe calls take 10 or 100 names). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    groups.push(items.slice(start, start + size));
  }
  return groups;
}
