/**
 * A bare Pod (v1): its pod spec, read as a template's is (any restartPolicy allowed), and the
 * simulator annotations on its own metadata.
 */
import { isPlainObject } from '../context';
import type { KindHandler } from '../handler';
import { podSpec, simAnnotations } from '../podTemplate';

export const podHandler: KindHandler = {
  kind: 'Pod',
  nameRule: 'subdomain',
  parse(c, value, path, metadata, source) {
    const metaPath = [...path, 'metadata'];
    const rawAnnotations = isPlainObject(value.metadata) ? value.metadata.annotations : undefined;
    simAnnotations(c, rawAnnotations, [...metaPath, 'annotations']);
    const r = podSpec(c, value.spec, [...path, 'spec'], path, rawAnnotations, 'Pod');
    return metadata && r ? { apiVersion: 'v1', kind: 'Pod', metadata, spec: r.spec, billed: r.billed, source } : undefined;
  },
};
