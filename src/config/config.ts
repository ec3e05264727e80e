/**
 * Configuration: defaults < BERTH_CONFIG file < BERTH_* environment. Validated once; every
 * problem is reported together in one ConfigError, and the result is deep-frozen. This is the
 * only module that reads the environment.
 */
import { type TargetAllowList, parseAllowList } from '../security/addresses.js';
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { Value, type ValueError } from '@sinclair/typebox/value';
import type { Backend, NoiseKind } from '../domain/backend/backend.js';
import type { TtlPolicy } from '../domain/session/session.js';
import type { Instance } from '../domain/tenancy.js';
import { gateCalibrationsOf, readoutErrorOf, relaxationOf } from './calibration.js';
import { DEFAULT_BACKENDS, DEFAULT_INSTANCE, DEFAULT_TTL } from './defaults.js';
import { type ReferenceDocs, loadReference } from './reference.js';
import { type BackendConfig, FileConfig, type InstanceConfig } from './schema.js';

/** Everything the server needs, resolved and validated. */
export interface ResolvedConfig {
  readonly host: string;
  readonly port: number;
  /** BERTH_DB: a SQLite file path, ':memory:', or a postgres:// URL (may hold a password). */
  readonly db: string;
  /** This node's id: the worker id of the jobs it runs and the owner of what it claims. */
  readonly nodeId: string;
  /** How long a running job's lease lasts without a heartbeat. */
  readonly leaseMs: number;
  readonly dbSynchronous: 'normal' | 'full';
  /** The admin key to ensure at start-up; null: generate one on first start. */
  readonly apiKey: string | null;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly simulatorThreads: number;
  readonly shutdownGraceMs: number;
  /** How long the event log keeps events (SSE resumption, webhook catch-up). */
  readonly eventRetentionHours: number;
  /** Quiet event streams send a keep-alive comment this often. */
  readonly sseHeartbeatMs: number;
  /** Fair use per API key: requests per second (0: no limit), their burst, open event streams. */
  readonly limits: {
    readonly requestsPerSecond: number;
    readonly burst: number;
    readonly streamsPerKey: number;
  };
  /** Webhook retries: first delay (doubling), largest delay, attempts, and answer timeout. */
  readonly webhooks: {
    readonly baseMs: number;
    readonly capMs: number;
    readonly maxAttempts: number;
    readonly timeoutMs: number;
    /** Internal receivers webhooks may reach anyway (BERTH_WEBHOOK_ALLOW). */
    readonly allow: TargetAllowList;
  };
  readonly bodyLimitBytes: number;
  /**
   * BERTH_PUBLIC_URL: the public base (`https://lab.example`) whose IBM Cloud host names Berth
   * answers on (iam., api.global-search-tagging., globalcatalog., resource-controller.,
   * quantum., <region>.quantum.), routed by Host; null: only the plain address.
   */
  readonly publicUrl: string | null;
  /** BERTH_DASHBOARD_DIR: the built dashboard served at `/` (default: dist/dashboard). */
  readonly dashboardDir: string | null;
  /** Origins whose browser pages may call the API ('*': any); empty: same origin only. */
  readonly corsOrigins: readonly string[] | '*';
  readonly instances: readonly Instance[];
  readonly defaultInstanceId: string;
  readonly backends: readonly Backend[];
  /** Reference documents (configuration/properties) of the backends that mirror one. */
  readonly references: Readonly<Record<string, ReferenceDocs>>;
  readonly ttl: TtlPolicy;
  readonly defaultCostSeconds: number;
}

/** Invalid configuration: `problems` lists every one. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Load and validate. `env` defaults to process.env; `overrides` win over everything (tests, CLI). */
export function loadConfig(
  options: {
    env?: Record<string, string | undefined>;
    /** File content given directly instead of BERTH_CONFIG (tests, embedding). */
    file?: unknown;
    overrides?: Partial<ResolvedConfig>;
  } = {},
): ResolvedConfig {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const file =
    options.file !== undefined
      ? validateFileConfig(options.file, 'config', problems)
      : readFileConfig(env.BERTH_CONFIG, problems);
  const instances = (file.instances ?? [DEFAULT_INSTANCE]).map(resolveInstance);
  const references: Record<string, ReferenceDocs> = {};
  const backends = (file.backends ?? DEFAULT_BACKENDS).map((b) =>
    resolveBackend(b, references, problems),
  );
  // Service-CRN and --instance take a name as well as a CRN: each must pick one instance.
  checkUnique(
    instances.flatMap((i) => (i.name === i.id ? [i.id] : [i.id, i.name])),
    'instance id or name',
    problems,
  );
  checkUnique(
    backends.map((b) => b.name),
    'backend name',
    problems,
  );
  checkPlans(instances, problems);
  const ttl: TtlPolicy = { ...DEFAULT_TTL, ...file.ttl };
  if (ttl.defaultMaxTtlSeconds > Math.max(...instances.map((i) => i.maxTtlSeconds))) {
    problems.push('ttl.defaultMaxTtlSeconds is above every instance maxTtlSeconds');
  }
  const port = intFromEnv(env, 'BERTH_PORT', 8000, 0, 65535, problems);
  const config: ResolvedConfig = {
    host: env.BERTH_HOST ?? '127.0.0.1',
    port,
    db: dbFromEnv(env, problems),
    nodeId: nodeIdFromEnv(env, port, problems),
    leaseMs: intFromEnv(env, 'BERTH_LEASE_MS', 30_000, 100, 3_600_000, problems),
    dbSynchronous: oneOf(env, 'BERTH_DB_SYNC', ['normal', 'full'] as const, 'normal', problems),
    apiKey: apiKeyFromEnv(env, problems),
    logLevel: oneOf(env, 'BERTH_LOG_LEVEL', LOG_LEVELS, 'info', problems),
    simulatorThreads: intFromEnv(
      env,
      'BERTH_SIM_THREADS',
      Math.max(1, Math.min(4, availableParallelism() - 1)),
      1,
      64,
      problems,
    ),
    shutdownGraceMs: intFromEnv(env, 'BERTH_SHUTDOWN_GRACE_MS', 30_000, 0, 3_600_000, problems),
    eventRetentionHours: intFromEnv(env, 'BERTH_EVENT_RETENTION_HOURS', 168, 1, 87_600, problems),
    sseHeartbeatMs: intFromEnv(env, 'BERTH_SSE_HEARTBEAT_MS', 15_000, 100, 600_000, problems),
    limits: limitsFromEnv(env, problems),
    webhooks: {
      baseMs: intFromEnv(env, 'BERTH_WEBHOOK_RETRY_BASE_MS', 10_000, 1, 86_400_000, problems),
      capMs: intFromEnv(env, 'BERTH_WEBHOOK_RETRY_CAP_MS', 3_600_000, 1, 86_400_000, problems),
      maxAttempts: intFromEnv(env, 'BERTH_WEBHOOK_MAX_ATTEMPTS', 12, 1, 100, problems),
      timeoutMs: intFromEnv(env, 'BERTH_WEBHOOK_TIMEOUT_MS', 10_000, 100, 300_000, problems),
      allow: allowFromEnv(env, problems),
    },
    bodyLimitBytes: file.server?.bodyLimitBytes ?? 10 * 1024 * 1024,
    corsOrigins: corsFromEnv(env, problems),
    publicUrl: publicUrlFromEnv(env, problems),
    dashboardDir: env.BERTH_DASHBOARD_DIR?.trim() || null,
    instances,
    defaultInstanceId: instances[0]?.id ?? DEFAULT_INSTANCE.id,
    backends,
    references,
    ttl,
    defaultCostSeconds: file.jobs?.defaultCostSeconds ?? 10800,
    ...options.overrides,
  };
  if (problems.length) throw new ConfigError(problems);
  return deepFreeze(config);
}

function readFileConfig(path: string | undefined, problems: string[]): FileConfig {
  if (!path) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    problems.push(`BERTH_CONFIG ${path}: ${(e as Error).message}`);
    return {};
  }
  return validateFileConfig(raw, `BERTH_CONFIG ${path}`, problems);
}

function validateFileConfig(raw: unknown, source: string, problems: string[]): FileConfig {
  const errors = [...Value.Errors(FileConfig, raw)];
  for (const e of errors) problems.push(`${source}: ${e.path || '/'} ${describeError(e)}`);
  return errors.length ? {} : (raw as FileConfig);
}

/**
 * A union of literals (reference, status) names its allowed values instead of "union value",
 * and so does one that also allows a list of literals (noise).
 */
function describeError(e: ValueError): string {
  type Member = { const?: unknown; type?: unknown; items?: { anyOf?: Member[] } };
  const members = (e.schema as { anyOf?: Member[] }).anyOf ?? [];
  const literal = (m: Member): unknown => (m.type === 'null' ? null : m.const);
  const list = members.find((m) => m.type === 'array');
  const listed = list?.items?.anyOf?.map(literal) ?? [];
  const values = members.filter((m) => m !== list).map(literal);
  const named = (vs: unknown[]): string => vs.map((v) => JSON.stringify(v)).join(', ');
  if (values.length && values.every((v) => v !== undefined) && listed.every((v) => v !== undefined))
    return list
      ? `must be one of: ${named(values)}, or a list of ${named(listed)}`
      : `must be one of: ${named(values)}`;
  return e.message;
}

function resolveInstance(i: InstanceConfig): Instance {
  return {
    id: i.id,
    name: i.name ?? i.id,
    planId: i.planId ?? DEFAULT_INSTANCE.planId,
    // A plan of Berth's own is "Open" and costs nothing; a configured plan id names its own.
    planName: i.planName ?? (i.planId ? i.planId : DEFAULT_INSTANCE.planName),
    pricingType: i.pricingType ?? DEFAULT_INSTANCE.pricingType,
    tags: i.tags ? [...i.tags] : [],
    share: i.share ?? 1,
    usageLimitSeconds: i.usageLimitSeconds ?? null,
    maxTtlSeconds: i.maxTtlSeconds ?? DEFAULT_INSTANCE.maxTtlSeconds,
  };
}

function resolveBackend(
  b: BackendConfig,
  refs: Record<string, ReferenceDocs>,
  problems: string[],
): Backend {
  const ref = b.reference ? loadReference(b.reference) : null;
  if (ref && b.reference) refs[b.name] = ref;
  const refConf = ref?.configuration;
  const qubits = b.qubits ?? (refConf ? Number(refConf.n_qubits) : 20);
  const couplingMap =
    b.couplingMap !== undefined
      ? b.couplingMap
      : ((refConf?.coupling_map as [number, number][] | undefined) ?? null);
  for (const [a, c] of couplingMap ?? []) {
    if (a >= qubits || c >= qubits)
      problems.push(
        `backend ${b.name}: coupling pair [${a}, ${c}] is outside its ${qubits} qubits`,
      );
  }
  // `calibrated` is everything Aer's NoiseModel.from_backend models.
  const noise: NoiseKind[] =
    b.noise === undefined || b.noise === 'none'
      ? []
      : b.noise === 'calibrated'
        ? ['readout', 'relaxation', 'gates']
        : typeof b.noise === 'string'
          ? [b.noise]
          : [...b.noise];
  if (noise.length > 0 && !ref)
    problems.push(
      `backend ${b.name}: noise ${JSON.stringify(b.noise)} comes from a device's calibration: give it a reference (one of manila, lagos, guadalupe, kolkata, brisbane, fez), or set noise to "none"`,
    );
  if (ref && qubits > Number(refConf?.n_qubits)) {
    problems.push(
      `backend ${b.name}: ${qubits} qubits is more than its reference ${b.reference} has`,
    );
  }
  return {
    name: b.name,
    lanes: b.lanes ?? 1,
    executor: b.executor ?? 'internal',
    qubits,
    status: b.status ?? 'online',
    statusReason: b.statusReason ?? null,
    model: { jobOverheadMs: b.model?.jobOverheadMs ?? 0, shotTimeMs: b.model?.shotTimeMs ?? 0 },
    basisGates: b.basisGates ??
      (refConf?.basis_gates as string[] | undefined) ?? [
        'cx',
        'id',
        'rz',
        'sx',
        'x',
        'ecr',
        'h',
        'measure',
      ],
    couplingMap,
    // A backend that mirrors a device takes ISA circuits only, as the device does.
    isa: b.isa ?? Boolean(b.reference),
    maxShots: b.maxShots ?? (refConf ? Number(refConf.max_shots) : 100_000),
    maxExperiments: b.maxExperiments ?? (refConf ? Number(refConf.max_experiments) : 300),
    processorType: processorTypeOf(refConf?.processor_type),
    clops: 0,
    version: '1.0.0',
    description:
      b.description ?? `Berth simulated backend (${qubits} qubits, ${b.lanes ?? 1} lane(s))`,
    reference: b.reference ?? null,
    noise,
    readoutError: noise.includes('readout') && ref ? readoutErrorOf(ref.properties, qubits) : null,
    relaxation:
      noise.includes('relaxation') && ref
        ? relaxationOf(ref.properties, ref.configuration, qubits)
        : null,
    gateCalibrations: noise.includes('gates') && ref ? gateCalibrationsOf(ref.properties) : null,
  };
}

/** A reference device's processor type as IBM writes it (revision a string), or Berth's. */
function processorTypeOf(ref: unknown): Backend['processorType'] {
  const p = ref as { family?: unknown; revision?: unknown } | undefined;
  if (p?.family !== undefined && p.revision !== undefined)
    return { family: String(p.family), revision: String(p.revision) };
  return { family: 'Berth Simulator', revision: '1.0' };
}

/** Instances that share a plan id describe it the same way (the catalog has one entry per id). */
function checkPlans(instances: readonly Instance[], problems: string[]): void {
  const seen = new Map<string, Instance>();
  for (const i of instances) {
    const first = seen.get(i.planId);
    if (!first) seen.set(i.planId, i);
    else if (first.planName !== i.planName || first.pricingType !== i.pricingType)
      problems.push(
        `instances ${first.name} and ${i.name} share planId ${i.planId} but differ in planName or pricingType; give one of them its own planId`,
      );
  }
}

/**
 * BERTH_PUBLIC_URL: scheme and host only. The Python client drops the port and the path of its
 * `url` when it derives the account services' host names (accounts/utils.py), so a port or a
 * path here could never be reached by it: refused with that reason.
 */
function publicUrlFromEnv(
  env: Record<string, string | undefined>,
  problems: string[],
): string | null {
  const raw = (env.BERTH_PUBLIC_URL ?? '').trim();
  if (raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`BERTH_PUBLIC_URL: ${JSON.stringify(raw)} is not a URL like https://lab.example`);
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    problems.push(`BERTH_PUBLIC_URL: use https:// (or http://), not ${url.protocol}//`);
  else if (url.port !== '' || (url.pathname !== '/' && url.pathname !== '') || url.search)
    problems.push(
      `BERTH_PUBLIC_URL: give only the scheme and host, such as ${url.protocol}//${url.hostname}; qiskit-ibm-runtime drops a port and a path when it derives iam., quantum. and the other host names, so the proxy must answer on the scheme's default port`,
    );
  else if (/^\d+(\.\d+){3}$/.test(url.hostname) || url.hostname.startsWith('['))
    problems.push(
      `BERTH_PUBLIC_URL: ${url.hostname} is an address; the client prefixes host names (iam.<host>, quantum.<host>), so give a DNS name`,
    );
  return `${url.protocol}//${url.hostname}`;
}

function checkUnique(values: readonly string[], what: string, problems: string[]): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) problems.push(`duplicate ${what}: ${v}`);
    seen.add(v);
  }
}

function intFromEnv(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name}=${raw}: expected an integer from ${min} to ${max}`);
    return fallback;
  }
  return n;
}

function oneOf<T extends string>(
  env: Record<string, string | undefined>,
  name: string,
  allowed: readonly T[],
  fallback: T,
  problems: string[],
): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  problems.push(`${name}=${raw}: expected one of ${allowed.join(', ')}`);
  return fallback;
}

function nonEmpty(
  env: Record<string, string | undefined>,
  name: string,
  fallback: string,
  problems: string[],
): string {
  const raw = env[name];
  if (raw === undefined) return fallback;
  if (raw.trim() === '') problems.push(`${name} is empty`);
  return raw;
}

function apiKeyFromEnv(env: Record<string, string | undefined>, problems: string[]): string | null {
  const raw = env.BERTH_API_KEY;
  if (raw === undefined || raw === '') return null;
  // A short admin key is guessable; the generated ones have 256 bits.
  if (raw.length < 16 || /\s/.test(raw))
    problems.push('BERTH_API_KEY must be at least 16 characters, without spaces');
  return raw;
}

/** BERTH_CORS_ORIGINS: '*' or a comma-separated list of origins (scheme://host[:port]). */
/**
 * BERTH_DB: a SQLite file path, `:memory:`, or a `postgres://` / `postgresql://` URL. Any other
 * URL is refused rather than taken as a file name (it would become a folder named `scheme:`).
 */
function dbFromEnv(env: Record<string, string | undefined>, problems: string[]): string {
  const db = nonEmpty(env, 'BERTH_DB', './data/berth.db', problems);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(db)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'postgres' && scheme !== 'postgresql')
    problems.push(
      `BERTH_DB: ${scheme}:// is not a database Berth can use; give a SQLite file path (such as ./data/berth.db), :memory:, or a postgres:// URL`,
    );
  return db;
}

/** Whether BERTH_DB names a PostgreSQL server. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** BERTH_DB for logs and messages: a URL's password replaced. */
export function describeDb(db: string): string {
  if (!isPostgresUrl(db)) return db;
  try {
    const url = new URL(db);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/**
 * BERTH_NODE_ID: unique among the processes on one database, and stable across restarts (a
 * restarted node takes back its own jobs at once). By default the host name and the port: two
 * nodes on one host listen on different ports. With port 0 (any free port, known only once
 * listening) the process id stands in for it.
 */
function nodeIdFromEnv(
  env: Record<string, string | undefined>,
  port: number,
  problems: string[],
): string {
  const id = (
    env.BERTH_NODE_ID ?? `${hostname()}:${port === 0 ? `pid${process.pid}` : port}`
  ).trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/.test(id)) {
    problems.push(
      `BERTH_NODE_ID: ${JSON.stringify(id)} is not a node id; use letters, digits and _ . : - (at most 100)`,
    );
  }
  return id;
}

/** BERTH_RATE_LIMIT (per key per second), BERTH_RATE_BURST, BERTH_STREAMS_PER_KEY; 0 turns one off. */
function limitsFromEnv(
  env: Record<string, string | undefined>,
  problems: string[],
): ResolvedConfig['limits'] {
  const requestsPerSecond = intFromEnv(env, 'BERTH_RATE_LIMIT', 1000, 0, 1_000_000_000, problems);
  return {
    requestsPerSecond,
    burst: intFromEnv(
      env,
      'BERTH_RATE_BURST',
      Math.max(1, 2 * requestsPerSecond),
      1,
      2_000_000_000,
      problems,
    ),
    streamsPerKey: intFromEnv(env, 'BERTH_STREAMS_PER_KEY', 64, 0, 100_000, problems),
  };
}

/** BERTH_WEBHOOK_ALLOW: comma-separated host names, IP addresses and CIDRs. */
function allowFromEnv(
  env: Record<string, string | undefined>,
  problems: string[],
): TargetAllowList {
  const parsed = parseAllowList((env.BERTH_WEBHOOK_ALLOW ?? '').split(','));
  for (const p of parsed.problems) problems.push(`BERTH_WEBHOOK_ALLOW: ${p}`);
  return parsed.allow;
}

function corsFromEnv(
  env: Record<string, string | undefined>,
  problems: string[],
): readonly string[] | '*' {
  const raw = (env.BERTH_CORS_ORIGINS ?? '').trim();
  if (raw === '*') return '*';
  const origins = raw === '' ? [] : raw.split(',').map((o) => o.trim());
  for (const o of origins) {
    let ok = false;
    try {
      const u = new URL(o);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o;
    } catch {
      ok = false;
    }
    if (!ok)
      problems.push(
        `BERTH_CORS_ORIGINS: ${JSON.stringify(o)} is not an origin like https://app.example.com`,
      );
  }
  return origins;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
