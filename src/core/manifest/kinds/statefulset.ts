/**
 * StatefulSet (apps/v1): replicas, a matchLabels selector, a pod template, serviceName, the pod
 * management policy, the update strategy (OnDelete, or RollingUpdate with a partition) and the
 * volumeClaimTemplates each pod gets its own claims from, defaulted as apps/v1 does.
 */
import { validateDns1123Label, validateDns1123Subdomain } from '../../names';
import { fitsQuantityLimit, isNegative, isZero, parseQuantityValue, QUANTITY_TOO_LARGE } from '../../quantity';
import type { BilledSpec } from '../../sizing';
import { renderValue, tooMany } from '../../validation/errors';
import type { StatefulSetSpec, VolumeClaimTemplate } from '../../workloads/specs';
import { isAbsent, isBlank, type ManifestContext, type Path } from '../context';
import type { KindHandler } from '../handler';
import { podTemplate } from '../podTemplate';

const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] as const;

export const statefulSetHandler: KindHandler = {
  kind: 'StatefulSet',
  // StatefulSet pods are named <name>-<ordinal> and carry it as their hostname: a label.
  nameRule: 'label',
  parse(c, value, path, metadata, source) {
    const r = statefulSetSpec(c, value.spec, [...path, 'spec']);
    return metadata && r ? { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata, spec: r.spec, billed: r.billed, source } : undefined;
  },
};

function statefulSetSpec(c: ManifestContext, raw: unknown, path: Path): { spec: StatefulSetSpec; billed: BilledSpec } | undefined {
  if (!c.requireMapping(raw, path)) return undefined;
  const before = c.errorCount;

  const replicas = c.replicas(raw.replicas, [...path, 'replicas']);
  const matchLabels = c.selector(raw.selector, [...path, 'selector'], 'StatefulSet');
  const template = podTemplate(c, raw.template, [...path, 'template'], 'StatefulSet', matchLabels);
  const serviceName = c.str(raw.serviceName, [...path, 'serviceName']);
  if (serviceName) {
    for (const p of validateDns1123Label(serviceName)) c.invalid([...path, 'serviceName'], serviceName, p);
  }
  const podManagementPolicy = c.oneOf(raw.podManagementPolicy, [...path, 'podManagementPolicy'], ['OrderedReady', 'Parallel'] as const);
  const updateStrategy = statefulSetStrategy(c, raw.updateStrategy, [...path, 'updateStrategy']);
  const claims = volumeClaimTemplates(c, raw.volumeClaimTemplates, [...path, 'volumeClaimTemplates']);
  const minReadySeconds = c.int(raw.minReadySeconds, [...path, 'minReadySeconds'], 0);
  const revisionHistoryLimit = c.int(raw.revisionHistoryLimit, [...path, 'revisionHistoryLimit'], 0);

  if (
    c.errorCount > before || replicas === undefined || !matchLabels || !template || serviceName === undefined ||
    podManagementPolicy === undefined || !updateStrategy || !claims || minReadySeconds === undefined || revisionHistoryLimit === undefined
  ) {
    return undefined;
  }
  return {
    spec: {
      ...raw,
      replicas,
      selector: { matchLabels },
      template: template.template,
      serviceName: serviceName ?? '',
      podManagementPolicy: podManagementPolicy ?? 'OrderedReady',
      updateStrategy,
      volumeClaimTemplates: claims,
      minReadySeconds: minReadySeconds ?? 0,
      revisionHistoryLimit: revisionHistoryLimit ?? 10,
    },
    billed: template.billed,
  };
}

function statefulSetStrategy(c: ManifestContext, raw: unknown, path: Path): StatefulSetSpec['updateStrategy'] | undefined {
  const s = c.optionalMapping(raw, path);
  if (!s) return undefined;
  const type = c.oneOf(s.type, [...path, 'type'], ['OnDelete', 'RollingUpdate'] as const);
  if (type === undefined) return undefined;
  const ruPath = [...path, 'rollingUpdate'];
  if (type === 'OnDelete') {
    if (!isAbsent(s.rollingUpdate)) {
      c.invalid(ruPath, s.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'");
      return undefined;
    }
    return { type: 'OnDelete' };
  }
  const ru = c.optionalMapping(s.rollingUpdate, ruPath);
  if (!ru) return undefined;
  const partition = c.int(ru.partition, [...ruPath, 'partition'], 0);
  if (partition === undefined) return undefined;
  return { type: 'RollingUpdate', rollingUpdate: { ...ru, partition: partition ?? 0 } };
}

function volumeClaimTemplates(c: ManifestContext, raw: unknown, path: Path): VolumeClaimTemplate[] | undefined {
  if (isAbsent(raw)) return [];
  if (!Array.isArray(raw)) {
    c.invalid(path, raw, 'must be a list of PersistentVolumeClaim templates');
    return undefined;
  }
  if (raw.length > c.limits.volumeClaimTemplates) {
    const n = raw.length;
    c.add(path, 'LIMIT_EXCEEDED', () => `${tooMany(n, c.limits.volumeClaimTemplates, 'volume claim template')} (NODELESS_MAX_VOLUME_CLAIM_TEMPLATES)`);
    return undefined;
  }
  const before = c.errorCount;
  const names = new Set<string>();
  const out: VolumeClaimTemplate[] = [];
  raw.forEach((item: unknown, i) => {
    const cPath = [...path, String(i)];
    if (!c.requireMapping(item, cPath)) return;
    const claim = volumeClaimTemplate(c, item, cPath, names);
    if (claim) out.push(claim);
  });
  return c.errorCount > before ? undefined : out;
}

function volumeClaimTemplate(c: ManifestContext, claim: Record<string, unknown>, path: Path, names: Set<string>): VolumeClaimTemplate | undefined {
  const before = c.errorCount;
  const metaPath = [...path, 'metadata'];
  let name: string | undefined;
  let labels: Record<string, string> | undefined;
  if (c.requireMapping(claim.metadata, metaPath)) {
    const m = claim.metadata;
    const namePath = [...metaPath, 'name'];
    if (isBlank(m.name)) c.add(namePath, 'REQUIRED', 'Required value: name is required');
    else if (typeof m.name !== 'string') c.invalid(namePath, m.name, 'must be a string');
    else {
      name = m.name;
      // The claim is mounted as a pod volume of the same name: a DNS-1123 label.
      for (const p of validateDns1123Label(name)) c.invalid(namePath, name, p);
      if (names.has(name)) c.add(namePath, 'DUPLICATE', `Duplicate value: ${renderValue(name)}`);
      names.add(name);
    }
    if (!isAbsent(m.labels)) labels = c.labels(m.labels, [...metaPath, 'labels']);
  }

  const specPath = [...path, 'spec'];
  if (!c.requireMapping(claim.spec, specPath)) return undefined;
  const spec = claim.spec;

  const amPath = [...specPath, 'accessModes'];
  const accessModes: string[] = [];
  if (isAbsent(spec.accessModes) || (Array.isArray(spec.accessModes) && spec.accessModes.length === 0)) {
    c.add(amPath, 'REQUIRED', 'Required value: at least 1 access mode is required');
  } else if (!Array.isArray(spec.accessModes)) {
    c.invalid(amPath, spec.accessModes, 'must be a list of access modes');
  } else {
    spec.accessModes.forEach((m: unknown, i) => {
      const mode = c.oneOf(m, [...amPath, String(i)], ACCESS_MODES);
      if (mode) accessModes.push(mode);
    });
    if (accessModes.includes('ReadWriteOncePod') && spec.accessModes.length > 1) {
      c.add(amPath, 'FORBIDDEN', 'Forbidden: may not use ReadWriteOncePod with other access modes');
    }
  }

  const scPath = [...specPath, 'storageClassName'];
  const storageClassName = c.str(spec.storageClassName, scPath);
  if (storageClassName) {
    for (const p of validateDns1123Subdomain(storageClassName)) c.invalid(scPath, storageClassName, p);
  }

  const resPath = [...specPath, 'resources'];
  const reqPath = [...resPath, 'requests'];
  const storagePath = [...reqPath, 'storage'];
  let storage: string | undefined;
  if (c.requireMapping(spec.resources, resPath) && c.requireMapping(spec.resources.requests, reqPath)) {
    const rawStorage = spec.resources.requests.storage;
    if (isBlank(rawStorage)) c.add(storagePath, 'REQUIRED', 'Required value');
    else {
      const q = parseQuantityValue(rawStorage);
      if (!q) {
        c.add(storagePath, 'INVALID_QUANTITY', `Invalid value: ${renderValue(rawStorage)}: must be a quantity such as "1Gi", "500Mi" or "10G"`);
      } else if (isNegative(q) || isZero(q)) {
        c.invalid(storagePath, rawStorage, 'must be greater than zero');
      } else if (!fitsQuantityLimit(q)) {
        c.add(storagePath, 'TOO_LARGE', () => `Invalid value: ${renderValue(rawStorage)}: ${QUANTITY_TOO_LARGE}`);
      } else {
        storage = String(rawStorage);
      }
    }
  }

  if (c.errorCount > before || name === undefined || storage === undefined || storageClassName === undefined) return undefined;
  const resources = spec.resources as Record<string, unknown> & { requests: Record<string, unknown> };
  return {
    metadata: labels ? { name, labels } : { name },
    spec: {
      ...spec,
      accessModes,
      storageClassName: storageClassName ?? 'standard',
      resources: { ...resources, requests: { ...resources.requests, storage } },
    },
  };
}