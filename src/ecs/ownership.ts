// Whose a copy is, from its tags alone (DESIGN §4). Pure.
import { MANAGED_BY, TAG } from "./tags.js";

/** The repository a run acts for: its `owner/repo` and, in a workflow run, its stable numeric id. */
export interface RepositoryIdentity {
  /** `owner/repo` */
  name: string;
  /** GITHUB_REPOSITORY_ID; undefined outside a workflow run (then the name alone decides). */
  id: string | undefined;
}

export type Owner =
  | { kind: "unmanaged" }
  /** Ours; `migrate` when the copy predates the repository-id tag and should get it. */
  | { kind: "ours"; migrate: boolean }
  | { kind: "other"; repository: string };

/**
 * The id decides when both sides have one: a renamed repository keeps its copies, and a repository
 * deleted and re-created under the same name does not inherit the old one's. A copy tagged before
 * the id was recorded is matched by name (and should be migrated: tagged with the id).
 */
export function ownerOf(tags: Readonly<Record<string, string>>, repository: RepositoryIdentity): Owner {
  if (tags[TAG.managedBy] !== MANAGED_BY) return { kind: "unmanaged" };
  const name = tags[TAG.repository] ?? "";
  const id = tags[TAG.repositoryId];
  if (id !== undefined && repository.id !== undefined) {
    return id === repository.id ? { kind: "ours", migrate: false } : { kind: "other", repository: name || `repository id ${id}` };
  }
  if (name === repository.name) return { kind: "ours", migrate: id === undefined && repository.id !== undefined };
  return { kind: "other", repository: name === "" ? "(no repository tag)" : name };
}

/** The tags that record the identity on a copy of ours tagged before: the id, and the current name. */
export function identityTags(repository: RepositoryIdentity): Record<string, string> {
  return repository.id === undefined ? {} : { [TAG.repositoryId]: repository.id, [TAG.repository]: repository.name };
}

