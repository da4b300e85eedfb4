/**
 * What a kind module gives the manifest parser: how the kind's name is checked, and how its
 * object is read once the checks every kind shares (kind, apiVersion, unknown fields, metadata,
 * duplicate names) are done. One handler per kind, all of the same shape, so that the parser
 * dispatches by looking the kind up instead of knowing each one.
 */
import type { ManifestContext, Path } from './context';
import type { ManifestObject, ObjectMeta } from './types';

export interface KindHandler {
  readonly kind: ManifestObject['kind'];
  /**
   * The rule metadata.name follows: a DNS-1123 label (63 characters, no dots) or a subdomain
   * (253 characters, dots allowed).
   */
  readonly nameRule: 'label' | 'subdomain';
  /**
   * True when the kind's own parser reports unknown fields under `spec` (with its own
   * suggestions), so the strict field check leaves them to it.
   */
  readonly checksOwnSpecFields?: boolean;
  /** Extra checks of a readable name (`namePath` is metadata.name), before the duplicate check. */
  checkName?(c: ManifestContext, metadata: ObjectMeta, namePath: Path): void;
  /**
   * Validates and defaults the rest of the object (`value`, at `path` in its document) and
   * reports what is wrong through `c`. Returns the object, or undefined when it cannot be built
   * (`metadata` undefined, or a part unreadable); the caller keeps it only when the object added
   * no error at all. `source` is the object's field path in the input.
   */
  parse(c: ManifestContext, value: Record<string, unknown>, path: Path, metadata: ObjectMeta | undefined, source: Path): ManifestObject | undefined;
}
